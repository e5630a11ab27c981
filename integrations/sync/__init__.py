"""The pull sync of connections (engine, schedule, tasks) and write-back into the connected
tools. The sync depends on the services, never the other way: what it writes goes through
integrations.services (sync_runs, writeback_actions, connections), and pages and the API start a
sync through integrations.services.connections, which queues this package's task."""
