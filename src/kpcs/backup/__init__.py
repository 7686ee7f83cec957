"""Backup and restore of a kpcs instance: its database, signing keys and data files."""
