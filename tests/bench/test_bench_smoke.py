"""`cockpit bench` at a small scale: every scenario runs on the real engines and every figure is reported.

No timing is asserted (the figures themselves are the benchmark's output, see bench/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.scratch import ServerUnavailable, mariadb_server, postgres_server
from cockpit_pipelines.cli import main
from cockpit_pipelines.dashboards import dashboard_names

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_bench_reports_every_figure_at_a_small_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        postgres_server(None).check()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    try:
        mariadb_server(None).check()
        mariadb = True
    except ServerUnavailable:
        mariadb = False
    out = tmp_path / "bench.json"
    argv = ["bench", "--scale", "0.001", "--window-days", "2", "--backfill-days", "2", "--repeat", "1",
            "--backfill-assets", "usage_hourly", "usage_daily", "--no-workers", "--json", str(out)]
    assert main(argv) == 0

    figures = json.loads(out.read_text())
    engines = ["postgresql", "mariadb"] if mariadb else ["postgresql"]
    assert sorted(figures["rollup"]) == sorted(engines)
    for engine in engines:
        rollup = figures["rollup"][engine]
        assert rollup["usage_events_load"]["rows"] == 2 * 500
        for label, days in (("day", 1), ("window", 2)):
            figure = rollup[label]
            assert figure["days"] == days and figure["source_rows"] == 500 * days
            assert figure["identical_to_database"]["identical"], figure["identical_to_database"]
            assert figure["identical_to_pandas"]["asset_rows"] == figure["identical_to_pandas"]["other_rows"]
            assert all(figure[k] > 0 for k in ("asset_s", "database_s", "pandas_s"))
    postgres = figures["rollup"]["postgresql"]
    assert postgres["window"]["peak_rss"]["peak_rss_bytes"] > 0
    for label in ("day", "window"):
        assert len(postgres[label]["cli_runs"]) == 1 and postgres[label]["cli_s"] > 0
        assert len(postgres[label]["cli_kept_runs"]) == 1 and postgres[label]["cli_kept_s"] > 0
        assert len(postgres[label]["cli_derived_runs"]) == 1 and postgres[label]["cli_derived_s"] > 0
        # Each command's usage_hourly step, read from its summary.
        for way in ("cli", "cli_kept", "cli_derived"):
            assert len(postgres[label][f"{way}_step_runs"]) == 1
            assert 0 < postgres[label][f"{way}_step_s"] < postgres[label][f"{way}_s"]
        assert postgres[label]["cli_fixed"]["startup_s"] > 0 and postgres[label]["cli_fixed"]["gx_import_s"] > 0
    assert postgres["landing"]["rows"] > 0 and postgres["landing"]["quarantined"] == 0

    year = figures["year"]
    assert year["loads"]["rows"] > 0 and year["loads"]["load_s"] > 0
    backfill = year["backfill"]
    assert backfill["success"] and backfill["failed_blocking"] == 0
    assert set(backfill["materialized"]) == {"usage_hourly", "usage_daily"}
    assert backfill["checks_total"] >= 3  # raw/usage_events, usage_hourly, usage_daily
    assert year["archival"]["rows"] > 0 and year["archival"]["blocked_days"] == 0
    # --no-workers: the run workers' figures (bench/fanout.py) are checked by tests/deploy, on its deployment
    assert "workers" not in year

    targets = {t["target"] for t in figures["targets"]}
    assert any(t.startswith("rollup day") for t in targets) and "archival of usage_events" in targets
    table = capsys.readouterr().out
    assert "asset / database" in table and "GX import" in table and "--no-raw-checks" in table
    assert "targets:" in table


def test_bench_serving_reports_every_dashboard_query_at_a_small_scale(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    try:
        postgres_server(None).check()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    out = tmp_path / "serving.json"
    argv = ["bench", "--serving", "--scale", "0.005", "--backfill-days", "8", "--executions", "5", "--no-mariadb",
            "--json", str(out)]
    assert main(argv) == 0

    figures = json.loads(out.read_text())["serving"]["postgresql"]
    names = set(dashboard_names("postgresql"))
    assert set(figures["idle"]) == names and set(figures["plans"]) == names
    assert all(Path(path).read_text() for path in figures["plans"].values())
    for state in ("idle", "busy"):
        for figure in figures[state].values():
            assert 0 < figure["p50"] <= figure["p95"] <= figure["p99"] and figure["load_average"] >= 0
    assert figures["insert_idle"]["n"] == 5 and figures["insert_idle"]["p99"] > 0
    table = capsys.readouterr().out
    assert "token_usage insert" in table and "p99 < 100 ms" in table
