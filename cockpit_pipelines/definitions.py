"""The code location: every asset, check, job, schedule and sensor of the cockpit warehouse."""

from __future__ import annotations

import dagster as dg

from assets.raw import raw_specs
from assets.schema import warehouse_schema
from cockpit_pipelines.jobs import schema_job
from cockpit_pipelines.resources import warehouse_from_env

defs = dg.Definitions(
    assets=[warehouse_schema, *raw_specs],
    jobs=[schema_job],
    resources={"warehouse": warehouse_from_env()},
)
