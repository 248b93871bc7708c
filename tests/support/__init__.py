"""Shared test helpers (local HTTP server, fixtures)."""
