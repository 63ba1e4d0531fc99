"""Atomic file writes (a reader never sees a half-written file, and a crash never truncates an old one), and the
one checked reading of stored JSON back: `read_json` (any JSON), `read_record` / `parse_record` / `validate_record`
(a pydantic record, its schema version checked), `read_record_lines` (a JSON Lines file such as results.jsonl) and
`load_clue` (a clue, by its kind). Each failure is one InputError line naming the file and the cause; a reader that
tolerates a bad file (a cache) catches that InputError."""

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
from typing import Any, BinaryIO, TypeVar

from pydantic import BaseModel, ValidationError

from emer.pipeline.records.clues import CLUE_MODELS, Clue
from emer.pipeline.records.errors import RERUN_FOLDER, InputError, OutputError, schema_mismatch

RecordT = TypeVar("RecordT", bound=BaseModel)


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


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({os_reason(e)})") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: cannot read the {what} (not UTF-8 text: {e})") from e


def read_json(path: Path, what: str) -> Any:
    """The parsed JSON of a file. Raises InputError naming the file and the cause (unreadable, not JSON)."""
    return _parse_json(_read_text(Path(path), what), what, str(path))


def _parse_json(text: str, what: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise InputError(f"{where}: not a readable {what}: invalid JSON ({e})") from e


def _validation_reason(e: ValidationError, shown: int = 3) -> str:
    """A pydantic error on one line: 'clip_id: Field required; status: ...' (the first few, and how many more)."""
    errors = e.errors()
    parts = [f"{'.'.join(map(str, err['loc'])) or 'the record'}: {err['msg']}" for err in errors[:shown]]
    more = f"; and {len(errors) - shown} more" if len(errors) > shown else ""
    return "; ".join(parts) + more


def parse_record(text: str, model: type[RecordT], what: str, where: str, remedy: str = RERUN_FOLDER) -> RecordT:
    """A stored record's JSON text validated as `model`. `where` (the file, or a line of it) and `what` ('result',
    'evidence summary') name it in the InputError raised when the text is not JSON, is a record of another schema
    version than the `schema_version` this emer writes for `model` (with how to read it: `remedy`, by default
    rerunning the folder), or does not validate."""
    return validate_record(_parse_json(text, what, where), model, what, where, remedy)


def validate_record(data: object, model: type[RecordT], what: str, where: str, remedy: str = RERUN_FOLDER) -> RecordT:
    """Parsed JSON validated as `model`, checked as `parse_record` says: for a reader that looked into the JSON
    first (a clue's `kind` chooses its model)."""
    current = getattr(model.model_fields.get("schema_version"), "default", None)
    if isinstance(current, str) and (older := schema_mismatch(data, current, what, where, remedy)) is not None:
        raise older
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise InputError(f"{where}: not a valid {what}: {_validation_reason(e)}") from e


def read_record(path: Path, model: type[RecordT], what: str, remedy: str = RERUN_FOLDER) -> RecordT:
    """The stored `model` record at `path`, checked as `parse_record` says; an unreadable file is an InputError too."""
    return parse_record(_read_text(Path(path), what), model, what, str(path), remedy)


def read_record_lines(path: Path, model: type[RecordT], what: str) -> list[RecordT]:
    """The `model` records of a JSON Lines file (results.jsonl), one a line, blank lines skipped; each line is
    checked as `parse_record` says and a bad one is an InputError naming the file and the line."""
    lines = _read_text(Path(path), f"{what}s").splitlines()
    return [parse_record(line, model, what, f"{path} line {i}") for i, line in enumerate(lines, 1) if line.strip()]


def load_clue(path: Path) -> Clue:
    """The clue file at `path`, validated with the model its explicit `kind` names and checked as `parse_record`
    says: an InputError naming the file for an unreadable file, an unknown kind, another schema version or data that
    does not validate."""
    data = read_json(path, "clue")
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in CLUE_MODELS:
        raise InputError(f"{path}: unknown clue kind {kind!r}; expected one of {', '.join(CLUE_MODELS)}")
    return validate_record(data, CLUE_MODELS[kind], f"{kind} clue", str(path), remedy=(
        "Rerun the folder with `emer run SOURCE -o OUT` (the clue is extracted again)"))
