"""Landing zone: files under `COCKPIT_LANDING_DIR/<table>/` checked against the table's contract and
loaded exactly once.

- A file is Parquet, delimited text (`.csv`/`.tsv`, header row) or JSONL; its folder names the table
  (raw or reference kind). The text dialect is read from the content (see `sniff`): RFC 4180 CSV
  (PostgreSQL `COPY … CSV`, pandas, Polars), MySQL's backslash-escaped CSV (`\\N` NULLs) and TSV
  (`mariadb --batch`, `INTO OUTFILE`); CSV is separated by `,`, `;` or `|`; a UTF-8 byte-order mark
  and CRLF line ends are accepted. A record whose field count is not the header's is a malformed row.
- Every row is checked with vectorized Polars rules from the contract (`cockpit_pipelines.contracts`):
  castable type, NOT NULL, length, `values`, `min`/`max`, valid JSON, no timestamp beyond the allowed
  clock skew (`COCKPIT_MAX_CLOCK_SKEW_S`, default 300) in the future, and, against the warehouse,
  hard foreign keys and primary keys already present.
- The good rows, the quarantined rows (`ingest_quarantine`, one per bad line with the first broken
  rule and every reason) and the ledger update commit in ONE transaction: good + quarantined = input.
- `ingest_ledger` is keyed by the SHA-256 of the file's bytes: a file that was loaded is a no-op when
  it comes again; a file whose attempt failed or crashed (`failed` / `in_progress`) is retried.
- Several files (`ingest_paths`): a table's files one after the other, up to `ingest_workers()` tables
  at once on their own connections, each table after the tables it has hard foreign keys to.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from cockpit_pipelines.contracts import Column, Table, contracts
from cockpit_pipelines.engines.base import Engine
from cockpit_pipelines.generator.conform import (
    default_value,
    for_engine,
    insertable,
    max_length,
    polars_type,
    sql_function,
)
from cockpit_pipelines.progress import Progress
from cockpit_pipelines.utc import naive_utc, naive_utc_column, now_utc

FORMATS = {".parquet": "parquet", ".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SKEW_ENV = "COCKPIT_MAX_CLOCK_SKEW_S"
DEFAULT_SKEW_S = 300
WORKERS_ENV = "COCKPIT_INGEST_WORKERS"
# Tables ingested at once: the server checks keys, stores and indexes each file's rows on one core.
DEFAULT_WORKERS = 2
LOADABLE_KINDS = ("raw", "reference")
# Timestamp columns whose values are meant to lie in the future (exempt from the clock-skew rule).
FORWARD_LOOKING = frozenset({"expires_at", "current_period_end", "trial_end"})
LEDGER, QUARANTINE = "ingest_ledger", "ingest_quarantine"
LINE = "__line"
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_INET = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(/[0-9]{1,3})?$"
_INTERVAL = r"^[0-9]{1,3}:[0-5][0-9]:[0-5][0-9]$"
_TRUE, _FALSE = ["true", "t", "1", "yes", "y"], ["false", "f", "0", "no", "n"]
# ISO-8601 instants once 'T' reads as a space: date, optional time, seconds and 0-9 fraction digits,
# optional Z / ±hh / ±hhmm / ±hh:mm (±hh:mm:ss, as PostgreSQL prints old local-mean-time offsets).
_INSTANT = r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2}(?:[.,]\d{0,9})?)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2}){0,2})?$"
_BOM = b"\xef\xbb\xbf"
# MySQL's ESCAPED BY '\\' (LOAD DATA's reading of them); in CSV a quote becomes a doubled quote and
# `\N` an empty unquoted field (NULL), in TSV `\N` is the NULL marker and stays.
_MYSQL_ESCAPES = {"\\\\": "\\", "\\0": "\x00", "\\b": "\b", "\\n": "\n", "\\r": "\r", "\\t": "\t",
                  "\\Z": "\x1a", "\\\n": "\n"}
_CSV_ESCAPES = {**_MYSQL_ESCAPES, '\\"': '""', "\\N": ""}
# Rust regexes, `{sep}` the separator: a `\\N` field, a doubled quote inside a field, an escaped quote.
_NULL_FIELD = r"(?m)(?:^|[{sep}])\\N(?:[{sep}]|\r|$)"
_DOUBLED_QUOTE = r'[^{sep}\r\n"\\]""'
_BACKSLASH_QUOTE = r'\\["\\]'
_PG_ELEMENT = r'(?s)"(?:[^"\\]|\\.)*"|[^,]+'
_TEXTUAL = re.compile(r"^(text|varchar\(\d+\)|char\(\d+\))$")  # an empty string is a value, not NULL


class LandingError(ValueError):
    """A file that cannot be checked at all (unknown table, unreadable bytes); nothing of it loads."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    table: str
    format: str
    checksum: str

    @classmethod
    def of(cls, path: Path, table: str | None = None) -> LandingFile:
        """The file at `path`; its table is its folder's name unless given."""
        path = Path(path).resolve()
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise LandingError(f"{path}: landing files are .parquet, .csv or .jsonl")
        return cls(path, table or path.parent.name, fmt, file_checksum(path))


