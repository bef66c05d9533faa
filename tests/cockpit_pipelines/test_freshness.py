"""Freshness promises: policies/freshness.yaml reaches every asset it names, each deadline is reachable from the
schedule that materializes the asset, a bad file fails naming its key and rule, and Dagster's freshness daemon
evaluates the policies on an instance of the file `cockpit` writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from conftest import REPO_ROOT, migrated_warehouse
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.controller import create_daemon_grpc_server_registry
from dagster._daemon.freshness import FreshnessDaemon
from dagster._utils.schedules import cron_string_iterator

from cockpit_pipelines.assets.health import HEALTH_KEY, health_warehouse
from cockpit_pipelines.cli.home import ensure_dagster_home
from cockpit_pipelines.definitions import defs
from cockpit_pipelines.freshness import FreshnessPolicyError, load_promises
from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.utc import today_utc

REPOSITORY = defs.get_repository_def()
GRAPH = REPOSITORY.asset_graph
PROMISES = load_promises()
MIN_RUN_TIME = timedelta(hours=1)  # the least time a scheduled run is given before its deadline


def _policies() -> dict[dg.AssetKey, dg.FreshnessPolicy]:
    return {key: GRAPH.get(key).freshness_policy for key in GRAPH.get_all_asset_keys()
            if GRAPH.get(key).freshness_policy is not None}


def test_every_asset_has_the_policy_the_file_promises_for_it() -> None:
    for key in GRAPH.get_all_asset_keys():
        node = GRAPH.get(key)
        assert node.freshness_policy == PROMISES.policy(key, node.group_name), key.to_user_string()
    policies = _policies()
    assert {k.to_user_string() for k in policies} >= set(PROMISES.assets)
    assert {GRAPH.get(k).group_name for k in policies} >= set(PROMISES.groups)
    assert not any(GRAPH.get(k).group_name in ("schema", "raw") for k in policies)  # no schedule: no promise


def test_every_deadline_comes_after_the_schedule_that_materializes_the_asset() -> None:
    """For a week of ticks of each schedule, the next deadline of each asset its job materializes leaves the run
    at least MIN_RUN_TIME, and the policy's window [deadline - lower bound, deadline] holds the tick, so that the
    run's materialization counts; every asset with a deadline is materialized by some schedule."""
    scheduled: set[dg.AssetKey] = set()
    start = datetime(2026, 2, 26, tzinfo=UTC).timestamp()  # a month's end within the week
    for schedule in REPOSITORY.schedule_defs:
        keys = REPOSITORY.get_job(schedule.job_name).asset_layer.selected_asset_keys
        ticks = cron_string_iterator(start, schedule.cron_schedule, schedule.execution_timezone)
        for tick in [next(ticks) for _ in range(7)]:
            for key in keys:
                policy = GRAPH.get(key).freshness_policy
                if policy is None:
                    continue
                scheduled.add(key)
                deadline = next(cron_string_iterator(tick.timestamp(), policy.deadline_cron, policy.timezone))
                where = f"{key.to_user_string()}: {schedule.name} ticks at {tick:%Y-%m-%d %H:%M}, deadline {deadline}"
                assert deadline - tick >= MIN_RUN_TIME, where
                assert deadline - policy.lower_bound_delta <= tick, f"{where}: the run is before the window"
    assert scheduled == {k for k, p in _policies().items() if hasattr(p, "deadline_cron")}


