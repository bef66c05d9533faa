"""Freshness promises: `policies/freshness.yaml` as Dagster freshness policies, per asset group or per asset.

The asset modules attach `freshness_policy(key, group)` where they build their specs; the code location
checks with `check_targets` that every group and asset the file names exists. Dagster's freshness daemon
evaluates the policies (instance setting `freshness: enabled`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from cockpit_pipelines.settings import POLICIES_DIR, read_yaml

FRESHNESS_FILE = POLICIES_DIR / "freshness.yaml"
SECTIONS = ("groups", "assets")
CRON_KEYS = frozenset({"deadline_cron", "lower_bound_hours"})
WINDOW_KEYS = frozenset({"max_age_hours", "warn_age_hours"})


class FreshnessPolicyError(ValueError):
    """freshness.yaml is invalid; the message names the file, the key and the rule."""


@dataclass(frozen=True)
class FreshnessPromises:
    """The policies of the file, by group name and by asset key (as the UI writes it)."""

    path: Path
    groups: Mapping[str, dg.FreshnessPolicy]
    assets: Mapping[str, dg.FreshnessPolicy]

    def policy(self, key: dg.AssetKey, group: str) -> dg.FreshnessPolicy | None:
        """The asset's own policy, else its group's, else None."""
        return self.assets.get(key.to_user_string(), self.groups.get(group))

    def check_targets(self, specs: Iterable[dg.AssetSpec]) -> None:
        """Raise when the file names a group or an asset that the code location does not have."""
        specs = list(specs)
        known = {"groups": {s.group_name for s in specs}, "assets": {s.key.to_user_string() for s in specs}}
        for section, named in (("groups", self.groups), ("assets", self.assets)):
            unknown = sorted(set(named) - known[section])
            if unknown:
                hint = (f"its groups: {', '.join(sorted(known['groups']))}" if section == "groups"
                        else "an asset is named by its key as the UI writes it, e.g. backup/warehouse")
                raise FreshnessPolicyError(f"{self.path.name}: {section}.{unknown[0]}: the code location has no "
                                           f"{section[:-1]} of that name; a promise is for an existing one ({hint})")


def _hours(entry: Mapping[str, Any], key: str, where: str) -> timedelta:
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise FreshnessPolicyError(f"{where}.{key} must be a positive number of hours, not {value!r}")
    return timedelta(hours=value)


def _policy(entry: Any, where: str) -> dg.FreshnessPolicy:
    """One promise: a deadline cron with its lower bound, or a maximum age."""
    keys = set(entry) if isinstance(entry, Mapping) else set()
    if keys == CRON_KEYS:
        cron, lower_bound = entry["deadline_cron"], _hours(entry, "lower_bound_hours", where)
        rule = ("a five-field cron string of minute resolution, and a lower bound from 1 minute up to the "
                "interval between two ticks")
        build = functools.partial(dg.FreshnessPolicy.cron, deadline_cron=cron, lower_bound_delta=lower_bound,
                                  timezone="UTC")
    elif "max_age_hours" in keys and keys <= WINDOW_KEYS:
        fail = _hours(entry, "max_age_hours", where)
        warn = _hours(entry, "warn_age_hours", where) if "warn_age_hours" in keys else None
        rule = "ages of at least 1 minute, warn_age_hours less than max_age_hours"
        build = functools.partial(dg.FreshnessPolicy.time_window, fail_window=fail, warn_window=warn)
    else:
        raise FreshnessPolicyError(f"{where} must be a mapping of deadline_cron and lower_bound_hours, or of "
                                   f"max_age_hours (and optionally warn_age_hours); not {entry!r}")
    try:
        return build()
    except Exception as error:  # Dagster checks its rules itself (its CheckError is not public API)
        raise FreshnessPolicyError(f"{where}: {dict(entry)} breaks a rule of Dagster's freshness policies "
                                   f"({rule}): {error}") from error


@functools.cache
def load_promises(path: Path = FRESHNESS_FILE) -> FreshnessPromises:
    """The file's promises; an error names the file, the key and the rule."""
    data = read_yaml(path) or {}
    if not isinstance(data, Mapping) or set(data) - set(SECTIONS):
        extra = sorted(set(data) - set(SECTIONS)) if isinstance(data, Mapping) else data
        raise FreshnessPolicyError(f"{path.name}: only the sections {', '.join(SECTIONS)} are allowed, not {extra!r}")
    sections: dict[str, dict[str, dg.FreshnessPolicy]] = {}
    for section in SECTIONS:
        entries = data.get(section) or {}
        if not isinstance(entries, Mapping):
            raise FreshnessPolicyError(f"{path.name}: {section} must map names to promises, not {entries!r}")
        sections[section] = {str(name): _policy(entry, f"{path.name}: {section}.{name}")
                             for name, entry in entries.items()}
    return FreshnessPromises(path=path, groups=sections["groups"], assets=sections["assets"])


def freshness_policy(key: dg.AssetKey, group: str) -> dg.FreshnessPolicy | None:
    """The freshness policy freshness.yaml promises for the asset of this key and group, or None."""
    return load_promises().policy(key, group)
