"""The clips of a run: a file, or a folder's media files (optionally its subfolders'), with safe, stable ids and
the entries skipped, each with the reason."""

from __future__ import annotations

import errno
import stat
from collections import Counter
from pathlib import Path

from emer.pipeline.inputs.clip import MEDIA_SUFFIXES, clip_id_for
from emer.pipeline.records.errors import InputError
from emer.pipeline.store.io import os_reason


def list_clips(path: Path, recursive: bool = False) -> tuple[list[tuple[str, Path]], list[str]]:
    """(clip id, file) pairs for a file or a folder's media files (with `recursive`, its subfolders' too), and
    the entries skipped, each with the reason. Ids are safe folder names, unique (case-insensitively) and the
    same on every run; files that would share an id are told apart by a hash of their path relative to the
    folder (see `clip_id_for`). Raises InputError for a missing path or a folder without media files."""
    path = Path(path)
    if path.is_file():
        return [(clip_id_for(path), path)], []
    if not path.is_dir():
        raise InputError(f"{path}: {_unreadable_entry(path, 'no such file or folder')}")
    files: list[Path] = []
    skipped: list[str] = []
    _list_folder(path, recursive, [path.resolve()], set(), files, skipped)
    if not files:
        shown = "; ".join(skipped[:3]) + ("; ..." if len(skipped) > 3 else "")
        raise InputError(f"{path}: no media files in this folder" + (f" (skipped {shown})" if skipped else ""))
    relative = [f.relative_to(path).as_posix() for f in files]
    ids = [clip_id_for(f, rel) for f, rel in zip(files, relative, strict=True)]
    counts = Counter(i.casefold() for i in ids)  # case-insensitive file systems would merge A/ and a/
    ids = [clip_id_for(f, rel, hashed=True) if counts[i.casefold()] > 1 else i
           for f, rel, i in zip(files, relative, ids, strict=True)]
    if len({i.casefold() for i in ids}) < len(ids):
        dupes = sorted(i for i, n in Counter(i.casefold() for i in ids).items() if n > 1)
        raise InputError(f"{path}: files whose clip ids still collide after hashing ({', '.join(dupes)}); "
                         "rename one of them")
    return list(zip(ids, files, strict=True)), skipped


def _unreadable_entry(path: Path, default: str) -> str:
    """Why `path` cannot be followed: a symlink loop, a broken symlink, or `default`."""
    try:
        path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symlink loop"
        if path.is_symlink():
            return "broken symlink (its target does not exist)"
        return default if e.errno == errno.ENOENT else os_reason(e)
    return default


def _list_folder(folder: Path, recursive: bool, chain: list[Path], listed: set[Path], files: list[Path],
                 skipped: list[str]) -> None:
    """Media files under `folder` in sorted order into `files`; everything else into `skipped` with why.
    `chain`: the resolved folders on the way here (a link back to one is a loop); `listed`: folders done."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as e:
        skipped.append(f"{folder}: cannot list this folder ({os_reason(e)})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            skipped.append(f"{entry}: hidden (the name starts with a dot)")
            continue
        try:
            mode = entry.stat().st_mode
        except OSError:
            skipped.append(f"{entry}: {_unreadable_entry(entry, 'cannot be read')}")
            continue
        if stat.S_ISDIR(mode):
            if not recursive:
                skipped.append(f"{entry}: a folder (use --recursive)")
                continue
            real = entry.resolve()
            if real in chain:
                skipped.append(f"{entry}: symlink loop (leads back to {real})")
            elif real in listed:
                skipped.append(f"{entry}: a link to a folder listed already ({real})")
            else:
                listed.add(real)
                _list_folder(entry, recursive, [*chain, real], listed, files, skipped)
        elif not stat.S_ISREG(mode):
            skipped.append(f"{entry}: not a regular file")
        elif entry.suffix.lower() not in MEDIA_SUFFIXES:
            skipped.append(f"{entry}: not a media file extension ({entry.suffix or 'none'})")
        else:
            files.append(entry)
