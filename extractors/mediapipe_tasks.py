"""MediaPipe task objects (face landmarker, pose landmarker…): import and release.

A task must be closed, but never from inside a garbage collection: MediaPipe closes through a thread-pool
`submit`, and a collection can run while this same thread is inside another task's `submit` holding
concurrent.futures' global lock, which then deadlocks (seen as a hang in `FaceLandmarker.detect`). So a
released extractor only queues its tasks; they are closed at the next safe point, `close_released()`, which
the extractors call before they use MediaPipe, and once more when the interpreter begins to exit."""

from __future__ import annotations

import concurrent.futures.thread  # noqa: F401 (registers its executors' shutdown before ours, below)
import sys
import threading
import weakref
from typing import Any

from emer.pipeline.records.errors import require

_released: list[Any] = []


def import_mediapipe() -> Any:
    """The mediapipe module, or a clear error naming the install command."""
    mp = require("mediapipe", "pip install mediapipe==1.2.3")
    # mediapipe keeps the ImportError of its optional `sounddevice` import in a module global; its traceback
    # would pin the importing call stack (this extractor, the clip being processed) for the process's life.
    audio_record = sys.modules.get("mediapipe.tasks.python.audio.core.audio_record")
    error = getattr(audio_record, "sd_error", None)
    if isinstance(error, BaseException):
        error.__traceback__ = None
    return mp


def close_with(owner: object, task: Any) -> Any:
    """Queue `task` for closing once `owner` is released (list.append only: safe inside a collection). Not at
    exit: MediaPipe's worker thread is gone by then. Returns the task."""
    weakref.finalize(owner, _released.append, task).atexit = False
    return task


def close_released() -> None:
    """Close the tasks of released owners. Call where no MediaPipe call is in progress on this thread."""
    while _released:
        _released.pop().close()


# Threading's exit hooks run in reverse order of registration, so this runs while MediaPipe's executor still
# accepts work (a plain atexit hook runs after it has shut down, and mediapipe's __del__ then fails noisily).
threading._register_atexit(close_released)
