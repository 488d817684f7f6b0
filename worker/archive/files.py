"""The archive folder: each process appends to a file of its own, fsynced after every
entry, and starts a new file past the size limit.

A process never appends to a file another process (or an earlier run) wrote: a file whose
writer was killed may end in a half-written record, and that torn tail stays where it is,
after every record that counts. `scan` detects and skips it; the next write is in a new file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from worker.archive.records import WARC_VERSION, warc_date, warcinfo_record
from worker.errors import ArchiveError, ConfigError
from worker.models import utcnow
from worker.settings import ArchiveSettings

SUFFIX = ".warc.gz"
SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


class ArchiveFiles:
    """Appends gzip members to this process's current WARC file; thread-safe."""

    def __init__(self, settings: ArchiveSettings, clock: Callable[[], datetime] = utcnow) -> None:
        assert settings.dir is not None  # the caller checked that the archive is on
        self.dir = Path(settings.dir)
        self.max_size = settings.max_file_size
        self._clock = clock
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._name = ""
        self._size = 0
        self._empty = True  # no entry in the current file yet: an entry too big still goes in
        _writable(self.dir)

    def append(self, members: Sequence[bytes]) -> tuple[str, int]:
        """Write the members one after the other and fsync; returns the file's name and the
        offset of the first. A failed write is cut off again, and the next one starts a
        new file."""
        data = b"".join(members)
        with self._lock:
            full = self._size + len(data) > self.max_size and not self._empty
            if self._fd is None or full:
                self._rotate()
            assert self._fd is not None
            offset = self._size
            try:
                _write_all(self._fd, data)
                os.fsync(self._fd)
            except OSError as exc:
                self._abandon(offset)
                raise ArchiveError(f"cannot write {self.dir / self._name}: {exc}") from exc
            self._size += len(data)
            self._empty = False
            return self._name, offset

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _rotate(self) -> None:
        """Close the current file and start one with a warcinfo record."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        now = self._clock()
        name = f"newswatch-{now:%Y%m%d%H%M%S%f}-{os.getpid()}-{secrets.token_hex(3)}{SUFFIX}"
        path = self.dir / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            info = warcinfo_record(name, warc_date(now), _warcinfo()).member
            _write_all(fd, info)
            os.fsync(fd)
            _sync_dir(self.dir)
        except OSError as exc:
            raise ArchiveError(f"cannot create {path}: {exc.strerror or exc}") from exc
        self._fd, self._name, self._size, self._empty = fd, name, len(info), True

    def _abandon(self, offset: int) -> None:
        """After a failed write: cut the file back to its last whole entry, and close it."""
        assert self._fd is not None
        with contextlib.suppress(OSError):  # what is left is a torn tail, which scan skips
            os.ftruncate(self._fd, offset)
        os.close(self._fd)
        self._fd = None


def _writable(folder: Path) -> None:
    """Create the folder if need be; a folder that cannot be written is a config error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"[archive] dir {folder}: cannot create it: {exc.strerror}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"[archive] dir {folder}: not a folder newswatch can write to")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _sync_dir(folder: Path) -> None:
    """Make a new file's name durable too (its folder's entry)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _warcinfo() -> dict[str, str]:
    try:
        software = f"newswatch/{version('newswatch')}"
    except PackageNotFoundError:
        software = "newswatch"
    return {
        "software": f"{software} (warcio)",
        "format": f"WARC File Format {WARC_VERSION.removeprefix('WARC/')}",
        "conformsTo": SPEC,
        "hostname": socket.gethostname(),
    }
