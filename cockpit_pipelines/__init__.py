"""cockpit_pipelines: the Dagster code location of the AI developer cockpit warehouse."""
