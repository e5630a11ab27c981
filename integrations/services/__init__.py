"""Writes of the integrations app: ingestion of normalized records, the CI-facing record
services, webhook deliveries, connections, and what a pull sync and write-back write."""