@dataclass
class IngestResult:
    """What one file did: `loaded`, `duplicate` (the same bytes were loaded before) or `failed`."""

    file: LandingFile
    status: str
    rows_total: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        name = f"{self.file.table}/{self.file.path.name}"
        if self.status == "duplicate":
            return f"{name}: already loaded (sha256 {self.file.checksum[:12]}…): nothing to do"
        if self.status == "failed":
            return f"{name}: FAILED: {self.error}"
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.rules.items()))
        ignored = ", ".join(self.unknown_columns)
        extra = f"; columns not in the contract, ignored: {ignored}" if ignored else ""
        return (f"{name}: {self.rows_loaded:,} loaded, {self.rows_quarantined:,} quarantined"
                + (f" ({rules})" if rules else "") + extra)


def file_checksum(path: Path) -> str:
    """SHA-256 of the file's bytes (the ledger key)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def max_clock_skew() -> timedelta:
    return timedelta(seconds=float(os.environ.get(SKEW_ENV, DEFAULT_SKEW_S)))


def landing_files(directory: Path) -> list[tuple[str, Path]]:
    """(table, path) of every landing file under `directory/<table>/`, parents' tables first.

    Hidden files and temporary names (`.x`, `_x`, `*.tmp`, `*.part`) are still being written: skipped.
    """
    found = []
    for path in sorted(Path(directory).glob("*/*")):
        if path.is_file() and path.suffix.lower() in FORMATS and not path.name.startswith((".", "_")):
            found.append((path.parent.name, path))
    rank = _table_rank()
    return sorted(found, key=lambda tp: (rank.get(tp[0], len(rank)), str(tp[1])))


def _table_rank() -> dict[str, int]:
    """Loadable tables in foreign-key order (reference tables before the raw tables pointing at them)."""
    tables = contracts().fk_order(contracts().tables_of_kind(*LOADABLE_KINDS))
    return {t.name: i for i, t in enumerate(tables)}


def parents(table: str) -> set[str]:
    """The tables `table` has hard foreign keys to (their files load first)."""
    contract = contracts().tables.get(table)
    if contract is None:
        return set()
    return contract.parents()


def loadable(table: str) -> Table:
    """The contract of a table landing files may load, or a LandingError naming the problem."""
    contract = contracts().tables.get(table)
    if contract is None:
        raise LandingError(f"no table contract named {table!r}: landing files go under <landing dir>/<table>/")
    if contract.kind not in LOADABLE_KINDS:
        raise LandingError(f"table {table} is {contract.kind}: landing files load raw and reference tables only")
    return contract


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class Parsed:
    """A file's rows as read (`__line`: its line number), plus the lines or records that are not rows
    (JSONL lines that are not JSON objects, delimited records whose field count is not the header's)."""

    frame: pl.DataFrame
    malformed: pl.DataFrame  # __line, raw, reason
    unknown_columns: list[str]


def read_file(file: LandingFile, table: Table) -> Parsed:
    """Read a landing file without losing anything: text formats as text, Parquet with its own types.

    Line numbers: CSV counts the header as line 1 (records are one line each); JSONL counts lines;
    Parquet counts rows from 1. A file that is not what its name says (not UTF-8 text, no header
    naming the table's columns, not Parquet) raises a LandingError naming the file and what was expected.
    """
    names = [c.name for c in table.columns]
    expected = {"parquet": "a Parquet file", "csv": f"UTF-8 delimited text with a header line naming columns of "
                f"{table.name}", "jsonl": "UTF-8 text with one JSON object per line"}[file.format]
    try:
        if file.format == "parquet":
            frame = pl.read_parquet(file.path).with_row_index(LINE, offset=1)
            malformed = no_malformed()
        elif file.format == "csv":
            frame, malformed = read_delimited(_utf8(file.path), names)
        else:
            frame, malformed, unknown = _read_jsonl(_utf8(file.path), names)
            return Parsed(frame, malformed, unknown)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise LandingError(f"{file.path}: cannot be read as {file.format} (expected {expected}): {exc}") from exc
    frame = frame.with_columns(pl.col(LINE).cast(pl.Int64))
    unknown = [c for c in frame.columns if c != LINE and c not in names]
    return Parsed(frame.drop(unknown), malformed, unknown)


def _utf8(path: Path) -> bytes:
    """The file's bytes without a UTF-8 byte-order mark; UnicodeDecodeError unless they are UTF-8."""
    data = path.read_bytes()
    data = data[len(_BOM):] if data.startswith(_BOM) else data
    data.decode("utf-8")
    return data


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is written: its separator, and whether it uses MySQL's backslash
    escapes (then `null` is its NULL marker: `\\N`, or `NULL` in `mariadb --batch` output)."""

    separator: str
    escaped: bool
    null: str | None = None


def sniff(header: bytes, data: bytes, names: list[str]) -> Dialect:
    """The dialect of a delimited file, from its header line and its content.

    A tab in the header means TSV (MySQL's: backslash escapes, `\\N` or `NULL` for NULL). Otherwise
    CSV separated by whichever of `,`, `;` and `|` splits the header into the most of `names` (`,` on a
    tie): MySQL's escaped CSV when a field is `\\N`, or when quotes are backslash-escaped and never
    doubled; else RFC 4180 (an unquoted empty field is NULL, `""` the empty string).
    """
    content = pl.Series([data.decode("utf-8")]).str
    if b"\t" in header:
        return Dialect("\t", True, "\\N" if content.contains(_NULL_FIELD.format(sep="\t")).item() else "NULL")
    text = header.decode("utf-8")
    separator = max(",;|", key=lambda sep: len(set(_header_names(text, sep)) & set(names)))
    escaped = content.contains(_NULL_FIELD.format(sep=separator)).item() or (
        not content.contains(_DOUBLED_QUOTE.format(sep=separator)).item()
        and content.contains(_BACKSLASH_QUOTE).item())
    return Dialect(separator, escaped)


def _header_names(header: str, separator: str) -> list[str]:
    return [name.strip().strip('"') for name in header.split(separator)]


def read_delimited(data: bytes, names: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every field of a delimited UTF-8 text file as text (NULL where the dialect says so), numbered
    (`__line`: the header is line 1, a record is one line), and its malformed records: those whose
    field count is not the header's, set aside whole with a reason while the others load.

    The header must name at least one of `names`; ValueError otherwise (a missing header or another
    table's file). Polars reads the file; a cheap count of every record's fields confirms the shape,
    and only when it or Polars disagrees does Python's csv module split the records."""
    header = data.split(b"\n", 1)[0].rstrip(b"\r")
    dialect = sniff(header, data, names)
    fields = _header_names(header.decode("utf-8"), dialect.separator)
    if not set(fields) & set(names):
        shown = header[:120].decode("utf-8", "replace")
        raise ValueError(f"the header line {shown!r} names no column of the table ({', '.join(names[:4])}, …)")
    text = data.decode("utf-8")
    if dialect.escaped and dialect.separator != "\t":
        text = pl.Series([text]).str.replace_many(_CSV_ESCAPES).item()
        data = text.encode("utf-8")
    try:
        frame = _read_text(data, dialect)
        if _regular(text, dialect.separator, len(fields), frame.height):
            return frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64)), no_malformed()
    except pl.exceptions.ComputeError:
        pass
    good, lines, malformed = _records(text, dialect.separator)
    return _read_text(good, dialect).with_columns(pl.Series(LINE, lines, pl.Int64)), malformed


