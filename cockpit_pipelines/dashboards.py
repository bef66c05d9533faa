"""The dashboards' queries: `sql/dashboards/<engine family>/<name>.sql`, the one place they live.

Each file is one query with `:name` parameters and a header of `-- key: value` lines:
`dashboard` (what it shows), `seed` (the seed query it serves), `class` (`recent` or `aggregate`),
`targets` (latency targets such as `p95 < 50 ms (seed 004, aggregate queries)`) and `params`
(`name = what to pass; …`). Both engine families hold the same names, parameters and targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cockpit_pipelines.engines.sqltext import parameter_names, split_header
from cockpit_pipelines.settings import SQL_DIR, package_files

DASHBOARDS_DIR = SQL_DIR / "dashboards"
FAMILIES = ("postgresql", "mysql")
CLASSES = ("recent", "aggregate")
HEADER_KEYS = ("dashboard", "seed", "class", "targets", "params")
_TARGET = re.compile(r"^p(\d{1,2}) < (\d+(?:\.\d+)?) ms \((.+)\)$")


class DashboardError(ValueError):
    """A dashboard query file is malformed; the message names the file."""


@dataclass(frozen=True)
class Target:
    """A latency target: the `percentile`th percentile below `ms` milliseconds, and where it comes from."""

    percentile: int
    ms: float
    source: str

    def __str__(self) -> str:
        return f"p{self.percentile} < {self.ms:g} ms ({self.source})"

    def met_by(self, figures_ms: dict[int, float]) -> bool | None:
        """Whether a measured p<percentile> (ms) meets it; None when not measured."""
        value = figures_ms.get(self.percentile)
        return None if value is None else value < self.ms


@dataclass(frozen=True)
class DashboardQuery:
    """One dashboard query of one engine family."""

    name: str
    family: str
    title: str
    seed: str
    kind: str  # recent | aggregate
    targets: tuple[Target, ...]
    params: dict[str, str]  # name -> what to pass
    sql: str
    path: Path


def dashboard_names(family: str = "postgresql") -> list[str]:
    """The dashboard queries of an engine family, by name."""
    return [path.stem for path in package_files(DASHBOARDS_DIR / family, "*.sql", f"{family} dashboard queries")]


def dashboards(family: str) -> list[DashboardQuery]:
    """Every dashboard query of an engine family (`postgresql` or `mysql`)."""
    return [load_dashboard(name, family) for name in dashboard_names(family)]


@cache
def load_dashboard(name: str, family: str) -> DashboardQuery:
    """The query `name` of the family, its header checked against its body."""
    if family not in FAMILIES:
        raise DashboardError(f"engine family must be one of {FAMILIES}, not {family!r}")
    path = DASHBOARDS_DIR / family / f"{name}.sql"
    if not path.is_file():
        raise DashboardError(f"no dashboard query {name!r} for {family}: {path} does not exist")
    header, sql = split_header(path.read_text())
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        raise DashboardError(f"{path}: header lacks {missing} (lines `-- key: value` before the query)")
    if header["class"] not in CLASSES:
        raise DashboardError(f"{path}: class must be one of {CLASSES}, not {header['class']!r}")
    targets = []
    for text in header["targets"].split(";"):
        found = _TARGET.match(text.strip())
        if not found:
            raise DashboardError(f"{path}: target {text.strip()!r} is not `pNN < X ms (where it comes from)`")
        targets.append(Target(int(found.group(1)), float(found.group(2)), found.group(3)))
    params = dict(_param_doc(path, item) for item in header["params"].split(";") if item.strip())
    used = parameter_names(sql)
    if used != set(params):
        raise DashboardError(f"{path}: the query uses parameters {sorted(used)}, the header names {sorted(params)}")
    return DashboardQuery(name=name, family=family, title=header["dashboard"], seed=header["seed"],
                          kind=header["class"], targets=tuple(targets), params=params, sql=sql, path=path)


def _param_doc(path: Path, item: str) -> tuple[str, str]:
    name, sep, doc = item.partition("=")
    if not sep or not name.strip().isidentifier():
        raise DashboardError(f"{path}: params entry {item.strip()!r} is not `name = what to pass`")
    return name.strip(), doc.strip()
