"""The Prefect flow `emer` (deployment `emer/process-folder`): one task per clip and extractor, then one
reasoning task per clip, all calling the pipeline core.

The JSON files on disk are the record and the cache: each task asks the core, which reuses a clue whose key
(clip content hash, extractor name, version and config) matches and a result whose key (clue keys, prompt
template, label set, model sha256, LLM config) matches. Prefect's own result cache is off. Resuming after an
interruption is simply running the flow again into the same output folder.

Concurrency is the number of clips in flight; the task runner decides where tasks run: threads in this
process (default), or a Dask cluster (`task_runner_for(dask_address=...)`), one pipeline per worker process.

Threads: each process (this one, each Dask worker) has the budget $EMER_THREADS (default: every CPU it may run
on) for its models, and every extraction and reasoning task holds one of the machine's compute slots
($EMER_SLOTS, default CPUs // LLM threads): two served flow runs or two Dask workers on one laptop take turns
instead of spinning llama.cpp's threads against other work (pipeline/run/threads.py). Local Dask workers inherit
the variables.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.futures import PrefectFuture, as_completed
from prefect.states import Completed, Failed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import Task
from prefect.utilities.annotations import allow_failure
from pydantic import BaseModel, ConfigDict

from emer.flows.workers import pipeline_for
from emer.pipeline.evidence.references import ClipFeatures, SpeakerReferences
from emer.pipeline.records.errors import EmerError
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.run.config import RunConfig, load_config, name_list, run_overrides
from emer.pipeline.run.runloop import Clips, OnResult, TwoPass, run_folder
from emer.pipeline.run.steps import PipelineSteps
from emer.pipeline.store.outputs import OutputLayout

FLOW_NAME = "emer"
DEPLOYMENT_NAME = "process-folder"
ARTIFACT_KEY = "emer-summary"
REPORT_ARTIFACT_KEY = "emer-report"
RETRIES = 2
RETRY_DELAY_SECONDS = 2.0


class ClueOutcome(BaseModel):
    """What one extractor task did for one clip (the clue itself is on disk)."""

    model_config = ConfigDict(extra="forbid")

    clip_id: str
    extractor: str
    status: Literal["ok", "no_signal", "unsupported", "failed"]
    reused: bool
    seconds: float
    error: str | None = None


def is_transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only what may succeed on a second try: not a bad clip or a bad config (an EmerError), which
    the core already records in the clip's result."""
    exc = state.result(raise_on_failure=False)
    return not isinstance(exc, EmerError)


@task(task_run_name="{extractor} · {clip_id}", retries=RETRIES, retry_delay_seconds=RETRY_DELAY_SECONDS,
      retry_condition_fn=is_transient, cache_policy=NO_CACHE, persist_result=False)
def extract_task(config: RunConfig, path: str, out: str, clip_id: str, extractor: str) -> ClueOutcome:
    """One extractor on one clip (reused from disk when its cache key matches)."""
    start = time.perf_counter()
    pipeline = pipeline_for(config)
    try:
        clue, reused = pipeline.extract_clue(Path(path), OutputLayout(Path(out)), clip_id, extractor)
    except EmerError as e:  # a clip that cannot be decoded: the reasoning task records it in the result
        get_run_logger().warning("%s: %s", clip_id, e)
        return ClueOutcome(clip_id=clip_id, extractor=extractor, status="failed", reused=False,
                           seconds=round(time.perf_counter() - start, 3), error=str(e))
    return ClueOutcome(clip_id=clip_id, extractor=extractor, status=clue.status.value, reused=reused,
                       seconds=round(time.perf_counter() - start, 3), error=clue.detail if clue.status == "failed"
                       else None)


@task(task_run_name="reason · {clip_id}", retries=RETRIES, retry_delay_seconds=RETRY_DELAY_SECONDS,
      retry_condition_fn=is_transient, cache_policy=NO_CACHE, persist_result=False)
def reason_task(config: RunConfig, path: str, out: str, clip_id: str, computed: list[str]) -> Result:
    """Evidence, prompt and reasoning over the clip's clues on disk; writes the clip's result.json. `computed`:
    the extractors whose clues this run's tasks wrote. A clue whose extractor task failed outright is
    recomputed here by the core, or the clip fails with the cause."""
    result = pipeline_for(config).run_clip(Path(path), Path(out), clip_id, computed=computed)
    logger = get_run_logger()
    if result.status != "failed":
        p = result.prediction
        logger.info("%s: %s%s%s", clip_id, p.label if p else "(clues only)",
                    f" ({p.confidence:.2f})" if p else "", ", result reused" if result.reused else "")
    if result.status != "ok":
        logger.error("%s %s: %s", clip_id, result.status, result.error)
    return result