def _read_text(data: bytes, dialect: Dialect) -> pl.DataFrame:
    """Polars' reading of delimited text, every field as text; TSV's escapes and NULL marker resolved."""
    if dialect.separator != "\t":
        return pl.read_csv(io.BytesIO(data), separator=dialect.separator, infer_schema=False)
    frame = pl.read_csv(io.BytesIO(data), separator="\t", quote_char=None, infer_schema=False)
    field = pl.all()  # an empty field is the empty string: TSV marks its NULLs
    return frame.with_columns(pl.when(field.is_null()).then(pl.lit("")).when(field != dialect.null)
                              .then(field.str.replace_many(_MYSQL_ESCAPES)).name.keep())


def _regular(text: str, separator: str, width: int, height: int) -> bool:
    """Whether `text` is a header and `height` records, each of `width` fields: once quoted fields are
    removed (CSV), every line holds `width - 1` separators."""
    lines = pl.Series([text])
    if separator != "\t":
        lines = lines.str.replace_all('"[^"]*"', "")
    lines = lines.str.split("\n").explode()
    if lines.len() > 1 and lines[-1] == "":
        lines = lines.head(-1)
    return lines.len() == height + 1 and bool((lines.str.count_matches(separator, literal=True) == width - 1).all())


def _records(text: str, separator: str) -> tuple[bytes, list[int], pl.DataFrame]:
    """Delimited text split into records by Python's csv module: (the header and every record with as
    many fields as it, as text; those records' line numbers; the other records as malformed rows)."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline="\n"):
            consumed.append(line)
            yield line

    quoting = csv.QUOTE_NONE if separator == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(lines(), delimiter=separator, quoting=quoting)
    good: list[str] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    width = 0
    try:
        for number, record in enumerate(reader, start=1):
            raw = "".join(consumed)
            consumed.clear()
            if number == 1:
                width = len(record)
                good.append(raw)
            elif len(record) == width:
                good.append(raw)
                numbers.append(number)
            else:
                count = f"{len(record)} field" + ("" if len(record) == 1 else "s")
                bad.append((number, raw.rstrip("\r\n"), f"record has {count}, the header has {width}"))
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from exc
    malformed = pl.DataFrame(bad, schema=no_malformed().schema, orient="row")
    return "".join(good).encode("utf-8"), numbers, malformed


def no_malformed() -> pl.DataFrame:
    return pl.DataFrame(schema={LINE: pl.Int64, "raw": pl.String, "reason": pl.String})


def _read_jsonl(data: bytes, names: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """JSONL with every field as text (objects and arrays as JSON text); blank lines skipped, lines that
    are not JSON objects set aside. Keys outside the contract are reported from the first object."""
    schema = {name: pl.String for name in names}
    line_count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    try:  # fast path: one object on every line
        frame = pl.read_ndjson(io.BytesIO(data), schema=schema)
        if frame.height == line_count:
            first = json.loads(data.split(b"\n", 1)[0]) if line_count else {}
            numbered = frame.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
            return numbered, no_malformed(), sorted(set(first) - set(names))
    except pl.exceptions.PolarsError:
        pass
    lines = (
        pl.Series("raw", [data.decode("utf-8")]).str.split("\n").explode().to_frame()
        .with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
        .filter(pl.col("raw").str.strip_chars() != "")
    )
    raw = pl.col("raw")
    valid = raw.str.strip_chars().str.starts_with("{") & raw.str.json_path_match("$").is_not_null()
    good = lines.filter(valid)
    bad = lines.filter(~valid).with_columns(reason=pl.lit("the line is not a JSON object"))
    frame = pl.read_ndjson(_joined(good), schema=schema) if good.height else pl.DataFrame(schema=schema)
    unknown = sorted(set(json.loads(good["raw"][0])) - set(names)) if good.height else []
    return frame.with_columns(good[LINE]), bad, unknown


def _joined(lines: pl.DataFrame) -> io.BytesIO:
    return io.BytesIO(lines.select(pl.col("raw").str.join("\n")).item().encode())


# -- checking --------------------------------------------------------------------------------------
@dataclass
class Rule:
    """Rows that break one rule on one column; `detail` follows the value (`show_value`) or the column."""

    name: str
    column: str | None
    mask: pl.Series
    detail: str
    show_value: bool = True


@dataclass
class Checked:
    """A file's rows, typed per the contract, with every rule they break."""

    table: Table
    source: pl.DataFrame
    typed: pl.DataFrame
    rules: list[Rule]
    malformed: pl.DataFrame

    def bad(self) -> pl.Series:
        """True for every row that breaks at least one rule."""
        mask = pl.select(pl.repeat(False, self.typed.height, dtype=pl.Boolean)).to_series()
        for rule in self.rules:
            mask = mask | rule.mask
        return mask


