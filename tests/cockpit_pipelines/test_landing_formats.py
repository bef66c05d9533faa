"""Landing zone: files as real tools write them load whole, every row identical to its source.

A day is generated into a source warehouse, exported by the tool (PostgreSQL COPY, MariaDB INTO
OUTFILE and `mariadb --batch`, pandas, Polars), dropped in the landing zone, loaded into a second
fresh warehouse and compared row for row with the source.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import polars as pl
import psycopg
import pymysql
import pytest
from conftest import MARIADB, fresh_database, migrated

from cockpit_pipelines.contracts import contracts
from cockpit_pipelines.engines import Engine, engine_for
from cockpit_pipelines.generator.load import (
    generate,
    load_reference,
    raw_tables,
    read_standards,
    reference_frames,
)
from cockpit_pipelines.generator.reference import build_reference
from cockpit_pipelines.landing import IngestResult, ingest_file, ingest_paths, parse_instants

SEED = 4
DAY = date(2026, 3, 30)
RAW = [t.name for t in raw_tables(contracts())]


def _generated(kind: str) -> Iterator[Engine]:
    """A warehouse holding SEED's reference rows and one generated day at a small scale."""
    for url in fresh_database(kind):
        engine = engine_for(migrated(url))
        generate(engine, DAY, 1, scale=0.02, seed=SEED)
        yield engine


@pytest.fixture(scope="module")
def pg_source() -> Iterator[Engine]:
    yield from _generated("postgres")


@pytest.fixture(scope="module")
def mariadb_source() -> Iterator[Engine]:
    yield from _generated("mariadb")


def _target(url: str) -> Engine:
    """A fresh migrated warehouse holding the same reference rows as the sources."""
    engine = engine_for(migrated(url))
    load_reference(engine, reference_frames(build_reference(SEED, read_standards(engine))))
    return engine


def _rows(engine: Engine, table: str) -> list[str]:
    """The table's rows, each as its repr, sorted."""
    return sorted(map(repr, engine.query(f"SELECT * FROM {table}")))


def _assert_identical(source: Engine, target: Engine, tables: list[str]) -> None:
    """Every source row is in the target as it was, and the target has no other rows but the audit
    rows its own triggers wrote."""
    for table in tables:
        expected, loaded = _rows(source, table), _rows(target, table)
        assert expected, table
        if table == "audit_logs":
            loaded = [r for r in loaded if r in set(expected)]
        assert loaded == expected, table


def _all_loaded(results: list) -> None:
    assert [r.summary() for r in results if r.status != "loaded" or r.rows_quarantined] == []


def _libpq(engine: Engine) -> str:
    return f"host=127.0.0.1 port=5432 user=postgres dbname={engine.database}"


