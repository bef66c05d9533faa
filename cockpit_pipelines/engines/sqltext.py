"""SQL text handling shared by the engines: `:name` parameters, literals and statement splitting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from cockpit_pipelines.utc import naive_utc

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_HEADER_FIELD = re.compile(r"^\s*--\s*(\w+):\s*(.*?)\s*$")


def to_pyformat(sql: str, params: Mapping[str, Any] | None) -> str:
    """Rewrite `:name` placeholders as DB-API `%(name)s` (psycopg and PyMySQL both accept it)."""
    if not params:
        return sql
    return _PARAM.sub(lambda m: f"%({m.group(1)})s", sql.replace("%", "%%"))


def split_header(text: str) -> tuple[dict[str, str], str]:
    """A SQL file's header and the text after it. The header is the file's leading run of `--` comment
    lines (a blank line or a statement ends it); its `-- key: value` lines are its fields, the last of
    a repeated key winning."""
    lines = text.splitlines()
    fields: dict[str, str] = {}
    end = 0
    while end < len(lines) and lines[end].lstrip().startswith("--"):
        if found := _HEADER_FIELD.match(lines[end]):
            fields[found.group(1)] = found.group(2)
        end += 1
    return fields, "\n".join(lines[end:])


def parameter_names(sql: str) -> set[str]:
    """The `:name` parameters a statement uses."""
    return set(_PARAM.findall(sql))


def render_literals(sql: str, params: Mapping[str, Any] | None, family: str) -> str:
    """Inline `:name` parameters as SQL literals, for readers that take no bind parameters (connectorx)."""
    if not params:
        return sql

    def literal(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise KeyError(f"SQL parameter :{name} has no value")
        return sql_literal(params[name], family)

    return _PARAM.sub(literal, sql)


def utc_bound(expression: str, column_type: str, family: str) -> str:
    """`expression` (a naive UTC datetime: a `:name` parameter or a literal) as a bound of a column of
    the contract type `column_type`. On PostgreSQL a timestamptz column gets a timestamptz bound, taken
    as UTC whatever the session's time zone: the database then compares values as they are stored,
    instead of converting the bound for every row, and prunes the
    partitions when it plans the statement."""
    if family == "postgresql" and column_type == "timestamptz":
        return f"({expression} AT TIME ZONE 'UTC')"
    return expression


def quote_identifier(name: str, family: str) -> str:
    """`"name"` on PostgreSQL, `` `name` `` on the MySQL family."""
    return f'"{name}"' if family == "postgresql" else f"`{name}`"


def sql_literal(value: Any, family: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        value = naive_utc(value)
        return f"TIMESTAMP '{value.isoformat(sep=' ', timespec='microseconds')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        if family == "postgresql":
            return f"INTERVAL '{seconds} seconds'"
        hours, rest = divmod(seconds, 3600)
        return f"TIME '{hours:02d}:{rest // 60:02d}:{rest % 60:02d}'"
    if isinstance(value, str):
        escaped = value.replace("'", "''")
        if family == "mysql":
            escaped = escaped.replace("\\", "\\\\")
        return f"'{escaped}'"
    raise TypeError(f"cannot render {type(value).__name__} as a SQL literal")


@dataclass(frozen=True)
class Statement:
    sql: str
    line: int  # 1-based line of the statement's first line in its file
    only_on: str | None = None  # "tidb" / "not-tidb" (MySQL-family directives)


_DIRECTIVE = re.compile(r"^\s*--\s*@(tidb|not-tidb)\s*$")
_DELIMITER = re.compile(r"^\s*DELIMITER\s+(\S+)\s*$", re.IGNORECASE)


def split_statements(text: str, *, backslash_escapes: bool = False) -> list[Statement]:
    """Split a migration file into statements.

    Understands quotes ('…', "…", `…`), PostgreSQL dollar quoting, `--` and `/* */` comments (TiDB
    `/*T! … */` comments are kept inside their statement), mysql-client `DELIMITER` lines, and the
    `-- @tidb` / `-- @not-tidb` directives on the line before a statement. `backslash_escapes`
    follows the engine's string literals (MySQL family: yes; PostgreSQL: no).
    """
    statements: list[Statement] = []
    delimiter = ";"
    buf: list[str] = []
    has_code = False  # buf holds more than whitespace and leading comments
    start_line = 1
    pending_directive: str | None = None
    directive: str | None = None
    quote: str | None = None  # ', ", `, or a $tag$
    in_block_comment = False

    def flush() -> None:
        nonlocal buf, has_code, directive
        if has_code:
            statements.append(Statement(sql="".join(buf).strip(), line=start_line, only_on=directive))
        buf, has_code, directive = [], False, None

    def begin_code(line_no: int) -> None:
        nonlocal has_code, start_line, directive, pending_directive, buf
        if not has_code:
            buf = []  # leading comments are not part of the statement
            has_code, start_line = True, line_no
            directive, pending_directive = pending_directive, None

    for line_no, line in enumerate(text.splitlines(keepends=True), start=1):
        if quote is None and not in_block_comment and not has_code:
            if m := _DIRECTIVE.match(line):
                pending_directive = m.group(1)
                continue
            if m := _DELIMITER.match(line):
                delimiter = m.group(1)
                continue
        i = 0
        while i < len(line):
            ch = line[i]
            if in_block_comment:
                end = line.find("*/", i)
                if end < 0:
                    buf.append(line[i:])
                    break
                buf.append(line[i : end + 2])
                i, in_block_comment = end + 2, False
                continue
            if quote is not None:
                if quote.startswith("$"):
                    end = line.find(quote, i)
                    if end < 0:
                        buf.append(line[i:])
                        break
                    buf.append(line[i : end + len(quote)])
                    i, quote = end + len(quote), None
                    continue
                buf.append(ch)
                if ch == quote and line[i + 1 : i + 2] == quote:
                    buf.append(quote)
                    i += 2
                    continue
                if ch == quote:
                    quote = None
                elif backslash_escapes and ch == "\\" and quote in "'\"" and i + 1 < len(line):
                    buf.append(line[i + 1])
                    i += 1
                i += 1
                continue
            if line.startswith("--", i):
                buf.append(line[i:])
                break
            if line.startswith("/*", i):
                if line.startswith("/*T!", i) or line.startswith("/*!", i):
                    begin_code(line_no)
                in_block_comment = True
                buf.append("/*")
                i += 2
                continue
            if line.startswith(delimiter, i):
                flush()
                i += len(delimiter)
                continue
            if not ch.isspace():
                begin_code(line_no)
            if ch in "'\"`":
                quote = ch
            elif ch == "$" and (m := re.match(r"\$[A-Za-z_]*\$", line[i:])):
                quote = m.group(0)
                buf.append(quote)
                i += len(quote)
                continue
            buf.append(ch)
            i += 1
    flush()
    return statements