@pytest.mark.parametrize(("text", "message"), [
    ('groups:\n  analytics: {deadline_cron: "0 25 * * *", lower_bound_hours: 2}\n',
     r"freshness.yaml: groups.analytics: .* breaks a rule of Dagster's freshness policies \(a five-field cron"),
    ('groups:\n  analytics: {deadline_cron: "0 4 * * *", lower_bound_hours: 0}\n',
     r"freshness.yaml: groups.analytics.lower_bound_hours must be a positive number of hours, not 0"),
    ('groups:\n  analytics: {deadline_cron: "0 4 * * *", lower_bound_hours: 25}\n',
     r"groups.analytics: .*up to the interval between two ticks\): .*lower_bound_delta must be less than"),
    ("assets:\n  backup/warehouse: {max_age_hours: -3}\n",
     r"freshness.yaml: assets.backup/warehouse.max_age_hours must be a positive number of hours, not -3"),
    ("assets:\n  backup/warehouse: {max_age_hours: 2, warn_age_hours: 3}\n",
     r"assets.backup/warehouse: .*warn_age_hours less than max_age_hours"),
    ('groups:\n  analytics: {deadline_cron: "0 4 * * *"}\n',
     r"groups.analytics must be a mapping of deadline_cron and lower_bound_hours, or of max_age_hours"),
    ("group:\n  analytics: {max_age_hours: 26}\n", r"freshness.yaml: only the sections groups, assets are allowed"),
])
def test_a_bad_promise_fails_naming_the_file_the_key_and_the_rule(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "freshness.yaml"
    path.write_text(text)
    with pytest.raises(FreshnessPolicyError, match=message):
        load_promises(path)


@pytest.mark.parametrize(("text", "message"), [
    ("groups:\n  analytic: {max_age_hours: 26}\n", r"freshness.yaml: groups.analytic: the code location has no group"),
    ("assets:\n  health/warehous: {max_age_hours: 26}\n",
     r"freshness.yaml: assets.health/warehous: the code location has no asset"),
])
def test_a_promise_for_an_unknown_group_or_asset_fails(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "freshness.yaml"
    path.write_text(text)
    with pytest.raises(FreshnessPolicyError, match=message):
        load_promises(path).check_targets(defs.resolve_all_asset_specs())


def test_a_maximum_age_is_a_time_window_policy(tmp_path: Path) -> None:
    path = tmp_path / "freshness.yaml"
    path.write_text("assets:\n  raw/usage_events: {max_age_hours: 26, warn_age_hours: 12}\n")
    policy = load_promises(path).policy(dg.AssetKey(["raw", "usage_events"]), "raw")
    assert policy == dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=12))


# --- the daemon --------------------------------------------------------------------------------------


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """The instance of a new Dagster home as `cockpit` writes it (SQLite storage, freshness enabled)."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    home = ensure_dagster_home()
    assert home == tmp_path / "dagster_home"
    with dg.DagsterInstance.get() as instance:
        yield instance


@pytest.fixture
def warehouse() -> Iterator[WarehouseResource]:
    yield from migrated_warehouse("postgres")


def _evaluate(workspace: WorkspaceProcessContext, keys: list[dg.AssetKey]) -> dict[str, FreshnessState]:
    """One iteration of Dagster's freshness daemon, then the states it recorded for `keys`."""
    list(FreshnessDaemon().run_iteration(workspace))
    records = workspace.instance.get_freshness_state_records(keys)
    return {key.to_user_string(): records[key].freshness_state for key in keys}


def test_the_freshness_daemon_evaluates_the_promises(instance: dg.DagsterInstance,
                                                     warehouse: WarehouseResource) -> None:
    """The daemon of `dagster-daemon run -m cockpit_pipelines.definitions` (a code server of the real definitions,
    its freshness daemon's iteration) on the local instance: an asset with a promise and no materialization is
    UNKNOWN, and PASS once materialized: `health/warehouse` by a real run on a migrated PostgreSQL warehouse,
    `usage_daily` by a reported materialization (its run needs raw data). An asset without a promise is
    NOT_APPLICABLE; `usage_hourly`, never materialized, stays UNKNOWN (Dagster judges FAIL only from a
    materialization older than the window, which a test cannot date back)."""
    assert instance.freshness_enabled and "FRESHNESS_DAEMON" in instance.get_required_daemon_types()
    usage_daily, usage_hourly, raw = dg.AssetKey("usage_daily"), dg.AssetKey("usage_hourly"), dg.AssetKey(
        ["raw", "usage_events"])
    keys = [HEALTH_KEY, usage_daily, usage_hourly, raw]
    target = ModuleTarget("cockpit_pipelines.definitions", None, str(REPO_ROOT), "cockpit_pipelines")
    with (create_daemon_grpc_server_registry(instance) as registry,
          WorkspaceProcessContext(instance, target, grpc_server_registry=registry) as workspace):
        assert _evaluate(workspace, keys) == {
            "health/warehouse": FreshnessState.UNKNOWN, "usage_daily": FreshnessState.UNKNOWN,
            "usage_hourly": FreshnessState.UNKNOWN, "raw/usage_events": FreshnessState.NOT_APPLICABLE,
        }
        yesterday = (today_utc() - timedelta(days=1)).isoformat()
        result = dg.materialize([health_warehouse], instance=instance, resources={"warehouse": warehouse},
                                partition_key=yesterday)
        assert result.success
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=usage_daily, partition=yesterday))
        assert _evaluate(workspace, keys) == {
            "health/warehouse": FreshnessState.PASS, "usage_daily": FreshnessState.PASS,
            "usage_hourly": FreshnessState.UNKNOWN, "raw/usage_events": FreshnessState.NOT_APPLICABLE,
        }