def check_rows(table: Table, parsed: Parsed, *, now: datetime | None = None,
               skew: timedelta | None = None) -> Checked:
    """Apply every rule that needs only the file and the contract (vectorized, one Polars pass per rule).
    `now` (default: the wall clock; naive means UTC) plus the clock skew bounds timestamps."""
    now = naive_utc(now) if now else now_utc()
    horizon = now + (max_clock_skew() if skew is None else skew)
    source = parsed.frame
    n = source.height
    typed_columns = [source[LINE]]
    rules: list[Rule] = []
    for col in insertable(table):
        if col.name not in source.columns:
            if not col.nullable and col.default is None:
                rules.append(Rule("not_null", col.name, pl.select(pl.repeat(True, n, dtype=pl.Boolean)).to_series(),
                                  "is missing from the file and is NOT NULL", show_value=False))
            continue
        typed, present = parse_column(source[col.name], col)
        rules.append(Rule("json" if col.type == "json" else "type", col.name, present & typed.is_null(),
                          "is not valid JSON" if col.type == "json" else f"is not a valid {col.type}"))
        if not col.nullable:
            if col.default is not None and not sql_function(col.default):
                typed = typed.fill_null(pl.Series([default_value(col)]).cast(typed.dtype))
            else:
                rules.append(Rule("not_null", col.name, ~present, "is NULL and the column is NOT NULL",
                                  show_value=False))
        rules.extend(_value_rules(col, typed, horizon))
        typed_columns.append(typed.alias(col.name))
    return Checked(table, source, pl.DataFrame(typed_columns), rules, parsed.malformed)


def _value_rules(col: Column, typed: pl.Series, horizon: datetime) -> list[Rule]:
    rules = []
    limit = max_length(col)
    if limit is not None:
        rules.append(Rule("max_length", col.name, (typed.str.len_chars() > limit).fill_null(False),
                          f"is longer than {limit} characters"))
    if col.values is not None:
        allowed = pl.Series(list(col.values)).cast(typed.dtype, strict=False)
        rules.append(Rule("values", col.name, (~typed.is_in(allowed.drop_nulls().implode())).fill_null(False),
                          "is not one of " + ", ".join(map(str, col.values))))
    numeric = typed.cast(pl.Float64, strict=False) if typed.dtype.is_numeric() else None
    if numeric is not None and col.min is not None:
        rules.append(Rule("min", col.name, (numeric < col.min).fill_null(False), f"is below the minimum {col.min}"))
    if numeric is not None and col.max is not None:
        rules.append(Rule("max", col.name, (numeric > col.max).fill_null(False), f"is above the maximum {col.max}"))
    if col.type in ("timestamp", "timestamptz") and col.name not in FORWARD_LOOKING:
        rules.append(Rule("future_timestamp", col.name, (typed > horizon).fill_null(False),
                          f"is in the future (beyond {horizon:%Y-%m-%d %H:%M:%S} UTC, the allowed clock skew)"))
    return rules


def parse_column(source: pl.Series, col: Column) -> tuple[pl.Series, pl.Series]:
    """(typed values, present): typed is NULL where the value is missing or cannot be cast."""
    target = polars_type(col)
    typed = _from_typed(source, col, target)
    if typed is not None:
        return typed, source.is_not_null()
    text = as_text(source)
    if not _TEXTUAL.match(col.type):
        text = text.str.strip_chars().replace("", None)
    if col.type == "json":
        text = pl.select(pl.when(text.str.strip_chars() != "null").then(text)).to_series()
    return _from_text(text, col, target).alias(col.name), text.is_not_null()


