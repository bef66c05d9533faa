"""Table contracts: the desired state of every table, read from `sql/contracts/<domain>.yaml`.

The migrations are the path to this state; the drift check compares the live catalog with it; the
landing-zone loader and the expectations read its rules. Nothing else lists tables or columns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from cockpit_pipelines.engines.base import CatalogColumn
from cockpit_pipelines.settings import SQL_DIR, package_files, read_yaml

CONTRACTS_DIR = SQL_DIR / "contracts"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    values: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    default: Any = None
    references: str | None = None
    soft: bool = False
    on_delete: str | None = None
    pg_type: str | None = None
    mysql_type: str | None = None
    generated: bool = False

    def physical(self, family: str) -> str:
        """The column's type as the engine's catalog spells it (see sql/README.md)."""
        if family == "postgresql":
            return _postgres_type(self)
        return _mysql_type(self)


@dataclass(frozen=True)
class Table:
    name: str
    domain: str
    kind: str
    seed: str
    description: str
    columns: tuple[Column, ...]
    time_column: str | None = None
    partitioned: str | None = None
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def parents(self, *, soft: bool = False) -> set[str]:
        """The other tables this table's hard foreign keys point at (and its soft ones, with `soft`)."""
        return {c.references.split(".")[0] for c in self.columns
                if c.references and (soft or not c.soft)} - {self.name}


@dataclass(frozen=True)
class Domain:
    name: str
    description: str
    depends_on: tuple[str, ...]
    tables: tuple[Table, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Contracts:
    domains: Mapping[str, Domain]

    @functools.cached_property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for d in self.domains.values() for t in d.tables}

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table contract named {name!r}") from None

    def domain_order(self) -> list[str]:
        """Domains in foreign-key order (dependencies first)."""
        graph = {name: set(d.depends_on) for name, d in self.domains.items()}
        return list(TopologicalSorter(graph).static_order())

    def ancestors(self) -> dict[str, set[str]]:
        """Every domain's transitive foreign-key dependencies."""
        result: dict[str, set[str]] = {}
        for name in self.domain_order():
            deps = set(self.domains[name].depends_on)
            for dep in self.domains[name].depends_on:
                deps |= result[dep]
            result[name] = deps
        return result

    def fk_order(self, tables: Sequence[Table], *, soft: bool = False, children_first: bool = False) -> list[Table]:
        """`tables` with every table after the tables of `tables` its hard foreign keys (and soft ones, with
        `soft`) point at; reversed with `children_first` (a table before the tables it references)."""
        names = {t.name: t for t in tables}
        if children_first:
            graph: dict[str, set[str]] = {name: set() for name in names}
            for table in tables:
                for parent in table.parents(soft=soft) & names.keys():
                    graph[parent].add(table.name)
        else:
            graph = {t.name: t.parents(soft=soft) & names.keys() for t in tables}
        return [names[n] for n in TopologicalSorter(graph).static_order()]

    def tables_of_kind(self, *kinds: str) -> list[Table]:
        return [t for t in self.tables.values() if t.kind in kinds]


def load_contracts(directory: Path = CONTRACTS_DIR) -> Contracts:
    domains: dict[str, Domain] = {}
    for path in package_files(directory, "*.yaml", "table contracts"):
        data = read_yaml(path)
        name = data["domain"]
        try:
            tables = tuple(_table(name, t_name, t) for t_name, t in (data.get("tables") or {}).items())
        except ContractError as exc:
            raise ContractError(f"sql/contracts/{path.name}: {exc}") from None
        domains[name] = Domain(name, data.get("description", ""), tuple(data.get("depends_on") or ()), tables)
    for domain in domains.values():
        unknown = set(domain.depends_on) - domains.keys()
        if unknown:
            raise ValueError(f"sql/contracts/{domain.name}.yaml depends on unknown domains {sorted(unknown)}")
    return Contracts(domains)


@functools.cache
def contracts() -> Contracts:
    """The project's contracts, loaded once per process."""
    return load_contracts()


class ContractError(ValueError):
    """A contract file is malformed."""


_COLUMN_KEYS = set(Column.__dataclass_fields__) - {"name"}


