"""Stock per product: on hand, reserved for open orders, available to sell."""
