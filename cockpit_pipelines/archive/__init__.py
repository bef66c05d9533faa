"""Retention and archival: the policies (policies/retention.yaml), the archiver and restore.

`run_retention` archives what the policies make due (or plans it, with `dry_run`); `restore` brings
archived batches back. See archiver.py for the steps and why a crash at any of them loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from cockpit_pipelines.archive.archiver import FAULT_POINTS, Archiver, Fault, Plan, PolicyResult
from cockpit_pipelines.archive.policies import Duration, Policy, PolicyError, RetentionSettings, load_settings
from cockpit_pipelines.archive.restore import RestoreResult, restore
from cockpit_pipelines.archive.store import ArchiveError, ArchiveStore
from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.progress import Log

__all__ = [
    "FAULT_POINTS", "ArchiveError", "ArchiveStore", "Archiver", "Duration", "Plan", "Policy", "PolicyError",
    "PolicyResult", "RestoreResult", "RetentionSettings", "load_settings", "plan_retention", "restore",
    "run_retention",
]


def _policies(tables: Iterable[str] | None, keep: Mapping[str, str] | None,
              retention: RetentionSettings | None) -> list[Policy]:
    chosen = retention or load_settings()
    if keep:
        chosen = chosen.with_keep(keep)
    return chosen.select(list(tables) if tables else None)


def plan_retention(engine: Engine, *, tables: Iterable[str] | None = None, keep: Mapping[str, str] | None = None,
                   now: datetime | None = None, retention: RetentionSettings | None = None,
                   store: ArchiveStore | None = None) -> list[Plan]:
    """What `run_retention` would archive now, per policy (nothing is changed)."""
    with Archiver(engine, now=now, store=store, progress=False) as archiver:
        return [archiver.plan(p) for p in _policies(tables, keep, retention)]


def run_retention(engine: Engine, *, tables: Iterable[str] | None = None, keep: Mapping[str, str] | None = None,
                  now: datetime | None = None, retention: RetentionSettings | None = None,
                  store: ArchiveStore | None = None, run_id: str | None = None, fault: Fault | None = None,
                  log: Log | None = None, progress: bool = True) -> list[PolicyResult]:
    """Run the policies (children before the tables they reference) with one cutoff instant `now`."""
    results = []
    with Archiver(engine, now=now, store=store, run_id=run_id, fault=fault, log=log, progress=progress) as archiver:
        for policy in _policies(tables, keep, retention):
            results.append(archiver.run(policy))
    return results
