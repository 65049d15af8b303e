"""Payments: charges and refunds through a card processor, one payment per order."""
