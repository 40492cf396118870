"""The JSON API under /api/v1: thin adapters over the service layer."""
