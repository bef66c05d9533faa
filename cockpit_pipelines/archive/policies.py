"""Retention policies as data: `cockpit_pipelines/policies/retention.yaml`, overridable per run and by environment."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit_pipelines.contracts import Table, contracts
from cockpit_pipelines.settings import POLICIES_DIR, read_yaml

RETENTION_FILE = POLICIES_DIR / "retention.yaml"
KEEP_ENV_PREFIX = "COCKPIT_RETENTION_"
BACKUPS_ENV = f"{KEEP_ENV_PREFIX}BACKUPS"
SPANS = ("day", "month", "year")
_DURATION = re.compile(r"^\s*(\d+)\s*(h|hours?|d|days?|w|weeks?|y|years?)\s*$", re.IGNORECASE)
_POLICY_KEYS = {"column", "keep", "expiry", "span", "max_rows", "requires_built", "notify", "pressure"}


class PolicyError(ValueError):
    """A retention policy (file, override or run configuration) is invalid; the message names it."""


@dataclass(frozen=True)
class Duration:
    """A retention period: hours, days and weeks are exact; years are calendar years (29 Feb → 28 Feb)."""

    amount: int
    unit: str  # "h" | "d" | "w" | "y"

    @classmethod
    def parse(cls, text: Any, where: str) -> Duration:
        match = _DURATION.match(str(text))
        if not match:
            raise PolicyError(f"{where}: {text!r} is not a duration like 30d, 12w or 2y")
        return cls(int(match.group(1)), match.group(2)[0].lower())

    def before(self, moment: datetime) -> datetime:
        """`moment` minus this duration."""
        if self.unit == "y":
            try:
                return moment.replace(year=moment.year - self.amount)
            except ValueError:  # 29 February of a leap year
                return moment.replace(year=moment.year - self.amount, day=28)
        hours = {"h": 1, "d": 24, "w": 24 * 7}[self.unit] * self.amount
        return moment - timedelta(hours=hours)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class Expiry:
    """A per-row expiry: `column + years years` (rows with NULL years never expire)."""

    column: str
    years: str


@dataclass(frozen=True)
class Pressure:
    max_rows: int | None = None
    max_age: Duration | None = None


@dataclass(frozen=True)
class Policy:
    """How long one table keeps its rows, and how the retention job archives them."""

    table: str
    column: str | None
    keep: Duration | None
    expiry: Expiry | None
    span: str
    max_rows: int
    requires_built: tuple[str, ...] = ()
    notify: bool = False
    pressure: Pressure = field(default_factory=Pressure)
    enabled: bool = True
    source: str = "retention.yaml"  # where `keep` came from: retention.yaml, an environment variable, the run

    @property
    def name(self) -> str:
        return self.table

    def cutoff(self, now: datetime) -> datetime:
        """Rows whose batch key lies before this instant are due (naive UTC)."""
        return now if self.expiry else self.keep.before(now)

    def describe(self) -> str:
        if self.expiry:
            return f"{self.expiry.column} + {self.expiry.years} years"
        return f"{self.column} older than {self.keep}"


@dataclass(frozen=True)
class RetentionSettings:
    policies: tuple[Policy, ...]
    premake_months: int
    pressure_cooldown: Duration
    backup_keep: Duration = Duration(30, "d")  # warehouse backups (cockpit_pipelines/backup.py)

    def policy(self, table: str) -> Policy:
        for policy in self.policies:
            if policy.table == table:
                return policy
        names = ", ".join(p.table for p in self.policies)
        raise PolicyError(f"no retention policy for table {table!r} (policies: {names})")

    def select(self, tables: Iterable[str] | None) -> list[Policy]:
        """The enabled policies of `tables` (all when None), children before the tables they reference."""
        chosen = [self.policy(t) for t in tables] if tables else list(self.policies)
        return [p for p in self.policies if p in chosen and p.enabled]

    def with_keep(self, overrides: Mapping[str, str], source: str = "the run") -> RetentionSettings:
        """Per-table `keep` overrides (`off` disables the policy)."""
        policies = {p.table: p for p in self.policies}
        for table, value in overrides.items():
            policy = self.policy(table)
            policies[table] = _with_keep(policy, value, f"{source}: keep for {table}", source)
        return replace(self, policies=tuple(policies[p.table] for p in self.policies))


def _with_keep(policy: Policy, value: str, where: str, source: str) -> Policy:
    if str(value).strip().lower() == "off":
        return replace(policy, enabled=False, source=source)
    if policy.expiry:
        raise PolicyError(f"{where}: {policy.table} expires per row ({policy.describe()}); only `off` applies")
    return replace(policy, keep=Duration.parse(value, where), enabled=True, source=source)


def load_settings(path: Path = RETENTION_FILE, environ: Mapping[str, str] | None = None) -> RetentionSettings:
    """The policies of `path`, with the COCKPIT_RETENTION_<TABLE> environment overrides applied."""
    environ = os.environ if environ is None else environ
    settings = _parse(path)
    env = {p.table: environ[_env_name(p.table)] for p in settings.policies if _env_name(p.table) in environ}
    policies = tuple(
        _with_keep(p, env[p.table], f"{_env_name(p.table)}", "environment") if p.table in env else p
        for p in settings.policies
    )
    backup_keep = settings.backup_keep
    if BACKUPS_ENV in environ:
        backup_keep = Duration.parse(environ[BACKUPS_ENV], BACKUPS_ENV)
    return replace(settings, policies=policies, backup_keep=backup_keep)


def _env_name(table: str) -> str:
    return f"{KEEP_ENV_PREFIX}{table.upper()}"


@functools.cache
def _parse(path: Path) -> RetentionSettings:
    data = read_yaml(path) or {}
    where = path.name
    defaults = data.get("defaults") or {}
    catalog = contracts()
    policies: list[Policy] = []
    for table, spec in (data.get("policies") or {}).items():
        if table not in catalog.tables:
            raise PolicyError(f"{where}: policy {table!r} names no table of sql/contracts")
        policies.append(_policy(catalog.table(table), spec or {}, defaults, f"{where}: {table}"))
    by_table = {p.table: p for p in policies}
    return RetentionSettings(  # children (references hard or soft) before the tables they reference
        policies=tuple(by_table[t.name] for t in catalog.fk_order(
            [catalog.table(p.table) for p in policies], soft=True, children_first=True)),
        premake_months=int((data.get("partitions") or {}).get("premake_months", 3)),
        pressure_cooldown=Duration.parse(data.get("pressure_cooldown", "6h"), f"{where}: pressure_cooldown"),
        backup_keep=Duration.parse((data.get("backups") or {}).get("keep", "30d"), f"{where}: backups.keep"),
    )


def _policy(table: Table, spec: Mapping[str, Any], defaults: Mapping[str, Any], where: str) -> Policy:
    unknown = set(spec) - _POLICY_KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(_POLICY_KEYS)})")
    expiry = None
    if "expiry" in spec:
        if "column" in spec or "keep" in spec:
            raise PolicyError(f"{where}: give either column + keep or expiry, not both")
        raw = spec["expiry"] or {}
        expiry = Expiry(column=_column(table, raw.get("column"), where), years=_column(table, raw.get("years"), where))
        column, keep = None, None
    else:
        column = _column(table, spec.get("column"), where)
        keep = Duration.parse(spec.get("keep"), f"{where}.keep")
    span = spec.get("span", defaults.get("span", "day"))
    if span not in SPANS:
        raise PolicyError(f"{where}.span: {span!r} is not one of {', '.join(SPANS)}")
    max_rows = int(spec.get("max_rows", defaults.get("max_rows", 250_000)))
    if max_rows < 1:
        raise PolicyError(f"{where}.max_rows: must be at least 1, got {max_rows}")
    requires = tuple(spec.get("requires_built") or ())
    if requires and (span != "day" or expiry):
        raise PolicyError(f"{where}.requires_built: needs a time column and span: day (builds are daily)")
    pressure = spec.get("pressure") or {}
    extra = set(pressure) - {"max_rows", "max_age"}
    if extra:
        raise PolicyError(f"{where}.pressure: unknown keys {sorted(extra)} (known: max_rows, max_age)")
    return Policy(
        table=table.name,
        column=column,
        keep=keep,
        expiry=expiry,
        span=span,
        max_rows=max_rows,
        requires_built=requires,
        notify=bool(spec.get("notify", False)),
        pressure=Pressure(
            max_rows=int(pressure["max_rows"]) if pressure.get("max_rows") is not None else None,
            max_age=Duration.parse(pressure["max_age"], f"{where}.pressure.max_age") if "max_age" in pressure else None,
        ),
    )


def _column(table: Table, name: Any, where: str) -> str:
    if not name:
        raise PolicyError(f"{where}: a column is required")
    try:
        column = table.column(str(name))
    except KeyError:
        raise PolicyError(f"{where}: {table.name} has no column {name!r}") from None
    if column.generated:
        raise PolicyError(f"{where}: {table.name}.{name} is a generated column; use the column it is computed from")
    return column.name


def settings() -> RetentionSettings:
    """The policies this process runs with (file + environment)."""
    return load_settings()
