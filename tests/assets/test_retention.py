"""Retention in Dagster: the archival assets and their job, the 03:00 and monthly schedules, the
partition-maintenance job and the retention-pressure sensor, on PostgreSQL and MariaDB."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest

from cockpit_pipelines.archive import load_settings
from cockpit_pipelines.archive.policies import Pressure
from cockpit_pipelines.archive.pressure import read_pressure
from cockpit_pipelines.assets.retention import (
    archive_assets,
    archive_key,
    archive_op_name,
    premake_months,
)
from cockpit_pipelines.definitions import defs
from cockpit_pipelines.generator.load import generate
from cockpit_pipelines.jobs import partition_maintenance_job
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.schedules import monthly_partitions_schedule, retention_schedule
from cockpit_pipelines.sensors import retention_pressure_sensor

TABLES = [p.table for p in load_settings(environ={}).policies]
FIRST = date(2026, 1, 1)


@pytest.fixture(scope="module")
def generated(module_warehouse: WarehouseResource) -> WarehouseResource:
    """Five generated days from 2026-01-01 (nothing built from them), shared by the module: the tests that
    only read come first, the one that archives last."""
    generate(module_warehouse.engine, FIRST, 5, scale=0.01)
    return module_warehouse


def asset(table: str) -> dg.AssetsDefinition:
    return next(a for a in archive_assets if a.key == archive_key(table))


def metadata(result: dg.ExecuteInProcessResult, table: str) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == archive_key(table)]
    return {k: v.value for k, v in event.step_materialization_data.materialization.metadata.items()}


def test_one_archival_asset_per_policy_in_the_retention_job() -> None:
    job = defs.resolve_job_def("retention_job")
    assert job.tags["cockpit/kind"] == "retention"
    assert job.asset_layer.selected_asset_keys == {archive_key(t) for t in TABLES}
    graph = defs.resolve_asset_graph()
    assert {dg.AssetKey(["raw", "usage_events"]), dg.AssetKey("usage_daily"), dg.AssetKey("usage_hourly")} <= (
        graph.get(archive_key("usage_events")).parent_keys)
    assert archive_key("correlations") in graph.get(archive_key("events")).parent_keys  # children first
    assert dg.AssetKey("usage_hourly") in graph.get(archive_key("usage_hourly")).parent_keys


def test_retention_schedule_runs_every_policy_at_three_with_its_tick_as_the_cutoff() -> None:
    assert (retention_schedule.cron_schedule, retention_schedule.execution_timezone) == ("0 3 * * *", "UTC")
    assert retention_schedule.job_name == "retention_job"
    tick = datetime(2026, 5, 2, 3, 0, tzinfo=UTC)
    data = retention_schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick))
    (request,) = data.run_requests
    assert request.run_key == "retention:2026-05-02"
    assert request.tags["cockpit/kind"] == "retention"
    ops = request.run_config["ops"]
    assert set(ops) == {archive_op_name(t) for t in TABLES}
    assert {o["config"]["as_of"] for o in ops.values()} == {"2026-05-02T03:00:00"}


def test_monthly_schedule_creates_this_month_and_the_premade_ones() -> None:
    assert (monthly_partitions_schedule.cron_schedule, monthly_partitions_schedule.execution_timezone) == (
        "0 1 1 * *", "UTC")
    tick = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    (request,) = monthly_partitions_schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=tick)).run_requests
    assert request.run_key == "partitions:2026-12"
    assert request.run_config["ops"]["create_future_partitions"]["config"] == {"start": "2026-12"}
    assert load_settings(environ={}).premake_months == 3
    assert premake_months("2026-12", None) == (date(2026, 12, 1), date(2027, 3, 31))
    assert premake_months(None, 0, today=date(2026, 5, 17)) == (date(2026, 5, 1), date(2026, 5, 31))


def test_partition_maintenance_job(generated: WarehouseResource) -> None:
    result = partition_maintenance_job.execute_in_process(
        resources={"warehouse": generated},
        run_config={"ops": {"create_future_partitions": {"config": {"start": "2027-01", "months_ahead": 1}}}},
    )
    created = result.output_for_node("create_future_partitions")
    if generated.engine_family() == "postgresql":
        assert {"usage_events_p202701", "usage_events_p202702", "audit_logs_p202702"} <= set(created)
        assert "usage_events_p202703" not in created
    else:
        assert created == []  # MariaDB tables are not partitioned
    again = partition_maintenance_job.execute_in_process(
        resources={"warehouse": generated},
        run_config={"ops": {"create_future_partitions": {"config": {"start": "2027-01", "months_ahead": 1}}}},
    )
    assert again.output_for_node("create_future_partitions") == []


def test_retention_pressure_sensor_requests_early_archival_once_per_cooldown(generated: WarehouseResource) -> None:
    resources = {"warehouse": generated}
    first = retention_pressure_sensor.evaluate_tick(dg.build_sensor_context(resources=resources))
    (request,) = first.run_requests  # January 2026 rows, read by the clock of the machine
    cursor = json.loads(first.cursor)
    over = {"usage_events", "correlations", "provenance"}  # max_age 32d, 97d, 7d overdue; token_usage: 744d
    assert over <= set(cursor) and "token_usage" not in cursor
    assert {archive_key(t) for t in cursor} == set(request.asset_selection)
    assert request.tags["cockpit/trigger"] == "retention_pressure" and request.tags["cockpit/kind"] == "retention"
    assert set(request.run_config["ops"]) == {archive_op_name(t) for t in cursor}

    calm = retention_pressure_sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert not calm.run_requests and "requested less than 6h ago" in calm.skip_message
    assert calm.cursor == first.cursor

    earlier = {t: (datetime.fromisoformat(at) - timedelta(hours=7)).isoformat() for t, at in cursor.items()}
    again = retention_pressure_sensor.evaluate_tick(
        dg.build_sensor_context(cursor=json.dumps(earlier), resources=resources))
    (repeat,) = again.run_requests
    assert repeat.run_key != request.run_key and set(json.loads(again.cursor)) == set(cursor)


def test_pressure_readings_by_rows_and_by_age(generated: WarehouseResource) -> None:
    engine = generated.engine
    engine.execute("ANALYZE correlations" if engine.family == "postgresql" else "ANALYZE TABLE correlations")
    policy = load_settings(environ={}).policy("correlations")
    now = datetime(2026, 1, 10)
    by_rows = replace(policy, pressure=Pressure(max_rows=1))
    by_age = replace(policy, pressure=Pressure(max_age=replace(policy.keep, amount=5)))
    calm = replace(policy, pressure=Pressure(max_rows=10**9, max_age=policy.keep))
    rows, age, quiet = read_pressure(engine, [by_rows, by_age, calm], now)
    assert rows.over and "> max_rows 1" in rows.reasons[0] and rows.rows > 0
    assert age.over and age.oldest is not None and age.oldest.date() == FIRST and "max_age 5d" in age.reasons[0]
    assert not quiet.over


def test_archival_asset_archives_reports_and_follows_its_config(generated: WarehouseResource) -> None:
    engine = generated.engine
    as_of = "2026-01-04T12:00:00"
    run = {"ops": {archive_op_name("correlations"): {"config": {"as_of": as_of, "dry_run": True, "keep": "2d"}}}}
    dry = dg.materialize([asset("correlations")], resources={"warehouse": generated}, run_config=run)
    due = engine.scalar("SELECT COUNT(*) FROM correlations WHERE timestamp < :c", {"c": datetime(2026, 1, 2, 12)})
    assert metadata(dry, "correlations")["rows_due"] == due > 0
    assert engine.scalar("SELECT COUNT(*) FROM archive_manifest") == 0

    run["ops"][archive_op_name("correlations")]["config"]["dry_run"] = False
    done = metadata(dg.materialize([asset("correlations")], resources={"warehouse": generated}, run_config=run),
                    "correlations")
    assert done["rows_archived"] == due and done["cutoff"] == "2026-01-02T12:00:00"
    assert (done["first_day"], done["last_day"]) == ("2026-01-01", "2026-01-02")
    assert engine.scalar("SELECT COUNT(*) FROM correlations WHERE timestamp < :c", {"c": datetime(2026, 1, 2, 12)}) == 0
    assert engine.scalar("SELECT SUM(row_count) FROM archive_manifest WHERE status = 'deleted'") == due

    usage = {"ops": {archive_op_name("usage_events"): {"config": {"as_of": as_of, "keep": "1d"}}}}
    waiting = metadata(dg.materialize([asset("usage_events")], resources={"warehouse": generated}, run_config=usage),
                       "usage_events")
    assert waiting["rows_archived"] == 0 and "usage_daily has not built 2026-01-01" in waiting["days_waiting"]

    off = {"ops": {archive_op_name("events"): {"config": {"keep": "off"}}}}
    assert metadata(dg.materialize([asset("events")], resources={"warehouse": generated}, run_config=off),
                    "events")["enabled"] is False
