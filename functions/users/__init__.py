"""Customers: an account per email address (unique, case-insensitive)."""
