"""The Chair's and the WGM's dashboard: what is due, late or pending across the monitoring work."""