def _from_typed(source: pl.Series, col: Column, target: pl.DataType) -> pl.Series | None:
    """Parquet values that already have a compatible type; None sends them through text parsing."""
    dtype = source.dtype
    if dtype == target and col.type not in ("uuid", "json", "inet", "interval"):
        return source
    if isinstance(dtype, pl.Datetime) and isinstance(target, pl.Datetime | pl.Date):
        return utc_micros(source).dt.date() if isinstance(target, pl.Date) else utc_micros(source)
    if dtype == pl.Date and isinstance(target, pl.Datetime):
        return source.cast(pl.Datetime("us"))
    if dtype.is_integer() and (target.is_numeric()):
        return source.cast(target, strict=False)
    if dtype.is_float() and target.is_integer():
        return pl.select(pl.when(source == source.floor()).then(source.cast(target, strict=False))).to_series()
    if dtype.is_numeric() and target.is_numeric():
        return source.cast(target, strict=False)
    if dtype == pl.Boolean and target == pl.Boolean:
        return source
    if isinstance(dtype, pl.List) and isinstance(target, pl.List):
        return source.cast(target, strict=False)
    return None


def _from_text(text: pl.Series, col: Column, target: pl.DataType) -> pl.Series:
    t = col.type
    if isinstance(target, pl.Datetime):
        return parse_instants(text).alias(col.name)
    frame = text.alias("v").to_frame()
    v = pl.col("v")
    if t == "uuid":
        expr = pl.when(v.str.contains(_UUID)).then(v.str.to_lowercase())
    elif target.is_integer():  # "12.0" too: pandas writes integer columns holding NULLs as floats
        number = v.cast(pl.Float64, strict=False)
        expr = pl.coalesce(v.cast(target, strict=False),
                           pl.when(number == number.floor()).then(number.cast(target, strict=False)))
    elif target.is_float() or isinstance(target, pl.Decimal):
        expr = v.cast(target, strict=False)
    elif target == pl.Boolean:
        lower = v.str.to_lowercase()
        expr = pl.when(lower.is_in(_TRUE)).then(True).when(lower.is_in(_FALSE)).then(False)
    elif target == pl.Date:
        expr = v.str.to_date("%Y-%m-%d", strict=False)
    elif t == "json":
        expr = pl.when(v.str.json_path_match("$").is_not_null()).then(v)
    elif isinstance(target, pl.List):
        return _arrays(text, target).alias(col.name)
    elif target == pl.Binary:  # PostgreSQL prints bytea as \x and hex digits; other text is its bytes
        expr = pl.when(v.str.starts_with("\\x")).then(v.str.slice(2).str.decode("hex", strict=False)).otherwise(
            v.cast(pl.Binary))
    elif t == "inet":
        expr = pl.when(v.str.contains(_INET)).then(v)
    elif t == "interval":
        expr = pl.when(v.str.contains(_INTERVAL)).then(v)
    elif target == pl.String:
        expr = v
    else:
        expr = pl.lit(None, dtype=target)
    return frame.select(expr.cast(target).alias(col.name)).to_series()


def _arrays(text: pl.Series, target: pl.DataType) -> pl.Series:
    """JSON arrays, or PostgreSQL array literals (`{a,"b c",NULL}`, one dimension), as lists."""
    c = pl.col
    f = text.alias("v").to_frame().with_columns(
        json=c("v").str.starts_with("[") & c("v").str.json_path_match("$").is_not_null(),
        pg=c("v").str.starts_with("{") & c("v").str.ends_with("}"))
    items = c("v").str.slice(1, c("v").str.len_bytes() - 2).str.extract_all(_PG_ELEMENT)
    element = pl.element()
    unquoted = element.str.slice(1, element.str.len_bytes() - 2).str.replace_many({"\\\\": "\\", '\\"': '"'})
    literal = items.list.eval(pl.when(element.str.starts_with('"')).then(unquoted)
                              .when(element != "NULL").then(element))
    return f.select(pl.when(c("json")).then(c("v").str.json_decode(target))
                    .when(c("pg")).then(literal.cast(target))).to_series()


