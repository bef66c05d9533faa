"""RAG service-level objectives: loaded from `policies/slo_targets.yaml`, optionally overridden per run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cockpit_pipelines.settings import POLICIES_DIR, read_yaml

SLO_TARGETS_FILE = POLICIES_DIR / "slo_targets.yaml"
OPERATORS = (">=", ">", "<=", "<")


@dataclass(frozen=True)
class SloTarget:
    """One objective: `metric op target`, e.g. citation_rate >= 70."""

    metric: str
    op: str
    target: Decimal

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"SLO {self.metric}: op must be one of {', '.join(OPERATORS)}, not {self.op!r}")


def _decimal(value: object, metric: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"SLO {metric}: target {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"SLO {metric}: target {value!r} is not a finite number")
    return number


def load_slo_targets(
    path: Path = SLO_TARGETS_FILE, overrides: Mapping[str, float | int | str] | None = None
) -> list[SloTarget]:
    """The objectives in file order; `overrides` replaces the target of named metrics."""
    data = read_yaml(path) or {}
    slos = [
        SloTarget(metric=str(item["metric"]), op=str(item["op"]), target=_decimal(item["target"], item["metric"]))
        for item in data.get("slos") or []
    ]
    names = [s.metric for s in slos]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: an SLO metric is listed twice: {names}")
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(names)
    if unknown:
        raise ValueError(f"SLO override for unknown metric(s) {sorted(unknown)}; known: {names}")
    return [
        SloTarget(s.metric, s.op, _decimal(overrides[s.metric], s.metric)) if s.metric in overrides else s
        for s in slos
    ]
