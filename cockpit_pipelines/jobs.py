"""Jobs: asset selections that run together."""

from __future__ import annotations

import dagster as dg

ANALYTICS_GROUP = "analytics"

schema_job = dg.define_asset_job(
    "schema_job",
    selection=dg.AssetSelection.groups("schema"),
    description="Apply every pending migration, in foreign-key order, and check the catalog for drift.",
)

nightly_analytics_job = dg.define_asset_job(
    "nightly_analytics_job",
    selection=dg.AssetSelection.groups(ANALYTICS_GROUP),
    description="Every daily analytics asset for one UTC day (or a range, as one run), with its checks.",
)