# -- instants -------------------------------------------------------------------------------------
def parse_instants(text: pl.Series) -> pl.Series:
    """ISO-8601 text → naive UTC microseconds (NULL where the text is not an instant).

    'T' or a space between date and time; the time, its seconds and its fraction optional; an offset
    Z, ±hh, ±hhmm, ±hh:mm (or ±hh:mm:ss) is applied, none means UTC. A fraction of more than six
    digits is rounded half up to the microsecond (its seventh digit 5-9 rounds up). Vectorized in
    stages: each intermediate column is computed once.
    """
    c = pl.col
    f = text.alias("t").to_frame().with_columns(c("t").str.replace("T", " ", literal=True))
    f = f.with_columns(valid=c("t").str.contains(_INSTANT), short=c("t").str.slice(16, 1) != ":")
    if f["short"].any():  # a date alone, or minutes without seconds: give them ":00" seconds
        f = f.with_columns(t=pl.when(c("t").str.len_bytes() == 10).then(c("t") + " 00:00:00")
                           .when(c("short")).then(c("t").str.slice(0, 16) + ":00" + c("t").str.slice(16))
                           .otherwise(c("t")))
    f = f.with_columns(seconds=c("t").str.slice(0, 19).str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us",
                                                                        strict=False),
                       rest=c("t").str.slice(19))
    f = f.with_columns(zone_at=c("rest").str.find(r"[+\-Zz]").fill_null(c("rest").str.len_bytes()))
    f = f.with_columns(frac=pl.when(c("zone_at") > 0).then(c("rest").str.slice(1, c("zone_at") - 1))
                       .otherwise(pl.lit("")),
                       zone=c("rest").str.slice(c("zone_at")).str.replace_all(":", "", literal=True))

    def zone_part(at: int) -> pl.Expr:
        return c("zone").str.slice(at, 2).cast(pl.Int64, strict=False).fill_null(0)

    f = f.with_columns(
        micros=(c("frac") + "000000").str.slice(0, 6).cast(pl.Int64, strict=False).fill_null(0)
        + (c("frac").str.slice(6, 1) >= "5").cast(pl.Int64),
        offset=(zone_part(1) * 3600 + zone_part(3) * 60 + zone_part(5))
        * pl.when(c("zone").str.starts_with("-")).then(-1).otherwise(1))
    instants = c("seconds") + pl.duration(microseconds=c("micros")) - pl.duration(seconds=c("offset"))
    return f.select(pl.when(c("valid")).then(instants).alias(text.name)).to_series()


