"""Run-failure alerts: a `pipeline_alerts` row per failed run, and an optional webhook POST.

The webhook URL (`COCKPIT_ALERT_WEBHOOK_URL`) usually carries a token: it is only ever shown as
scheme://host/…, and a delivery failure is recorded in the row's webhook_status, never raised.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import polars as pl
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from cockpit_pipelines.resources import WarehouseResource
from cockpit_pipelines.utc import naive_utc, now_utc

WEBHOOK_ENV = "COCKPIT_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_S = 5.0
ALERTS = "pipeline_alerts"
RUN_FAILURE = "run_failure"
MESSAGE_CHARS = 2000
_STATUS_CHARS = 32  # pipeline_alerts.webhook_status is varchar(32)
_TAGS_SHOWN = ("cockpit/kind", "cockpit/trigger", "dagster/sensor_name", "dagster/schedule_name", "dagster/backfill")


@dataclass(frozen=True)
class Alert:
    run_id: str
    job_name: str
    kind: str
    message: str
    details: Mapping[str, Any]
    created_at: datetime  # naive UTC

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body."""
        return {"source": "cockpit_pipelines", "kind": self.kind, "run_id": self.run_id, "job_name": self.job_name,
                "message": self.message, "created_at": self.created_at.isoformat() + "Z", **self.details}


def first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0][:MESSAGE_CHARS] if lines else ""


def run_failure_alert(run: dg.DagsterRun, failure: dg.DagsterEvent, step_failures: Sequence[dg.DagsterEvent],
                      now: datetime | None = None) -> Alert:
    """The alert of a failed run: failing steps and their errors, the partition or range, selected tags."""
    steps = []
    for event in step_failures:
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:  # the user's exception, not Dagster's wrapper
            error = error.cause
        steps.append({"step": event.step_key, "error_class": error.cls_name if error else None,
                      "error": first_line(error.message if error else event.message)})
    tags = run.tags
    start, end = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    details = {
        "failed_steps": steps,
        "run_error": first_line(failure.message),
        "partition": tags.get("dagster/partition"),
        "partition_range": {"start": start, "end": end} if start and end else None,
        "tags": {k: tags[k] for k in _TAGS_SHOWN if k in tags},
    }
    cause = f"{steps[0]['step']}: {steps[0]['error']}" if steps else details["run_error"]
    where = f" for {start}..{end}" if start and end else f" for {details['partition']}" if details["partition"] else ""
    message = f"{run.job_name} run {run.run_id[:8]}{where} failed"
    if cause:
        message += f": {cause}"
    if len(steps) > 1:
        message += f" (+{len(steps) - 1} more failed step(s))"
    return Alert(run.run_id, run.job_name, RUN_FAILURE, message[:MESSAGE_CHARS], details,
                 naive_utc(now) if now else now_utc())


def record_alert(warehouse: WarehouseResource, alert: Alert) -> bool:
    """Insert the alert row; False when this run's alert of this kind is already there (a repeated tick)."""
    seen = warehouse.query(f"SELECT COUNT(*) FROM {ALERTS} WHERE run_id = :run_id AND kind = :kind",
                           {"run_id": alert.run_id, "kind": alert.kind})[0][0]
    if seen:
        return False
    row = pl.DataFrame(
        {"run_id": [alert.run_id], "job_name": [alert.job_name], "kind": [alert.kind], "message": [alert.message],
         "details": [json.dumps(alert.details, sort_keys=True, default=str)], "created_at": [alert.created_at],
         "webhook_status": [None]},
        schema={"run_id": pl.String, "job_name": pl.String, "kind": pl.String, "message": pl.String,
                "details": pl.String, "created_at": pl.Datetime("us"), "webhook_status": pl.String},
    )
    engine = warehouse.engine
    with engine.transaction() as conn:
        engine.insert_frame(conn, ALERTS, row)
    return True


def set_webhook_status(warehouse: WarehouseResource, alert: Alert, status: str) -> None:
    warehouse.execute(f"UPDATE {ALERTS} SET webhook_status = :status WHERE run_id = :run_id AND kind = :kind",
                      {"status": status[:_STATUS_CHARS], "run_id": alert.run_id, "kind": alert.kind})


def redacted(url: str) -> str:
    """scheme://host[:port]/… — the URL without its path, query or credentials (where tokens live)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


def post_webhook(url: str, payload: Mapping[str, Any], timeout_s: float = WEBHOOK_TIMEOUT_S) -> str:
    """POST the JSON payload; returns "delivered (HTTP n)" or "failed (…)" — never raises."""
    if urlsplit(url).scheme not in ("http", "https"):
        return "failed (not an http(s) URL)"
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "cockpit-pipelines-alerts"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return f"delivered (HTTP {response.status})"
    except urllib.error.HTTPError as exc:
        return f"failed (HTTP {exc.code})"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"failed ({'timeout' if isinstance(reason, TimeoutError) else type(reason).__name__})"


def webhook_url() -> str | None:
    return os.environ.get(WEBHOOK_ENV) or None
