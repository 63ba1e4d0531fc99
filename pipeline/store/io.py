"""Atomic file writes: a reader never sees a half-written file, and a crash never truncates an old one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel

from emer.pipeline.records.errors import OutputError


@cache
def _umask_by_setting() -> int:
    """The umask where /proc cannot tell it, read once by setting it: 077 for that instant, so a file another
    thread creates meanwhile is at worst too private, never too open."""
    old = os.umask(0o077)
    os.umask(old)
    return old


def os_reason(e: OSError) -> str:
    """An OSError's cause in words, for one-line messages: 'no space left on device'."""
    return (e.strerror or str(e)).lower()


def current_umask() -> int:
    """The process's umask, read from /proc/self/status (Linux) without changing it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return _umask_by_setting()


def write_text_atomic(path: Path, text: str) -> None:
    """Write text (UTF-8) atomically: see `write_bytes_atomic`."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write bytes atomically: see `open_atomic`."""
    with open_atomic(path) as f:
        f.write(data)


@contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` through: the bytes go to a temp file beside `path`, which is fsynced and
    renamed over `path` when the block ends without an error. The file gets the mode a plain open() would give
    (0666 minus the umask). On an error in the block or in the write (raised as OutputError naming the file and
    the cause: a full disk, no permission), the temp file is removed and an existing `path` is left as it was."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~current_umask())  # mkstemp makes 0600; shared folders need the usual mode
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise OutputError(f"{path}: cannot write ({os_reason(e)})") from e
        raise


def link_atomic(src: Path, dst: Path) -> None:
    """Make `dst` a hard link to `src` (a copy where the file system cannot link), replacing `dst` atomically."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.link")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def write_model_atomic(path: Path, model: BaseModel) -> None:
    """Serialize a pydantic model as indented JSON, atomically."""
    write_text_atomic(path, model.model_dump_json(indent=2) + "\n")


def write_json_atomic(path: Path, data: object) -> None:
    """Serialize plain JSON data, atomically."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_json(data: object) -> str:
    """Hex sha256 of a canonical JSON encoding (sorted keys): a stable key for configs."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