def _outcome(future: PrefectFuture[ClueOutcome]) -> ClueOutcome | None:
    """An extractor task's outcome once it finished; None for a task that failed outright."""
    future.wait()
    state = future.state
    value = state.result(raise_on_failure=False) if state.is_completed() else None
    return value if isinstance(value, ClueOutcome) else None


def task_runner_for(dask_address: str | None = None, dask_workers: int | None = None,
                    threads: int = 16) -> TaskRunner[Any]:
    """Threads in this process, or prefect-dask's runner on a scheduler address (several machines) or on a
    temporary local cluster of `dask_workers` single-threaded processes."""
    if dask_address or dask_workers:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return ThreadPoolTaskRunner(max_workers=threads)


def resolve_config(config_file: str | None = None, extractors: list[str] | str | None = None,
                   model: str | None = None, label_set: str | None = None, prompt: str | None = None,
                   overrides: dict[str, Any] | None = None) -> RunConfig:
    """One checked run config from the flow's parameters: a config file, then `overrides` (run-config keys,
    nested as in the file or dotted), then the named parameters, merged key by key (`run_overrides`). Raises
    ConfigError naming what is wrong."""
    if isinstance(extractors, str):
        extractors = name_list(extractors)
    named = {"extractors": [{"name": n} for n in extractors or []], "label_set": label_set, "prompt": prompt,
             "llm.model": model}
    over = run_overrides(overrides, {key: value for key, value in named.items() if value})
    return load_config(Path(config_file) if config_file else None, over)


def _summary_table(summary: RunSummary) -> list[dict[str, Any]]:
    return [{"clip": c.clip_id, "label": c.label or "", "confidence": c.confidence, "status": c.status,
             "reused": f"{c.reused_clues}/{len(c.clues)} clues" + (", result" if c.reused_result else ""),
             "error": c.error or ""} for c in summary.clips]


def write_report(out: str) -> Path | None:
    """Write the run's HTML report (OUT/report/index.html plus images) and link it as the markdown artifact
    `emer-report`. A report that cannot be written is a warning in the log, never a failed run."""
    from emer.pipeline.report.build import build_report

    logger = get_run_logger()
    try:
        index = build_report(Path(out))
    except Exception as e:  # the results are on disk whatever happens to the report
        logger.warning("report not written: %s: %s", type(e).__name__, e)
        return None
    uri = index.resolve().as_uri()
    create_markdown_artifact(
        key=REPORT_ARTIFACT_KEY, description="the run's HTML report (a static page: open it in a browser)",
        markdown=f"## emer report\n\n[{index.resolve()}]({uri})\n\nOpen `{uri}` in a browser (index.html plus "
                 "its images/ folder, no server needed).")
    logger.info("report: %s", uri)
    return index


def _publish(summary: RunSummary, out: str, report: bool) -> None:
    """The summary table as the artifact `emer-summary`, a log line, and the HTML report (`report`)."""
    create_table_artifact(
        key=ARTIFACT_KEY, table=_summary_table(summary),
        description=f"{summary.ok} ok, {summary.degraded} degraded, {summary.failed} failed; reused "
                    f"{summary.reused_clues} clues and {summary.reused_results} results; {summary.seconds:.1f} s. "
                    f"Outputs: {out}")
    get_run_logger().info("%d ok, %d degraded, %d failed; reused %d clues and %d results from earlier runs; "
                          "%.1f s", summary.ok, summary.degraded, summary.failed, summary.reused_clues,
                          summary.reused_results, summary.seconds)
    if report:
        write_report(out)


def _throttle(in_flight: list[PrefectFuture[Any]], limit: int) -> None:
    """Wait until fewer than `limit` of the futures are unfinished."""
    while len(in_flight) >= max(1, limit):
        done = next(as_completed(in_flight))
        in_flight.remove(done)


