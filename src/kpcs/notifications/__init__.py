"""Notifications: what someone must act on, in the app's inbox and by e-mail."""
