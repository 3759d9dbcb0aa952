"""The sandbox's HTTP routes, one module per group of KIS APIs."""
