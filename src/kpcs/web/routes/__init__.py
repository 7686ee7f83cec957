"""Routes by feature; each module has an ``api`` router and/or a ``pages`` router."""
