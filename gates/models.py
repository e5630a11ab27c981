"""Gates models: built by its own issue."""
