"""Exchange between kpcs systems: a hub and national nodes, with signed messages that always arrive."""
