"""The pull sync of connections (engine, plans per source, tasks) and write-back into the
connected tools. Pages and the API reach it through integrations.services.connections."""
