"""The participant registry: participants, observers, their status over time, KP
authorities, working bodies and their office-holders."""