def test_postgres_copy_csv_of_every_raw_table_round_trips(pg_source: Engine, postgres_url: str,
                                                         tmp_path: Path) -> None:
    """COPY … TO STDOUT (FORMAT csv, HEADER) of every raw table, half of them in Asia/Kolkata (+05:30)."""
    with psycopg.connect(_libpq(pg_source)) as conn:
        for i, table in enumerate(RAW):
            conn.execute(f"SET TimeZone = '{'Asia/Kolkata' if i % 2 else 'UTC'}'")
            (tmp_path / table).mkdir()
            with open(tmp_path / table / f"{table}.csv", "wb") as out, conn.cursor().copy(
                    f"COPY (SELECT * FROM {table}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(block)
    texts = "".join(p.read_text() for p in tmp_path.glob("*/*.csv"))
    assert "+05:30" in texts and "+00\n" in texts and ",t," in texts
    target = _target(postgres_url)
    _all_loaded(ingest_paths(target, sorted(tmp_path.glob("*/*.csv"))))
    _assert_identical(pg_source, target, RAW)


def test_postgres_arrays_bytea_and_inet_as_copy_prints_them(postgres_url: str, tmp_path: Path) -> None:
    """Reference tables with text[] / inet[] arrays, exported by COPY, load into an empty warehouse."""
    source = engine_for(migrated(postgres_url))
    frames = reference_frames(build_reference(SEED, read_standards(source)))
    load_reference(source, frames)
    source.execute("UPDATE api_keys SET allowed_ips = ARRAY['10.0.0.1', '10.1.0.0/16']::inet[], "
                   "scopes = ARRAY['read', 'a \"b\", c', 'x\\y']")
    tables = [t for t in frames if source.scalar(f"SELECT count(*) FROM {t}")]
    with psycopg.connect(_libpq(source)) as conn:
        for table in tables:
            (tmp_path / table).mkdir()
            with open(tmp_path / table / f"{table}.csv", "wb") as out, conn.cursor().copy(
                    f"COPY (SELECT * FROM {table}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(block)
    assert '{10.0.0.1,10.1.0.0/16}' in (tmp_path / "api_keys" / "api_keys.csv").read_text()
    for table in tables:  # the same database, emptied, is the target: its seeded rows stay
        source.execute(f"CREATE TABLE copy_{table} AS SELECT * FROM {table}")
    for table in reversed(tables):
        source.execute(f"DELETE FROM {table}")
    _all_loaded(ingest_paths(source, sorted(tmp_path.glob("*/*.csv"))))
    for table in tables:
        assert source.query(f"SELECT * FROM {table} ORDER BY 1") == source.query(
            f"SELECT * FROM copy_{table} ORDER BY 1"), table


@pytest.fixture
def outfile_dir() -> Iterator[Path]:
    """A folder the MariaDB server (another user) can write INTO OUTFILE files to."""
    path = Path(tempfile.mkdtemp(prefix="cockpit_outfile_"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_mariadb_outfile_csv_and_batch_tsv_of_every_raw_table_round_trip(
        mariadb_source: Engine, mariadb_url: str, outfile_dir: Path) -> None:
    """Every other raw table by SELECT … INTO OUTFILE (CSV, a header row by UNION ALL, `\\N` NULLs),
    the others by `mariadb --batch` (TSV, `NULL` NULLs, backslash escapes)."""
    database = mariadb_source.database
    conn = pymysql.connect(**MARIADB, database=database, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            for i, table in enumerate(RAW):
                folder = outfile_dir / table
                folder.mkdir()
                folder.chmod(0o777)
                if i % 2:
                    result = subprocess.run(
                        ["mariadb", "-h", MARIADB["host"], "-u", "root", "--batch", database, "-e",
                         f"SET time_zone = '+00:00'; SELECT * FROM {table}"], capture_output=True, check=True)
                    (folder / f"{table}.tsv").write_bytes(result.stdout)
                    continue
                names = [c.name for c in contracts().table(table).columns]
                cur.execute(f"SELECT {', '.join(repr(n) for n in names)} UNION ALL "
                            f"SELECT {', '.join(f'`{n}`' for n in names)} FROM {table} "
                            f"INTO OUTFILE '{folder / table}.csv' "
                            "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n'")
    finally:
        conn.close()
    files = sorted(outfile_dir.glob("*/*.*"))
    texts = "".join(p.read_text() for p in files)
    assert "\\N" in texts and "\tNULL" in texts and '\\"' in texts
    target = _target(mariadb_url)
    _all_loaded(ingest_paths(target, files))
    _assert_identical(mariadb_source, target, RAW)


def _metrics(source: Engine) -> pl.DataFrame:
    """metrics as a data frame a tool would hold: instants zone-aware (UTC), the rest as text or numbers."""
    rows = source.query("SELECT id::text, timestamp, time_bucket::text, asset_id, metric_type, metric_name, "
                        "tenant_id, value_count, value_sum, value_avg, value_min, value_max, value_p50, value_p95, "
                        "value_p99, value_stddev, dimensions::text, created_at FROM metrics")
    names = [c.name for c in contracts().table("metrics").columns if not c.generated]
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    return frame.with_columns(pl.col("timestamp", "created_at").dt.convert_time_zone("UTC"))


WRITERS = {
    "pandas.csv": lambda f, p: f.to_pandas().to_csv(p, index=False),
    "pandas.parquet": lambda f, p: f.to_pandas().to_parquet(p, index=False),
    "polars.csv": lambda f, p: f.write_csv(p),
    "polars.parquet": lambda f, p: f.write_parquet(p),
    "polars.jsonl": lambda f, p: f.write_ndjson(p),
}


def test_pandas_and_polars_writers_round_trip_in_every_unit(pg_source: Engine, postgres_url: str,
                                                            tmp_path: Path) -> None:
    """pandas to_csv / to_parquet and Polars write_csv / write_parquet / write_ndjson of metrics, its
    instants zone-aware (Asia/Tokyo) or naive UTC, in ns, us and ms (its instants are whole seconds)."""
    target = _target(postgres_url)
    source = _metrics(pg_source)
    (tmp_path / "metrics").mkdir()
    for writer, write in WRITERS.items():
        for unit in ("ns", "us", "ms"):
            for zone in ("Asia/Tokyo", None):
                instants = pl.col("timestamp", "created_at").cast(pl.Datetime(unit, "UTC"))
                frame = source.with_columns(instants.dt.convert_time_zone(zone) if zone else
                                            instants.dt.replace_time_zone(None))
                path = tmp_path / "metrics" / f"{writer.split('.')[0]}_{unit}_{zone is not None}.{writer.split('.')[1]}"
                write(frame, path)
                target.execute("DELETE FROM metrics")
                target.execute("DELETE FROM ingest_ledger")  # whole seconds: some units write the same bytes
                result = ingest_file(target, path)
                assert (result.status, result.rows_loaded, result.rows_quarantined) == (
                    "loaded", source.height, 0), (path.name, result.summary())
                _assert_identical(pg_source, target, ["metrics"])


def test_iso_8601_forms_round_to_microseconds_half_up() -> None:
    forms = {
        "2026-03-31T00:00:02Z": datetime(2026, 3, 31, 0, 0, 2),
        "2026-03-31 00:00:02+00": datetime(2026, 3, 31, 0, 0, 2),
        "2026-03-31 05:30:02.5+05:30": datetime(2026, 3, 31, 0, 0, 2, 500000),
        "2026-03-31T09:00:02.123+0900": datetime(2026, 3, 31, 0, 0, 2, 123000),
        "2026-03-30T22:00:02.1234567-02": datetime(2026, 3, 31, 0, 0, 2, 123457),
        "2026-03-31 00:00:02.1234565": datetime(2026, 3, 31, 0, 0, 2, 123457),
        "2026-03-31 00:00:02.1234564999": None,  # ten digits: not an instant
        "2026-03-31 00:00:02.123456449": datetime(2026, 3, 31, 0, 0, 2, 123456),
        "2026-03-31T23:59:59.9999995Z": datetime(2026, 4, 1),
        "2026-03-31 00:00:02.": datetime(2026, 3, 31, 0, 0, 2),
        "2026-03-31 00:00": datetime(2026, 3, 31),
        "2026-03-31": datetime(2026, 3, 31),
        "2026-02-30 00:00:00": None,
        "31/03/2026 00:00": None,
        "2026-03-31 25:00:00": None,
    }
    parsed = parse_instants(pl.Series(list(forms)))
    assert dict(zip(forms, parsed.to_list(), strict=True)) == forms


def _dialogue_rows(engine: Engine) -> tuple[str, list[str]]:
    """An ai_dialogue_log CSV header and three records, tricky but valid but for the last one's instant."""
    user = engine.scalar("SELECT id FROM users ORDER BY email LIMIT 1")
    ids = "00000000-0000-4000-8000-0000000000{:02d}," + f"{user},00000000-0000-4000-8000-000000000099,"
    header = "id,user_id,session_id,query,response,model_used,created_at,updated_at,citations,latency_ms"
    rows = [  # quoted separators, a quoted line break, doubled quotes, an empty string
        ids.format(1) + '"a, b","line 1\r\nline 2",m,'
        '2026-03-30T10:00:00.1234567+09:00,2026-03-30 01:00:00+00,"[{""source"": ""kb""}]",12',
        ids.format(2) + '"",x,m,2026-03-30 01:00:00Z,2026-03-30 01:00:00,,12.0',
        ids.format(3) + 'q,x,m,2026-03-30 01:00:00 UTC,2026-03-30 01:00:00,,1',
    ]
    return header, rows


def _dialogue_csv(engine: Engine) -> str:
    header, rows = _dialogue_rows(engine)
    return "\r\n".join([header, *rows]) + "\r\n"


def test_bom_crlf_and_tricky_rows_load_and_a_bad_instant_is_quarantined(postgres_url: str, tmp_path: Path) -> None:
    engine = _target(postgres_url)
    path = tmp_path / "ai_dialogue_log" / "excel.csv"
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf" + _dialogue_csv(engine).encode())
    result = ingest_file(engine, path)
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (3, 2, 1), result.summary()
    rows = engine.query("SELECT query, response, created_at, latency_ms FROM ai_dialogue_log ORDER BY id")
    assert rows[0][:2] == ("a, b", "line 1\r\nline 2") and rows[1][0] == "" and rows[1][3] == 12
    assert rows[0][2] == datetime(2026, 3, 30, 1, 0, 0, 123457)
    [(line, rule, column, reason)] = engine.query(
        "SELECT line_number, rule, column_name, reason FROM ingest_quarantine")
    assert (line, rule, column) == (4, "type", "created_at")  # lines count records (the header is 1)
    assert reason.startswith("ai_dialogue_log line 4: created_at = '2026-03-30 01:00:00 UTC' is not a valid")


def test_files_that_are_not_what_they_claim_fail_whole(postgres_url: str, tmp_path: Path) -> None:
    engine = _target(postgres_url)
    folder = tmp_path / "ai_dialogue_log"
    folder.mkdir()
    good = _dialogue_csv(engine).encode()
    parquet = folder / "truncated.parquet"
    pl.DataFrame({"id": ["00000000-0000-4000-8000-000000000009"] * 100}).write_parquet(parquet)
    parquet.write_bytes(parquet.read_bytes()[:200])
    cases = {
        "blob.csv": (bytes(range(256)) * 8, "invalid start byte"),
        "latin1.csv": (good.replace(b"line 1", "ligne \u00e9".encode("latin-1")), "invalid continuation byte"),
        "no_header.csv": (good.split(b"\r\n", 1)[1], "names no column of the table"),
        "wrong_header.csv": (b"a,b,c\n1,2,3\n", "names no column of the table"),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    cases["truncated.parquet"] = (b"", "expected a Parquet file")
    for name, (_, message) in cases.items():
        result = ingest_file(engine, folder / name)
        assert result.status == "failed", name
        assert str(folder / name) in result.error and "expected" in result.error, result.error
        assert message in result.error, result.error
    assert engine.scalar("SELECT count(*) FROM ai_dialogue_log") == 0
    assert engine.scalar("SELECT count(*) FROM ingest_quarantine") == 0
    assert engine.query("SELECT DISTINCT status FROM ingest_ledger") == [("failed",)]


def test_semicolon_and_pipe_separated_files_load_whole(pg_source: Engine, postgres_url: str, tmp_path: Path) -> None:
    """pandas `to_csv(sep=";")` and Polars `write_csv(separator="|")`: the separator is read from the header."""
    target = _target(postgres_url)
    source = _metrics(pg_source)
    (tmp_path / "metrics").mkdir()
    writers = {"pandas_semicolon.csv": lambda p: source.to_pandas().to_csv(p, sep=";", index=False),
               "polars_pipe.csv": lambda p: source.write_csv(p, separator="|")}
    for name, write in writers.items():
        path = tmp_path / "metrics" / name
        write(path)
        assert path.read_text().split("\n", 1)[0].count(";" if "semicolon" in name else "|") > 10
        target.execute("DELETE FROM metrics")
        result = ingest_file(target, path)
        assert (result.status, result.rows_loaded, result.rows_quarantined) == (
            "loaded", source.height, 0), (name, result.summary())
        _assert_identical(pg_source, target, ["metrics"])


def _ragged(path: Path, header: str, rows: list[str], end: str) -> Path:
    path.parent.mkdir(exist_ok=True)
    path.write_text(end.join([header, *rows]) + end)
    return path


def _quarantined(engine: Engine, result: IngestResult) -> list[tuple]:
    return engine.query("SELECT line_number, rule, raw_value, reason FROM ingest_quarantine "
                        "WHERE file_checksum = :c ORDER BY line_number", {"c": result.file.checksum})


def test_records_with_too_many_or_too_few_fields_are_quarantined_and_the_rest_loads(
        postgres_url: str, tmp_path: Path) -> None:
    """A record with more fields than the header (Polars alone fails the file) and one with fewer (Polars
    alone fills NULLs) are malformed rows, in RFC 4180 CSV (quoted separators and line breaks around
    them) and in MySQL's TSV; the other records load."""
    engine = _target(postgres_url)
    header, rows = _dialogue_rows(engine)
    long = rows[1].replace("00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000004") + ',"x, y"'
    short = rows[1].replace("00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000005"
                            ).rsplit(",", 1)[0]
    path = _ragged(tmp_path / "ai_dialogue_log" / "ragged.csv", header, [rows[0], long, rows[1], short], "\r\n")
    result = ingest_file(engine, path)
    assert (result.status, result.rows_total, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 4, 2, 2), result.summary()
    assert _quarantined(engine, result) == [
        (3, "malformed_line", long,
         "ai_dialogue_log line 3: record has 11 fields, the header has 10 [malformed_line]"),
        (5, "malformed_line", short,
         "ai_dialogue_log line 5: record has 9 fields, the header has 10 [malformed_line]")]
    assert engine.query("SELECT query, response FROM ai_dialogue_log ORDER BY id") == [
        ("a, b", "line 1\r\nline 2"), ("", "x")]

    engine.execute("DELETE FROM ai_dialogue_log")
    user = engine.scalar("SELECT id FROM users ORDER BY email LIMIT 1")
    tsv = [f"00000000-0000-4000-8000-0000000000{i:02d}\t{user}\t00000000-0000-4000-8000-000000000099\tq {i}\ta\\tb\tm\t"
           f"2026-03-30 01:00:00\t2026-03-30 01:00:00\t\\N\t{i}" for i in range(10, 14)]
    tsv[1] += "\textra"
    tsv[2] = tsv[2].rsplit("\t", 2)[0]
    path = _ragged(tmp_path / "ai_dialogue_log" / "ragged.tsv", header.replace(",", "\t"), tsv, "\n")
    result = ingest_file(engine, path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2), result.summary()
    assert [(line, reason.split(": ", 1)[1]) for line, _, _, reason in _quarantined(engine, result)] == [
        (3, "record has 11 fields, the header has 10 [malformed_line]"),
        (4, "record has 8 fields, the header has 10 [malformed_line]")]
    assert engine.query("SELECT query, response, citations FROM ai_dialogue_log ORDER BY id") == [
        ("q 10", "a\tb", None), ("q 13", "a\tb", None)]
