"""Matching store products to canonical products (pure scoring; the service and worker do I/O)."""