def _table(domain: str, name: str, data: Mapping[str, Any]) -> Table:
    columns = []
    for col_name, spec in data["columns"].items():
        spec = dict(spec)
        unknown = set(spec) - _COLUMN_KEYS
        if unknown:
            raise ContractError(
                f"{name}.{col_name}: unknown keys {sorted(map(str, unknown))} (quote types that contain a comma: "
                'type: "numeric(8,2)")'
            )
        values = spec.pop("values", None)
        columns.append(
            Column(name=col_name, values=tuple(values) if values is not None else None, **spec)
        )
    return Table(
        name=name,
        domain=domain,
        kind=data.get("kind", "reference"),
        seed=str(data.get("seed", "")),
        description=data.get("description", ""),
        columns=tuple(columns),
        time_column=data.get("time_column"),
        partitioned=data.get("partitioned"),
        primary_key=tuple(data.get("primary_key") or ()),
        unique=tuple(tuple(u) for u in data.get("unique") or ()),
    )


_SIZED = re.compile(r"^(varchar|char|numeric|bytes)\((\d+)(?:,\s*(\d+))?\)$")


def _postgres_type(col: Column) -> str:
    t = col.type
    if col.pg_type:
        return col.pg_type
    if t == "enum":
        return "character varying(32)"
    if m := _SIZED.match(t):
        kind, size, scale = m.groups()
        return {
            "varchar": f"character varying({size})",
            "char": f"character({size})",
            "numeric": f"numeric({size},{scale or 0})",
            "bytes": "bytea",
        }[kind]
    return {
        "uuid": "uuid",
        "text": "text",
        "smallint": "smallint",
        "integer": "integer",
        "bigint": "bigint",
        "double": "double precision",
        "boolean": "boolean",
        "timestamptz": "timestamp with time zone",
        "timestamp": "timestamp without time zone",
        "date": "date",
        "json": "jsonb",
        "inet": "inet",
        "text[]": "text[]",
        "inet[]": "inet[]",
        "interval": "interval",
    }[t]


def _mysql_type(col: Column) -> str:
    t = col.type
    if col.mysql_type:
        return col.mysql_type
    if t == "enum":
        return "enum(" + ",".join(f"'{v}'" for v in col.values or ()) + ")"
    if m := _SIZED.match(t):
        kind, size, scale = m.groups()
        return {
            "varchar": f"varchar({size})",
            "char": f"char({size})",
            "numeric": f"decimal({size},{scale or 0})",
            "bytes": f"varbinary({size})",
        }[kind]
    return {
        "uuid": "char(36)",
        "text": "text",
        "smallint": "smallint",
        "integer": "int",
        "bigint": "bigint",
        "double": "double",
        "boolean": "tinyint(1)",
        "timestamptz": "timestamp(6)",
        "timestamp": "timestamp(6)",
        "date": "date",
        "json": "json",
        "inet": "varchar(45)",
        "text[]": "json",
        "inet[]": "json",
        "interval": "time",
    }[t]


def _normalize_live(data_type: str, family: str) -> str:
    """Catalog spellings that differ only cosmetically between servers."""
    if family == "mysql":
        data_type = re.sub(r"^(tinyint|smallint|int|bigint)\(\d+\)", r"\1", data_type)
        data_type = data_type.replace(" unsigned", "")
        if data_type == "tinyint":
            return "tinyint(1)"
        if data_type == "longtext":  # MariaDB's JSON is LONGTEXT with a json_valid CHECK
            return "json"
    return data_type


def _normalize_expected(physical: str, family: str) -> str:
    if family == "mysql":
        return re.sub(r"^(smallint|int|bigint)\(\d+\)", r"\1", physical)
    return physical


@dataclass(frozen=True)
class Drift:
    table: str
    column: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.problem}"


def compare(
    tables: Sequence[Table], live: Mapping[str, list[CatalogColumn]], family: str
) -> list[Drift]:
    """Every difference between the contracts of `tables` and the live catalog."""
    drifts: list[Drift] = []
    for table in tables:
        live_cols = {c.name: c for c in live.get(table.name, [])}
        if not live_cols:
            drifts.append(Drift(table.name, None, "table is missing"))
            continue
        for col in table.columns:
            got = live_cols.pop(col.name, None)
            if got is None:
                drifts.append(Drift(table.name, col.name, "column is missing"))
                continue
            expected = _normalize_expected(col.physical(family), family)
            actual = _normalize_live(got.data_type, family)
            if expected != actual:
                drifts.append(Drift(table.name, col.name, f"type is {actual}, contract says {expected}"))
            if got.nullable != col.nullable and not col.generated:
                want = "NULL" if col.nullable else "NOT NULL"
                drifts.append(Drift(table.name, col.name, f"is {'NULL' if got.nullable else 'NOT NULL'}, "
                                                          f"contract says {want}"))
        for extra in live_cols:
            drifts.append(Drift(table.name, extra, "column is not in the contract"))
    return drifts
