"""Persistence: models, the session factory, the encryption vault and repositories."""
