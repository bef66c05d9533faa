"""The archive folder: Parquet batches under COCKPIT_ARCHIVE_URL, written atomically and read back verified.

Layout: `<root>/<table>/date=YYYY-MM-DD/<range start>_<range end>_g<generation>_<token>.parquet`, where the
date is the first day of the batch's range and the random token keeps two warehouses that share a root
(or two attempts at one range) from ever writing the same file. A file is staged under a hidden temporary
name and fsynced; the archiver records its manifest row, then publishes it (rename, fsync of the folder),
so every published file has a manifest row and a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import polars as pl

from cockpit_pipelines.settings import archive_url

_STAMP = "%Y%m%dT%H%M%S%f"
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")  # .<name>.<pid>.tmp
STALE_TEMPORARY_S = 24 * 3600


class ArchiveError(RuntimeError):
    """The archive cannot be written, read or trusted; the message names the table, batch and file."""


@dataclass(frozen=True)
class StoredFile:
    uri: str
    sha256: str
    size: int
    staged: Path  # the temporary file until `publish`


class ArchiveStore:
    """Parquet batches in a local folder (a path or a file:// URL)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or archive_url()
        self.root = local_root(self.url)

    def path(self, table: str, first_day: date, start: datetime, end: datetime, generation: int) -> Path:
        token = uuid.uuid4().hex[:8]
        name = f"{start.strftime(_STAMP)}_{end.strftime(_STAMP)}_g{generation}_{token}.parquet"
        return self.root / table / f"date={first_day.isoformat()}" / name

    def stage(self, frame: pl.DataFrame, path: Path) -> StoredFile:
        """Write `frame` durably under a temporary name next to `path`; returns its final URI, SHA-256, size."""
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression="zstd", statistics=True)
        payload = buffer.getvalue()
        for folder in make_dirs(path.parent):
            fsync_dir(folder)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        return StoredFile(uri=path.as_uri(), sha256=hashlib.sha256(payload).hexdigest(), size=len(payload),
                          staged=temporary)

    def publish(self, stored: StoredFile) -> None:
        """Rename the staged file into place (atomically replacing an older version) and fsync its folder."""
        path = path_of(stored.uri)
        os.replace(stored.staged, path)
        fsync_dir(path.parent)

    def read(self, uri: str, *, sha256: str, rows: int, what: str) -> pl.DataFrame:
        """The frame of a batch file, after checking its SHA-256 and row count against the manifest."""
        path = path_of(uri)
        try:
            payload = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"{what}: cannot read {path}: {exc}") from exc
        digest = hashlib.sha256(payload).hexdigest()
        if digest != sha256:
            raise ArchiveError(f"{what}: {path} has SHA-256 {digest}, the manifest recorded {sha256}")
        frame = pl.read_parquet(io.BytesIO(payload))
        if frame.height != rows:
            raise ArchiveError(f"{what}: {path} holds {frame.height} rows, the manifest recorded {rows}")
        return frame

    def sweep(self, table: str) -> list[Path]:
        """Remove the temporary files an interrupted run left: those of this process, of a process that is
        gone, or older than a day. (Published files always have a manifest row and are never removed.)"""
        folder = self.root / table
        removed: list[Path] = []
        if not folder.is_dir():
            return removed
        for path in folder.glob("date=*/.*.tmp"):
            match = _TEMPORARY.match(path.name)
            if match and _abandoned(path, int(match.group(1))):
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed


def _abandoned(path: Path, pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        if time.time() - path.stat().st_mtime > STALE_TEMPORARY_S:
            return True
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # the file went away, or the process belongs to someone else
        return False
    return False


def path_of(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme not in ("", "file"):
        raise ArchiveError(f"{uri}: only local archive files are supported")
    return Path(unquote(parsed.path))


def local_root(url: str, variable: str = "COCKPIT_ARCHIVE_URL") -> Path:
    """The local folder of a path or file:// URL (`variable` names the setting in the error)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).resolve()
    if parsed.scheme and len(parsed.scheme) > 1:
        raise ArchiveError(f"{variable}={url}: a local folder is expected (a path or a file:// URL)")
    return Path(url).expanduser().resolve()


def make_dirs(folder: Path) -> list[Path]:
    """mkdir -p; returns the parents of the folders it created (whose entries must be fsynced)."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return [m.parent for m in missing]


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
