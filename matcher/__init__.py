"""Matching store products to canonical products (pure scoring apart from the worker)."""
