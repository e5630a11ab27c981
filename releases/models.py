"""Releases models: built by its own issue."""
