"""Environments models: built by its own issue."""
