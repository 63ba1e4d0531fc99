"""The pipeline core: clip -> clues -> prompt -> reasoned result, for one clip or a folder.

The core reports each stage to observers (progress bars, timing tables); it never prints. Reruns skip
finished work: a clue is reused when its cache key (clip content hash, extractor name, version, config and
decoding) matches, a result when its key (clue keys, template, label set, model sha256, LLM config) matches.
One clip's failure is recorded in its result and never stops the folder.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import extractors
from extractors.base import Extractor
from pipeline.clip import MEDIA_SUFFIXES, Clip, ClipInfo, clip_id_for, decode_clip, probe_and_hash
from pipeline.clues import Clue, ClueStatus, load_clue
from pipeline.config import RunConfig
from pipeline.errors import ConfigError, EmerError, InputError
from pipeline.evaluate import default_wheel
from pipeline.io import sha256_json, write_model_atomic, write_text_atomic
from pipeline.models import ModelStore
from pipeline.outputs import OutputLayout, write_results
from pipeline.prompt import LabelSet, load_label_set, load_template, render_prompt
from pipeline.reasoner import Reasoner
from pipeline.results import ClipStatus, ClueRef, ReasonerInfo, Result, RunSummary

log = logging.getLogger(__name__)

PACKAGES = ("emer", "mediapipe", "opencv-contrib-python", "ai-edge-litert", "faster-whisper", "ctranslate2",
            "librosa", "praat-parselmouth", "av", "llama-cpp-python", "numpy", "pydantic", "prefect")


class Observer:
    """Receives the pipeline's progress. Subclass and override what you need."""

    def on_clip_start(self, clip_id: str, path: Path) -> None: ...

    def on_stage(self, clip_id: str, stage: str, seconds: float, reused: bool) -> None: ...

    def on_clip_end(self, result: Result) -> None: ...


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def list_clips(path: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """(clip id, file) pairs for a file or a folder's media files, with unique ids; and the skipped files."""
    path = Path(path)
    if path.is_file():
        return [(clip_id_for(path), path)], []
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    clips: list[tuple[str, Path]] = []
    skipped: list[str] = []
    used: set[str] = set()
    for f in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        if f.suffix.lower() not in MEDIA_SUFFIXES:
            skipped.append(f"{f}: not a media file extension ({f.suffix or 'none'})")
            continue
        cid = clip_id_for(f)
        if cid in used:
            cid = f"{cid}_{f.suffix.lstrip('.').lower()}"
        used.add(cid)
        clips.append((cid, f))
    return clips, skipped


class Pipeline:
    """Holds the extractors and the reasoner of one run config; models load once and serve every clip."""

    def __init__(self, config: RunConfig, store: ModelStore | None = None,
                 observers: Sequence[Observer] = (), gold: Mapping[str, str] | None = None) -> None:
        """`gold` (clip id -> label) is used only in label-conditioned mode (`config.explain_gold`)."""
        config.validate_names()
        if config.explain_gold and gold is None:
            raise ConfigError("explain_gold needs gold labels (emer run --gold labels.csv --explain-gold)")
        self.config = config
        self.gold = dict(gold or {}) if config.explain_gold else {}
        self.store = store or ModelStore(paths={k: Path(v) for k, v in config.model_paths.items()})
        self.extractors: list[Extractor] = [
            extractors.get(c.name)(c.config, self.store) for c in config.extractors
        ]
        self.template = load_template(config.prompt)
        self.label_set = load_label_set(config.label_set)
        self.reasoner = Reasoner(config.llm, self.store) if config.reason else None
        self.observers = list(observers)
        # Orchestrators call one pipeline from several threads: one lock per extractor and one for the LLM
        # (their models are not thread-safe), and a few decoded clips kept for a clip's other extractors.
        self._locks = {name: threading.Lock() for name in [ex.name for ex in self.extractors] + ["reason"]}
        self._decode_lock = threading.Lock()
        self._decoded: OrderedDict[tuple[str, str], Clip] = OrderedDict()
        self.keep_decoded = 2

    # --- events -------------------------------------------------------------------------------------

    def _stage(self, clip_id: str, stage: str, seconds: float, reused: bool = False) -> None:
        for o in self.observers:
            o.on_stage(clip_id, stage, seconds, reused)

    # --- clues --------------------------------------------------------------------------------------

    def clue_key(self, clip_sha256: str, extractor: Extractor) -> str:
        return sha256_json({
            "clip": clip_sha256, "extractor": extractor.name, "version": extractor.version,
            "config": extractor.config.model_dump(mode="json"),
            "decode": self.config.decode.model_dump(mode="json"),
        })

    def extract_clues(self, path: Path, layout: OutputLayout, clip_id: str | None = None
                      ) -> tuple[ClipInfo, list[Clue], list[bool]]:
        """The clip's clues, reusing every one whose cache key matches; decodes only if something is missing."""
        path = Path(path)
        clip_id = clip_id or clip_id_for(path)
        sha, _ = probe_and_hash(path)
        keys = [self.clue_key(sha, ex) for ex in self.extractors]
        clues: list[Clue | None] = [self._cached_clue(layout.clue(clip_id, ex.name), key)
                                    for ex, key in zip(self.extractors, keys, strict=True)]
        info = self._cached_info(layout.clip_info(clip_id), sha)
        reused = [c is not None for c in clues]
        if info is not None and all(reused):
            for ex in self.extractors:
                self._stage(clip_id, ex.name, 0.0, reused=True)
            return info, [c for c in clues if c is not None], reused
        start = time.perf_counter()
        clip = decode_clip(path, self.config.decode)
        clip.info.clip_id = clip_id
        self._stage(clip_id, "decode", time.perf_counter() - start)
        write_model_atomic(layout.clip_info(clip_id), clip.info)
        for i, ex in enumerate(self.extractors):
            if clues[i] is not None:
                self._stage(clip_id, ex.name, 0.0, reused=True)
                continue
            start = time.perf_counter()
            with self._locks[ex.name]:
                clue = self._run_extractor(ex, clip)
            clue.cache_key = keys[i]
            write_model_atomic(layout.clue(clip_id, ex.name), clue)
            clues[i] = clue
            self._stage(clip_id, ex.name, time.perf_counter() - start)
        return clip.info, [c for c in clues if c is not None], reused

    def extract_clue(self, path: Path, layout: OutputLayout, clip_id: str, extractor: str) -> tuple[Clue, bool]:
        """One extractor's clue for one clip, for orchestrators that run each extractor as its own task:
        (clue, reused). Reused when its cache key matches (nothing is decoded then); otherwise the clip is
        decoded once per process and kept for its other extractors. Raises InputError for an undecodable clip.
        """
        path = Path(path)
        ex = next((e for e in self.extractors if e.name == extractor), None)
        if ex is None:
            raise InputError(f"extractor {extractor!r} is not in this run; it has "
                             f"{', '.join(e.name for e in self.extractors)}")
        sha, _ = probe_and_hash(path)
        key = self.clue_key(sha, ex)
        cached = self._cached_clue(layout.clue(clip_id, ex.name), key)
        if cached is not None and self._cached_info(layout.clip_info(clip_id), sha) is not None:
            self._stage(clip_id, ex.name, 0.0, reused=True)
            return cached, True
        clip = self._decoded_clip(path, layout, clip_id, sha)
        start = time.perf_counter()
        with self._locks[ex.name]:
            clue = self._run_extractor(ex, clip)
        clue.cache_key = key
        write_model_atomic(layout.clue(clip_id, ex.name), clue)
        self._stage(clip_id, ex.name, time.perf_counter() - start)
        return clue, False

    def _decoded_clip(self, path: Path, layout: OutputLayout, clip_id: str, sha: str) -> Clip:
        """The decoded clip from this process's small cache, or decoded now (and its clip.json written)."""
        with self._decode_lock:
            clip = self._decoded.get((clip_id, sha))
            if clip is not None:
                self._decoded.move_to_end((clip_id, sha))
                return clip
            start = time.perf_counter()
            clip = decode_clip(path, self.config.decode)
            clip.info.clip_id = clip_id
            self._stage(clip_id, "decode", time.perf_counter() - start)
            write_model_atomic(layout.clip_info(clip_id), clip.info)
            self._decoded[(clip_id, sha)] = clip
            while len(self._decoded) > self.keep_decoded:
                self._decoded.popitem(last=False)
            return clip

    @staticmethod
    def _cached_clue(path: Path, key: str) -> Clue | None:
        if not path.is_file():
            return None
        try:
            clue = load_clue(path)
        except (InputError, ValueError) as e:
            log.warning("ignoring unreadable cached clue %s: %s", path, e)
            return None
        return clue if clue.cache_key == key and clue.status != ClueStatus.failed else None

    @staticmethod
    def _cached_info(path: Path, sha: str) -> ClipInfo | None:
        if not path.is_file():
            return None
        try:
            info = ClipInfo.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        return info if info.sha256 == sha else None

    @staticmethod
    def _run_extractor(ex: Extractor, clip: Clip) -> Clue:
        """An extractor that raises yields a `failed` clue keeping the cause; the other modalities go on."""
        try:
            return ex.extract(clip)
        except Exception as e:  # noqa: BLE001 - recorded in the clue with its type, message and traceback
            log.error("extractor %s failed on %s:\n%s", ex.name, clip.info.path, traceback.format_exc())
            return ex.make_clue(clip, ClueStatus.failed, detail=f"{type(e).__name__}: {e}")

    # --- reasoning ----------------------------------------------------------------------------------

    def result_key(self, clues: list[Clue], label_set: LabelSet | None = None, gold_label: str | None = None) -> str:
        assert self.reasoner is not None
        return sha256_json({
            "clues": sorted(c.cache_key or "" for c in clues),
            "template": self.template.sha256, "label_set": (label_set or self.label_set).model_dump(mode="json"),
            "model": self.reasoner.model.sha256, "llm": self.config.llm.model_dump(mode="json"),
            "gold_label": gold_label,
        })

    def _gold_label_set(self, clip_id: str, path: Path) -> tuple[LabelSet, str | None]:
        """In label-conditioned mode, the clip's gold label as a one-label set; else the run's label set."""
        if not self.config.explain_gold:
            return self.label_set, None
        gold = self.gold.get(clip_id)
        if not gold:
            raise InputError(f"{path}: no gold label for clip {clip_id!r} in the gold file")
        return LabelSet(name=f"gold:{gold}", description="the annotated label, explained", labels=[gold]), gold

    def _clue_refs(self, clues: list[Clue], reused: list[bool]) -> list[ClueRef]:
        return [
            ClueRef(kind=c.kind, extractor=c.extractor.name, version=c.extractor.version, status=c.status,
                    file=f"clues/{c.extractor.name}.json", cache_key=c.cache_key or "", reused=r)
            for c, r in zip(clues, reused, strict=True)
        ]

    def run_clip(self, path: Path, out: Path, clip_id: str | None = None, *,
                 computed: Collection[str] = ()) -> Result:
        """Clues, prompt and reasoned result for one clip, written under out/<clip-id>/. Never raises for a
        bad clip: the result's status and error say what went wrong. `computed` names extractors whose clues
        another task of this run just wrote (see `extract_clue`): found on disk, but not reported as reused."""
        path = Path(path)
        layout = OutputLayout(out)
        clip_id = clip_id or clip_id_for(path)
        for o in self.observers:
            o.on_clip_start(clip_id, path)
        start = time.perf_counter()
        try:
            result = self._run_clip(path, layout, clip_id, computed)
        except EmerError as e:
            result = Result(clip_id=clip_id, source_path=str(path), status="failed", error=str(e))
        except Exception as e:  # noqa: BLE001 - isolates one clip; the cause and traceback are kept
            log.error("unexpected error on %s:\n%s", path, traceback.format_exc())
            result = Result(clip_id=clip_id, source_path=str(path), status="failed",
                            error=f"{path}: unexpected {type(e).__name__}: {e}")
        result.timings["total"] = round(time.perf_counter() - start, 3)
        write_model_atomic(layout.result(clip_id), result)
        for o in self.observers:
            o.on_clip_end(result)
        return result

    def _run_clip(self, path: Path, layout: OutputLayout, clip_id: str, computed: Collection[str] = ()) -> Result:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        info, clues, reused = self.extract_clues(path, layout, clip_id)
        reused = [r and c.extractor.name not in computed for c, r in zip(clues, reused, strict=True)]
        timings["clues"] = round(time.perf_counter() - t0, 3)
        for c in clues:
            timings[c.extractor.name] = round(c.timings.get("total", sum(c.timings.values())), 3)
        refs = self._clue_refs(clues, reused)
        if self.reasoner is None:
            return Result(clip_id=clip_id, source_path=str(path), status="ok", clip=info, clues=refs,
                          timings=timings)
        label_set, gold_label = self._gold_label_set(clip_id, path)
        key = self.result_key(clues, label_set, gold_label)
        previous = layout.result(clip_id)
        if previous.is_file():
            try:
                old = Result.model_validate_json(previous.read_text(encoding="utf-8"))
            except ValueError:
                old = None
            if old is not None and old.status == "ok" and old.cache_key == key:
                self._stage(clip_id, "reason", 0.0, reused=True)
                return old.model_copy(update={"reused": True, "clues": refs})
        t0 = time.perf_counter()
        prompt = render_prompt(self.template, info, clues, label_set, gold_label=gold_label)
        write_text_atomic(layout.prompt(clip_id), prompt.as_text())
        timings["prompt"] = round(time.perf_counter() - t0, 4)
        modalities = [c.kind for c in clues if c.status == ClueStatus.ok] or [c.kind for c in clues]
        with self._locks["reason"]:
            t0 = time.perf_counter()
            load_before = self.reasoner.load_seconds
            prediction, stats, raw = self.reasoner.reason(prompt, label_set, modalities,
                                                          default_wheel().vocabulary())
            load = self.reasoner.load_seconds - load_before
        write_model_atomic(layout.response(clip_id), raw)
        timings["reason"] = round(time.perf_counter() - t0, 3)
        if load > 0:
            timings["model_load"] = round(load, 3)
        self._stage(clip_id, "reason", timings["reason"])
        return Result(
            clip_id=clip_id, source_path=str(path), status="ok", clip=info, prediction=prediction,
            reasoner=ReasonerInfo(model=self.reasoner.model.ref(), config=self.config.llm.model_dump(mode="json"),
                                  template=self.template.name, template_sha256=self.template.sha256,
                                  label_set=label_set),
            clues=refs, generation=stats, timings=timings, cache_key=key,
            mode="explain-gold" if gold_label else "predict", gold_label=gold_label,
        )

    # --- folders ------------------------------------------------------------------------------------

    def run(self, path: Path, out: Path) -> RunSummary:
        """Run a clip or every media file of a folder; writes results.jsonl, results.csv, summary.json."""
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        layout = OutputLayout(out)
        clips = self.start_run(path, out)
        results: list[Result] = []
        for clip_id, clip_path in clips:
            results.append(self.run_clip(clip_path, out, clip_id))
            write_results(layout, results)
        return self.finish_run(path, out, results, started, time.perf_counter() - t0)

    def start_run(self, path: Path, out: Path) -> list[tuple[str, Path]]:
        """The clips of a file or folder (see `list_clips`), after writing OUT/run.json (config, versions,
        skipped files). With `run_clip` and `finish_run`, this is `run` for orchestrators."""
        clips, skipped = list_clips(path)
        write_text_atomic(OutputLayout(out).run_info, self._run_info(path, skipped))
        return clips

    def finish_run(self, path: Path, out: Path, results: list[Result], started: datetime,
                   seconds: float) -> RunSummary:
        """Write results.jsonl, results.csv and summary.json (with the reuse counts) for a run's results."""
        layout = OutputLayout(out)
        write_results(layout, results)
        summary = self._summary(path, out, results, started, seconds)
        write_model_atomic(layout.summary, summary)
        return summary

    def _run_info(self, path: Path, skipped: Iterable[str]) -> str:
        import json

        return json.dumps({"input": str(path), "config": self.config.model_dump(mode="json"),
                           "packages": package_versions(), "skipped": list(skipped)}, indent=2) + "\n"

    def _summary(self, path: Path, out: Path, results: list[Result], started: datetime,
                 seconds: float) -> RunSummary:
        rows = [
            ClipStatus(
                clip_id=r.clip_id, source_path=r.source_path, status=r.status,
                label=r.prediction.label if r.prediction else None,
                confidence=r.prediction.confidence if r.prediction else None, error=r.error,
                clues={c.extractor: c.status for c in r.clues}, reused_clues=sum(c.reused for c in r.clues),
                reused_result=r.reused, seconds=r.timings.get("total", 0.0),
            )
            for r in results
        ]
        return RunSummary(
            input=str(path), output=str(out), config=self.config.model_dump(mode="json"),
            packages=package_versions(), clips=rows, ok=sum(r.status == "ok" for r in results),
            failed=sum(r.status == "failed" for r in results),
            reused_clues=sum(r.reused_clues for r in rows), reused_results=sum(r.reused_result for r in rows),
            seconds=round(seconds, 3), started_at=started, finished_at=datetime.now(UTC),
        )
