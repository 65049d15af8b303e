"""The product catalog: products with a unique SKU and a price in integer cents."""
