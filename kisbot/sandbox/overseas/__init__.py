"""Overseas stocks in the sandbox (kis-api §13): listings, prices, orders, master files."""
