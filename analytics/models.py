"""Analytics models: built by its own issue."""
