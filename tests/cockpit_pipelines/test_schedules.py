"""The nightly schedule: at 02:00 UTC it requests yesterday's partition of every analytics asset, with checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest

from cockpit_pipelines.definitions import defs
from cockpit_pipelines.jobs import ANALYTICS_GROUPS
from cockpit_pipelines.settings import partition_start

REPOSITORY = defs.get_repository_def()
NIGHTLY = REPOSITORY.get_schedule_def("nightly_analytics_schedule")
# Dagster 1.13's own tick of a build_schedule_from_partitioned_job schedule calls the deprecated
# JobDefinition.run_request_for_partition (dagster/_core/definitions/partitions/partitioned_schedule.py);
# the project never calls it, and loading the definitions stays warning-free (test_definitions.py).
DAGSTER_INTERNAL = pytest.mark.filterwarnings(
    "ignore:Function `JobDefinition.run_request_for_partition` is deprecated:DeprecationWarning"
)


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def _requests(instance: dg.DagsterInstance, moment: datetime) -> tuple[list[dg.RunRequest], str | None]:
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=moment, repository_def=REPOSITORY)
    data = NIGHTLY.evaluate_tick(context)
    return list(data.run_requests or []), data.skip_message


def test_nightly_runs_at_two_utc_on_the_partitioned_job() -> None:
    assert (NIGHTLY.cron_schedule, NIGHTLY.execution_timezone) == ("0 2 * * *", "UTC")
    assert NIGHTLY.job_name == "nightly_analytics_job"
    assert NIGHTLY.default_status == dg.DefaultScheduleStatus.RUNNING


@DAGSTER_INTERNAL
@pytest.mark.parametrize(("moment", "partition"), [
    (datetime(2026, 4, 3, 2, tzinfo=UTC), "2026-04-02"),
    (datetime(2026, 3, 1, 2, tzinfo=UTC), "2026-02-28"),  # month boundary
    (datetime(2027, 1, 1, 2, tzinfo=UTC), "2026-12-31"),  # year boundary
])
def test_nightly_requests_yesterday(instance: dg.DagsterInstance, moment: datetime, partition: str) -> None:
    (request,), _ = _requests(instance, moment)
    assert request.partition_key == partition
    assert request.run_key == partition  # one run per day, across restarts of the daemon
    assert request.asset_selection is None  # the whole job: every analytics asset and check


@DAGSTER_INTERNAL
def test_nightly_before_the_first_partition_requests_nothing(instance: dg.DagsterInstance) -> None:
    first = datetime.combine(partition_start(), datetime.min.time(), tzinfo=UTC).replace(hour=2)
    assert _requests(instance, first)[0] == []


def test_the_nightly_job_builds_every_analytics_asset_with_its_checks() -> None:
    job = REPOSITORY.get_job(NIGHTLY.job_name)
    graph = REPOSITORY.asset_graph
    daily = {k for k in graph.get_all_asset_keys()
             if graph.get(k).group_name in ANALYTICS_GROUPS and graph.get(k).is_materializable}
    assert daily and job.asset_layer.selected_asset_keys == daily
    checks = job.asset_layer.asset_graph.asset_check_keys
    assert {c.asset_key for c in checks} >= {k for k in daily if graph.get(k).check_keys}
    assert any(c.asset_key.path[0] == "raw" for c in checks)  # the raw tables' blocking checks run first
