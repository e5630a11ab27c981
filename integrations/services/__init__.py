"""Writes of the integrations app: ingestion of normalized records, the CI-facing record
services, webhook deliveries, connections."""
