"""Integrations models: built by its own issue."""
