"""Customers' profiles: one per person of the user pool (keyed by `sub`), one per email address (case-insensitive)."""