class TaskLoop(TwoPass):
    """The run loop's two passes (pipeline/run/runloop.py) with each step as a Prefect task: one task per clip
    and extractor, then, once every clip's clues are in, the speaker references and one reasoning task per
    clip. `concurrency` clips are in flight at once."""

    def __init__(self, config: RunConfig, concurrency: int) -> None:
        self.config = config
        self.concurrency = concurrency
        self.extracted: dict[str, list[PrefectFuture[ClueOutcome]]] = {}

    def extract(self, steps: PipelineSteps, clips: Clips, out: Path
                ) -> tuple[dict[str, list[str]], dict[str, ClipFeatures]]:
        """Every clip's clues as tasks; the features are read from the clues on disk (tasks may run elsewhere)."""
        get_run_logger().info("%d clips, extractors %s, model %s, label set %s, %d at a time", len(clips),
                              ", ".join(c.name for c in self.config.extractors), self.config.llm.model,
                              self.config.label_set, self.concurrency)
        in_flight: list[PrefectFuture[Any]] = []
        for clip_id, clip_path in clips:
            _throttle(in_flight, self.concurrency * len(self.config.extractors))
            self.extracted[clip_id] = [extract_task.submit(self.config, str(clip_path), str(out), clip_id, c.name)
                                       for c in self.config.extractors]
            in_flight.extend(self.extracted[clip_id])
        computed: dict[str, list[str]] = {}
        for clip_id, futures in self.extracted.items():
            computed[clip_id] = [o.extractor for o in map(_outcome, futures) if o is not None and not o.reused]
        return computed, {}

    def references_ready(self, references: SpeakerReferences) -> None:
        get_run_logger().info("speaker references: %s", ", ".join(f"{s} ({len(r.clips)} clips)"
                                                                  for s, r in references.speakers.items()) or "none")

    def reason(self, steps: PipelineSteps, clips: Clips, out: Path, computed: dict[str, list[str]],
               on_result: OnResult) -> list[Result]:
        """Each clip's reasoning as a task (after its extractor tasks, also failed ones)."""
        submitted: list[tuple[str, Path, PrefectFuture[Result]]] = []
        in_flight: list[PrefectFuture[Any]] = []
        for clip_id, clip_path in clips:
            _throttle(in_flight, self.concurrency)
            future = reason_task.submit(self.config, str(clip_path), str(out), clip_id, computed.get(clip_id, []),
                                        wait_for=[allow_failure(f) for f in self.extracted.get(clip_id, [])])
            submitted.append((clip_id, clip_path, future))
            in_flight.append(future)
        results: list[Result] = []
        for clip_id, clip_path, future in submitted:
            results.append(_result(clip_id, clip_path, future))
            on_result(results)
        return results


def _result(clip_id: str, clip_path: Path, future: PrefectFuture[Result]) -> Result:
    """The reasoning task's result, or a failed result naming the task's error."""
    future.wait()
    state = future.state
    value = state.result(raise_on_failure=False) if state.is_completed() else None
    if isinstance(value, Result):
        return value
    exc = state.result(raise_on_failure=False)
    return Result(clip_id=clip_id, source_path=str(clip_path), status="failed",
                  error=f"{clip_path}: task {state.name}: {type(exc).__name__}: {exc}")


@flow(name=FLOW_NAME, task_runner=ThreadPoolTaskRunner(max_workers=16), persist_result=False,
      description="Explainable emotion reasoning over a folder of clips: one task per clip and extractor, "
                  "then (once every clip's clues are in, for the speaker references) one reasoning task per clip. "
                  "Reruns into the same output folder reuse finished work.")
def emer(folder: str, out: str = "out", extractors: list[str] | str | None = None, model: str | None = None,
         label_set: str | None = None, prompt: str | None = None, config_file: str | None = None,
         overrides: dict[str, Any] | None = None, concurrency: int = 2, recursive: bool = False,
         report: bool = True) -> State[Any]:
    """Process a clip or a folder of clips into `out`. `concurrency` clips are in flight at once (each with
    one task per extractor); `overrides` holds any run-config keys (e.g. {"llm": {"max_explanation_tokens":
    64}}). Completed when every clip succeeded; Failed listing the failed clips and their errors otherwise.
    The summary table (clip, label, confidence, status, reuse) is the artifact `emer-summary`.
    `recursive`: the folder's subfolders too. `report`: write OUT/report/index.html at the end, linked as the
    artifact `emer-report`. The flow holds `out`'s run lock: a second run into it is refused."""
    config = resolve_config(config_file, extractors, model, label_set, prompt, overrides)
    pipeline = pipeline_for(config)  # cheap here: models load lazily, in whichever process runs the tasks
    summary = run_folder(pipeline, Path(folder), Path(out), recursive, TaskLoop(config, concurrency),
                         finished=lambda summary: _publish(summary, out, report))
    problems = [  # degraded too: an extractor that was asked for failed
        f"{len(bad)} of {len(summary.clips)} clips {status}: " + "; ".join(f"{c.clip_id}: {c.error}" for c in bad)
        for status in ("failed", "degraded") if (bad := [c for c in summary.clips if c.status == status])
    ]
    if problems:
        return Failed(message=". ".join(problems), data=summary)
    return Completed(message=f"{summary.ok} of {len(summary.clips)} clips ok", data=summary)
