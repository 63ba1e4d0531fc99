"""One run at a time per output folder: OUT/.emer.lock names the holder (pid and host).

The lock file is created with O_CREAT|O_EXCL and, while held, also flock()ed, so a second run is refused
with the holder's pid and host. A lock whose holder is gone (its pid is not alive on this host, and nothing
holds its flock) is stale: it is taken over with a warning. A lock held from another host is never taken
over (its pid cannot be checked from here); the message says how to remove it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from emer.pipeline.records.errors import OutputError
from emer.pipeline.store.io import os_reason

log = logging.getLogger(__name__)

LOCK_NAME = ".emer.lock"
WRITING_GRACE_S = 10.0  # a lock file without its holder line yet is being written, unless older than this


def _flock(fd: int) -> bool | None:
    """Try to flock the file: True when locked now, False when another holds it, None when the file system
    cannot flock (the pid check alone decides then)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        return False if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES) else None
    return True


def _pid_alive(pid: int) -> bool:
    """Whether a process of that pid runs on this host (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


class RunLock:
    """OUT/.emer.lock for the duration of a run: `with RunLock(out): ...`. OUT must exist."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.path = self.out / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock, taking over a stale one; raise OutputError if another run holds it."""
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
            except FileExistsError:
                self._clear_stale()
                continue
            except OSError as e:
                raise OutputError(f"{self.out}: output folder not writable ({os_reason(e)})") from e
            _flock(fd)  # ours alone: just created
            holder = {"pid": os.getpid(), "host": socket.gethostname(),
                      "since": datetime.now(UTC).isoformat(timespec="seconds")}
            try:
                os.write(fd, (json.dumps(holder) + "\n").encode())
            except OSError as e:
                os.close(fd)
                self.path.unlink(missing_ok=True)
                raise OutputError(f"{self.path}: cannot write ({os_reason(e)})") from e
            self._fd = fd
            return self
        raise OutputError(f"{self.path}: could not take the lock (it keeps changing hands)")

    def _clear_stale(self) -> None:
        """Remove the existing lock file if its holder is gone; raise OutputError if it is held."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return  # released meanwhile
        try:
            if _flock(fd) is False:
                raise self._held(fd)
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                return  # another run replaced it meanwhile: try again
            holder = self._holder(fd)
            pid, host = holder.get("pid"), holder.get("host")
            if not isinstance(pid, int) or not isinstance(host, str):
                if time.time() - os.fstat(fd).st_mtime < WRITING_GRACE_S:
                    raise self._held(fd)
                log.warning("%s: taking over an unreadable lock file", self.path)
            elif host != socket.gethostname() or _pid_alive(pid) and pid != os.getpid():
                raise self._held(fd)
            else:
                log.warning("%s: taking over a stale lock of pid %s on %s (that process is gone)",
                            self.path, pid, host)
            try:
                self.path.unlink(missing_ok=True)  # while we hold its flock: no other run decides on it meanwhile
            except OSError as e:
                raise OutputError(f"{self.path}: cannot remove the stale lock ({os_reason(e)})") from e
        finally:
            os.close(fd)

    @staticmethod
    def _holder(fd: int) -> dict[str, object]:
        try:
            data = json.loads(os.pread(fd, 4096, 0).decode() or "null")
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _held(self, fd: int) -> OutputError:
        holder = self._holder(fd)
        since = f" since {holder['since']}" if holder.get("since") else ""
        who = f"pid {holder.get('pid')} on {holder.get('host')}{since}" if holder else "a run that is starting"
        return OutputError(f"{self.out}: another emer run is writing here ({who}); wait for it, or use another "
                           f"output folder (-o); if no run is using it, remove {self.path}")

    def release(self) -> None:
        """Remove the lock file (before unlocking, so a waiting run sees it gone and retries)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
