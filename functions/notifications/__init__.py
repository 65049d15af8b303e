"""Notifications: what would be sent to customers when their order changes."""