def utc_micros(series: pl.Series) -> pl.Series:
    """Typed instants (any unit, naive meaning UTC or zone-aware) → naive UTC microseconds, nanoseconds
    rounded half up like `parse_instants`."""
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone:
        series = naive_utc_column(series)
    if isinstance(dtype, pl.Datetime) and dtype.time_unit == "ns":
        ticks = series.cast(pl.Int64)
        return ((ticks + 500) // 1000).cast(pl.Datetime("us")).alias(series.name)
    return series.cast(pl.Datetime("us"))


def as_text(series: pl.Series) -> pl.Series:
    """Values as the text a person would read (nested values as JSON)."""
    if series.dtype == pl.String:
        return series
    if isinstance(series.dtype, pl.List | pl.Struct | pl.Array):
        wrapped = series.alias("v").to_frame().select(pl.struct("v").struct.json_encode()).to_series()
        return wrapped.str.strip_prefix('{"v":').str.strip_suffix("}").alias(series.name)
    if series.dtype == pl.Binary:
        return series.bin.encode("hex")
    return series.cast(pl.String, strict=False)


def check_database(engine: Engine, conn: Any, checked: Checked) -> None:
    """Rules that need the warehouse, run inside the load's transaction: hard foreign keys, and
    primary keys repeated within the file or already in the table."""
    table, typed = checked.table, checked.typed
    candidate = ~checked.bad()
    for col in table.columns:
        if not col.references or col.soft or col.name not in typed.columns:
            continue
        parent, key = col.references.split(".", 1)
        values = typed.filter(candidate)[col.name].drop_nulls().unique()
        found = _existing(engine, conn, parent, [key], values.to_frame(key), col.type)
        missing = typed[col.name].is_not_null() & ~typed[col.name].is_in(found[key].implode())
        checked.rules.append(Rule("foreign_key", col.name, missing, f"has no row in {parent}.{key}"))
    key = list(table.primary_key)
    if not key or any(k not in typed.columns for k in key):
        return
    keys = typed.select(key)
    repeated = ~keys.select(pl.struct(key).is_first_distinct()).to_series()
    checked.rules.append(Rule("duplicate_key", key[0], repeated.fill_null(False),
                              f"repeats the primary key ({', '.join(key)}) of an earlier line"))
    candidate = ~checked.bad()
    found = _existing(engine, conn, table.name, key, keys.filter(candidate), table.column(key[0]).type)
    present = keys.join(found.with_columns(pl.lit(True).alias("__found")), on=key, how="left",
                        maintain_order="left")["__found"].fill_null(False)
    checked.rules.append(Rule("duplicate_key", key[0], present,
                              f"repeats the primary key ({', '.join(key)}) of a row already in {table.name}"))


def _existing(engine: Engine, conn: Any, table: str, key: list[str], values: pl.DataFrame, first_type: str
              ) -> pl.DataFrame:
    """The `key` columns of the rows of `table` whose first key column is among `values` (in chunks)."""
    postgres = engine.family == "postgresql"
    quote = (lambda c: f'"{c}"') if postgres else (lambda c: f"`{c}`")
    selected = ", ".join(f"{quote(c)}::text" if postgres and c == key[0] else quote(c) for c in key)
    array = {"uuid": "uuid[]", "smallint": "bigint[]", "integer": "bigint[]", "bigint": "bigint[]"}.get(
        first_type, "text[]")
    first = values[key[0]].drop_nulls().unique()
    rows: list[tuple] = []
    cur = conn.cursor()
    for start in range(0, first.len(), 5_000):
        chunk = first.slice(start, 5_000).to_list()
        if postgres:
            cur.execute(f"SELECT {selected} FROM {table} WHERE {quote(key[0])} = ANY(%s::{array})", [chunk])
        else:
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT {selected} FROM {table} WHERE {quote(key[0])} IN ({marks})", chunk)
        rows.extend(cur.fetchall())
    found = pl.DataFrame(rows, schema=key, orient="row") if rows else pl.DataFrame({k: [] for k in key})
    return found.with_columns(_like(found[k], values.schema[k]) for k in key)


def _like(series: pl.Series, dtype: pl.DataType) -> pl.Series:
    """Database values in the typed frame's Polars type (instants as naive UTC)."""
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone:
        series = naive_utc_column(series)
    return series.cast(dtype, strict=False)


def split(checked: Checked, file: LandingFile) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(good rows ready to insert, quarantine rows): one quarantine row per bad line, naming its first
    broken rule, column and raw value, with every broken rule in the reason."""
    table = checked.table.name
    bad = checked.bad()
    good = checked.typed.filter(~bad).drop(LINE)
    rows = checked.source.filter(bad)
    texts = {c: as_text(rows[c]) for c in rows.columns if c != LINE}
    rules = [r for r in checked.rules if r.mask.any()]
    masks = pl.DataFrame({f"m{i}": r.mask.filter(bad) for i, r in enumerate(rules)}, height=rows.height)
    frame = pl.concat([rows.select(LINE), masks, pl.DataFrame(texts, height=rows.height).select(
        pl.all().name.prefix("t_"))], how="horizontal")
    first = pl.coalesce([pl.when(pl.col(f"m{i}")).then(pl.lit(i)) for i in range(len(rules))] or [pl.lit(None)])

    def raw(rule: Rule) -> pl.Expr:
        return pl.col(f"t_{rule.column}") if rule.column in texts else pl.lit(None, dtype=pl.String)

    def message(rule: Rule) -> pl.Expr:
        if rule.show_value and rule.column in texts:
            return pl.concat_str([pl.lit(f"{rule.column} = '"), raw(rule).fill_null("NULL"),
                                  pl.lit(f"' {rule.detail} [{rule.name}]")])
        return pl.lit(f"{rule.column} {rule.detail} [{rule.name}]")

    quarantined = frame.select(
        pl.lit(table).alias("table_name"),
        pl.lit(str(file.path)).alias("file_path"),
        pl.lit(file.checksum).alias("file_checksum"),
        pl.col(LINE).alias("line_number"),
        pl.coalesce([pl.when(first == i).then(pl.lit(r.column)) for i, r in enumerate(rules)] or [pl.lit(None)])
        .cast(pl.String).alias("column_name"),
        pl.coalesce([pl.when(first == i).then(pl.lit(r.name)) for i, r in enumerate(rules)] or [pl.lit(None)])
        .cast(pl.String).alias("rule"),
        pl.coalesce([pl.when(first == i).then(raw(r)) for i, r in enumerate(rules)] or [pl.lit(None)])
        .cast(pl.String).alias("raw_value"),
        pl.concat_str([pl.lit(f"{table} line "), pl.col(LINE).cast(pl.String), pl.lit(": "),
                       pl.concat_str([pl.when(pl.col(f"m{i}")).then(message(r)) for i, r in enumerate(rules)]
                                     or [pl.lit("")], separator="; ", ignore_nulls=True)]).alias("reason"),
    ).with_columns(raw_row=rows.drop(LINE).select(pl.struct(pl.all()).struct.json_encode()).to_series()
                   if rows.width > 1 else pl.lit(None, dtype=pl.String))
    malformed = checked.malformed.select(
        pl.lit(table).alias("table_name"), pl.lit(str(file.path)).alias("file_path"),
        pl.lit(file.checksum).alias("file_checksum"), pl.col(LINE).alias("line_number"),
        pl.lit(None, dtype=pl.String).alias("column_name"), pl.lit("malformed_line").alias("rule"),
        pl.col("raw").alias("raw_value"),
        pl.concat_str([pl.lit(f"{table} line "), pl.col(LINE).cast(pl.String),
                       pl.lit(": "), pl.col("reason"), pl.lit(" [malformed_line]")]).alias("reason"),
        pl.lit(None, dtype=pl.String).alias("raw_row"),
    )
    return good, pl.concat([quarantined, malformed]).sort("line_number")


# -- loading ---------------------------------------------------------------------------------------
def ingest_file(engine: Engine, path: Path, *, table: str | None = None, now: datetime | None = None,
                before_commit: Callable[[], None] | None = None) -> IngestResult:
    """Check and load one landing file exactly once (see the module docstring).

    One connection holds a lock named after the checksum (concurrent loaders of the same bytes wait),
    marks the ledger row in progress, then loads and completes the ledger row in one transaction.
    `before_commit` runs after the inserts, inside that transaction (tests inject crashes there).
    """
    file = LandingFile.of(path, table)
    conn = engine.connect()
    try:
        with engine.advisory_lock(conn, f"cockpit_ingest_{file.checksum[:40]}"):
            earlier = _claim(conn, file)
            conn.commit()
            if earlier == "loaded":
                return IngestResult(file, "duplicate")
            try:
                result = _load(engine, conn, file, now, before_commit)
                conn.commit()
                return result
            except Exception as exc:
                conn.rollback()
                error = f"{type(exc).__name__}: {exc}"
                conn.cursor().execute(
                    f"UPDATE {LEDGER} SET status = 'failed', finished_at = CURRENT_TIMESTAMP(6), error = %s "
                    "WHERE file_checksum = %s", [error[:4000], file.checksum])
                conn.commit()
                return IngestResult(file, "failed", error=error)
    finally:
        conn.close()


def _claim(conn: Any, file: LandingFile) -> str | None:
    """Mark the file in progress; returns its earlier status (None for a first delivery)."""
    cur = conn.cursor()
    cur.execute(f"SELECT status FROM {LEDGER} WHERE file_checksum = %s", [file.checksum])
    row = cur.fetchone()
    if row is None:
        cur.execute(f"INSERT INTO {LEDGER} (table_name, file_path, file_checksum, file_format, status, started_at) "
                    "VALUES (%s, %s, %s, %s, 'in_progress', CURRENT_TIMESTAMP(6))",
                    [file.table, str(file.path), file.checksum, file.format])
    elif row[0] != "loaded":
        cur.execute(f"UPDATE {LEDGER} SET status = 'in_progress', table_name = %s, file_path = %s, "
                    "started_at = CURRENT_TIMESTAMP(6), finished_at = NULL, error = NULL "
                    "WHERE file_checksum = %s", [file.table, str(file.path), file.checksum])
    return row[0] if row else None


def _load(engine: Engine, conn: Any, file: LandingFile, now: datetime | None,
          before_commit: Callable[[], None] | None) -> IngestResult:
    """Check the file and write its good rows, its quarantined rows and its ledger row (not committed)."""
    table = loadable(file.table)
    parsed = read_file(file, table)
    checked = check_rows(table, parsed, now=now)
    stamps = checked.typed[table.time_column] if table.time_column in checked.typed.columns else None
    if table.partitioned and stamps is not None and stamps.drop_nulls().len():
        engine.ensure_month_partitions(table.name, stamps.min().date(), stamps.max().date())
    check_database(engine, conn, checked)
    good, quarantine = split(checked, file)
    loaded = engine.insert_frame(conn, table.name, for_engine(good, engine.family)) if good.height else 0
    if quarantine.height:
        engine.insert_frame(conn, QUARANTINE, quarantine)
    if before_commit is not None:
        before_commit()
    total = checked.typed.height + checked.malformed.height
    conn.cursor().execute(
        f"UPDATE {LEDGER} SET status = 'loaded', rows_total = %s, rows_loaded = %s, rows_quarantined = %s, "
        "finished_at = CURRENT_TIMESTAMP(6), error = NULL WHERE file_checksum = %s",
        [total, loaded, quarantine.height, file.checksum],
    )
    rules = quarantine.group_by("rule").len().rows() if quarantine.height else []
    return IngestResult(file, "loaded", total, loaded, quarantine.height, dict(rules), parsed.unknown_columns)


def ingest_workers() -> int:
    """Tables `ingest_paths` loads at once (`COCKPIT_INGEST_WORKERS`, else DEFAULT_WORKERS)."""
    return max(1, int(os.environ.get(WORKERS_ENV, DEFAULT_WORKERS)))


def ingest_paths(engine: Engine, paths: Iterable[Path], *, workers: int | None = None) -> list[IngestResult]:
    """Ingest files with progress, in foreign-key order of their tables (see `by_table`); the results in
    that order."""
    rank = _table_rank()
    ordered = sorted((Path(p) for p in paths), key=lambda p: (rank.get(p.parent.name, len(rank)), str(p)))
    with Progress("ingest", total=len(ordered), unit="file") as progress:
        return by_table(ordered, lambda path: ingest_file(engine, path), workers or ingest_workers(),
                        lambda path: progress.advance(label=f"{path.parent.name}/{path.name}"))


def by_table(ordered: Sequence[Path], ingest: Callable[[Path], IngestResult], workers: int,
             done: Callable[[Path], None]) -> list[IngestResult]:
    """`ingest` every file of `ordered` (parents' tables first, as `ingest_paths` sorts them): a table's
    files one after the other, up to `workers` tables at once, a table only once the files of the
    tables it has hard foreign keys to are in (their rows are what its rows' keys are checked against).
    `done(path)` follows each file, one at a time."""
    files: dict[str, list[Path]] = {}
    for path in ordered:
        files.setdefault(path.parent.name, []).append(path)
    results: dict[Path, IngestResult] = {}
    lock = threading.Lock()

    def ingest_table(paths: list[Path], first: list[Future[None]]) -> None:
        for parent in first:
            parent.result()
        for path in paths:
            result = ingest(path)
            with lock:
                results[path] = result
                done(path)

    # A table is submitted after its parents, and the pool starts its tasks in that order: a table
    # waiting for its parents waits only for tasks already running.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool:
        tables: dict[str, Future[None]] = {}
        for table, paths in files.items():
            tables[table] = pool.submit(ingest_table, paths, [tables[p] for p in parents(table) if p in tables])
        for task in tables.values():
            task.result()
    return [results[path] for path in ordered]
