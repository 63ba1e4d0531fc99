"""What lives once per worker process: the pipelines (and so the loaded models), keyed by run config.

A Prefect thread, a served deployment or a Dask worker process asks `pipeline_for(config)`; the first call
builds the pipeline, later calls (other clips, other flow runs with the same config) reuse it, so the face,
speech and LLM models load once per process, never once per clip. No Prefect import at module level.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.observer import Observer
from emer.pipeline.run.runner import Pipeline
from emer.pipeline.store.cached import config_key
from emer.pipeline.store.models import ModelStore

KEEP_PIPELINES = 2  # configs kept per process; each holds its models (the LLM can be 1 GB)

_pipelines: OrderedDict[str, Pipeline] = OrderedDict()
_lock = threading.Lock()
_store: ModelStore | None = None


class RunLogObserver(Observer):
    """Sends each finished stage to the current Prefect task's log (the UI shows it under the task run)."""

    def on_stage(self, clip_id: str, stage: str, seconds: float, reused: bool) -> None:
        from prefect.exceptions import MissingContextError
        from prefect.logging import get_run_logger

        try:
            logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = get_run_logger()
        except MissingContextError:
            logger = logging.getLogger(__name__)
        logger.info("%s: %s %s", clip_id, stage, "found on disk (cache key matches)" if reused else f"{seconds:.2f} s")


def pipeline_for(config: RunConfig) -> Pipeline:
    """This process's pipeline for `config`, built on first use and reused afterwards."""
    global _store
    key = config_key(config)
    with _lock:
        pipeline = _pipelines.get(key)
        if pipeline is not None:
            _pipelines.move_to_end(key)
            return pipeline
        if _store is None or _store.paths != {k: Path(v) for k, v in config.model_paths.items()}:
            _store = ModelStore(paths={k: Path(v) for k, v in config.model_paths.items()})
        pipeline = Pipeline(config, _store, observers=[RunLogObserver()])
        _pipelines[key] = pipeline
        while len(_pipelines) > KEEP_PIPELINES:
            _pipelines.popitem(last=False)
        return pipeline


def loaded_pipelines() -> int:
    """How many pipelines this process holds (for tests and diagnostics)."""
    return len(_pipelines)
