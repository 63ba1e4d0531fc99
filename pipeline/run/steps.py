"""The steps of a run, which every run loop (pipeline/run/runloop.py) calls in the same order: `start_run`, each
clip's clues (`extract_for_run`), the speaker references (`prepare_references`), each clip's evidence and
reasoning (`run_clip`), `finish_run`.

The steps report each stage to observers (progress bars, timing tables); they never print. Reruns skip finished
work: a clue is reused when its cache key matches, a result when its key matches (pipeline/store/cached.py).
One clip's failure is recorded in its result and never stops the folder.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from emer.extractors.base import Extractor
from emer.pipeline.evidence.references import ClipFeatures, Reference, SpeakerReferences
from emer.pipeline.inputs.clip import clip_id_for
from emer.pipeline.inputs.listing import list_clips
from emer.pipeline.reasoning.decision import Decider, evidence_prediction
from emer.pipeline.reasoning.prompt import load_template
from emer.pipeline.reasoning.reasoner import Reasoner
from emer.pipeline.records.clues import Clue, ClueStatus
from emer.pipeline.records.errors import ConfigError, EmerError, InputError, OutputError
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import ClueRef, ReasonerInfo, Result, RunSummary
from emer.pipeline.records.vocab import LabelSet, load_label_set
from emer.pipeline.run.clip_evidence import ClipEvidence
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.extraction import ClueExtraction
from emer.pipeline.run.observer import Observer
from emer.pipeline.run.runinfo import no_evidence_note, run_info, run_summary
from emer.pipeline.run.threads import configure_process, cpu_slot, thread_budget
from emer.pipeline.store.cached import cached_result, result_key
from emer.pipeline.store.io import write_model_atomic, write_text_atomic
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.outputs import OutputLayout, record_clip_sources, write_results

log = logging.getLogger(__name__)


class PipelineSteps:
    """Holds the extractors and the reasoner of one run config; models load once and serve every clip. Safe to
    call from several threads (orchestrators run clips concurrently)."""

    def __init__(self, config: RunConfig, store: ModelStore | None = None,
                 observers: Sequence[Observer] = (), gold: Mapping[str, str] | None = None) -> None:
        """`gold` (clip id -> label) is used only in label-conditioned mode (`config.explain_gold`)."""
        configure_process()
        config.validate_names()
        if config.explain_gold and gold is None:
            raise ConfigError("explain_gold needs gold labels (emer run --gold labels.csv --explain-gold)")
        self.config = config
        self.gold = dict(gold or {}) if config.explain_gold else {}
        self.store = store or ModelStore(paths={k: Path(v) for k, v in config.model_paths.items()})
        self.observers = list(observers)
        # The LLM's threads come from the process budget ($EMER_THREADS) unless the config names them; the
        # config itself (and so every cache key) stays as given.
        self.llm_threads = config.llm.n_threads or thread_budget()
        self.extraction = ClueExtraction(config, self.store, self._stage, self.llm_threads)
        self.extractors: list[Extractor] = self.extraction.extractors
        self.template = load_template(config.prompt)
        self.label_set = load_label_set(config.label_set)
        self.reasoner = (Reasoner(config.llm.model_copy(update={"n_threads": self.llm_threads}), self.store)
                         if config.reason else None)
        self.decider = (Decider(self.reasoner, self.template, config.decision)
                        if self.reasoner else None)
        self._reason_lock = threading.Lock()  # the LLM's model is not thread-safe
        self.evidence = ClipEvidence(config, [ex.name for ex in self.extractors], self.reasoner, self.store,
                                     self._reason_lock, self.llm_threads)

    def _stage(self, clip_id: str, stage: str, seconds: float, reused: bool = False) -> None:
        for o in self.observers:
            o.on_stage(clip_id, stage, seconds, reused)

    # --- a run: start, clues, references, finish ----------------------------------------------------

    def start_run(self, path: Path, out: Path, recursive: bool = False) -> list[tuple[str, Path]]:
        """The clips of a file or folder (see `list_clips`), after checking that the LLM runs here, recording the
        clips' source files in OUT/clips.json (an id OUT holds for another file is an OutputError) and writing
        OUT/run.json (config, versions, skipped files). The caller holds OUT's run lock (`claim_output`)."""
        clips, skipped = list_clips(path, recursive)
        if self.reasoner is not None and clips:
            self.reasoner.check_runs()
        layout = OutputLayout(out)
        record_clip_sources(layout, clips)
        write_text_atomic(layout.run_info, run_info(self.config, path, skipped))
        return clips

    def extract_for_run(self, out: Path, clip_id: str, clip_path: Path) -> tuple[list[str], ClipFeatures] | None:
        """One clip's clues for a run: the extractors computed now (not reused) and the clip's reference features;
        None for a clip that cannot be decoded (`run_clip` reports it)."""
        layout = OutputLayout(out)
        try:
            _, clues, reused = self.extraction.extract(clip_path, layout, clip_id)
        except OutputError:
            raise
        except EmerError:
            return None
        except Exception:  # noqa: BLE001 - run_clip reports it with the traceback
            log.debug("clues of %s failed in the first pass", clip_path, exc_info=True)
            return None
        return ([c.extractor.name for c, r in zip(clues, reused, strict=True) if not r],
                self.evidence.features(layout, clip_id, clues))

    def extract_clue(self, path: Path, layout: OutputLayout, clip_id: str, extractor: str) -> tuple[Clue, bool]:
        """One extractor's clue for one clip (orchestrators that run each extractor as its own task): (clue,
        reused). The decoded clip is kept for the clip's other extractors. Raises InputError for an undecodable
        clip or an extractor the run does not have."""
        _, [clue], [reused] = self.extraction.extract(path, layout, clip_id, only=[extractor])
        return clue, reused

    def prepare_references(self, clips: Sequence[tuple[str, Path]], out: Path,
                           features: Mapping[str, ClipFeatures] | None = None) -> SpeakerReferences:
        """Speaker references from a run's clip features (`features`, as `extract_for_run` returns them; else from
        the clues on disk), written to OUT/references.json, which each clip's evidence then reads. Call after the
        clues are extracted, before reasoning."""
        return self.evidence.prepare_references(OutputLayout(out), [cid for cid, _ in clips], features)

    def speaker_reference(self, out: Path, speaker: str, clip_ids: Sequence[str],
                          features: Mapping[str, ClipFeatures]) -> Reference | None:
        """One speaker's reference from that speaker's clips, as `prepare_references` builds it."""
        return self.evidence.speaker_reference(OutputLayout(out), speaker, clip_ids, features)

    def finish_run(self, path: Path, out: Path, results: list[Result], started: datetime,
                   seconds: float) -> RunSummary:
        """Write results.jsonl, results.csv and summary.json (with the reuse counts) for a run's results."""
        layout = OutputLayout(out)
        write_results(layout, results)
        summary = run_summary(self.config, path, out, results, started, seconds)
        write_model_atomic(layout.summary, summary)
        return summary

    # --- one clip: evidence and reasoning -----------------------------------------------------------

    def result_key(self, clues: list[Clue], label_set: LabelSet | None = None, gold_label: str | None = None,
                   evidence: EvidenceSummary | None = None) -> str:
        """The reasoned result's cache key (pipeline/store/cached.py `result_key`)."""
        assert self.reasoner is not None
        return result_key(evidence=evidence, decision=self.config.decision,
                          clue_keys=(c.cache_key or "" for c in clues), template_sha256=self.template.sha256,
                          label_set=label_set or self.label_set, model_sha256=self.reasoner.model.sha256,
                          llm=self.config.llm, gold_label=gold_label)

    def run_clip(self, path: Path, out: Path, clip_id: str | None = None, *,
                 computed: Collection[str] = ()) -> Result:
        """Clues, evidence, prompt and reasoned result for one clip, written under out/<clip-id>/. Never raises for
        a bad clip: the result's status and error say what went wrong. `computed` names extractors whose clues
        this run just wrote (`extract_for_run`, `extract_clue`): taken from disk even if they failed, and not
        reported as reused."""
        path = Path(path)
        layout = OutputLayout(out)
        clip_id = clip_id or clip_id_for(path)
        for o in self.observers:
            o.on_clip_start(clip_id, path)
        start = time.perf_counter()
        try:
            result = self._run_clip(path, layout, clip_id, computed)
        except OutputError:
            raise  # OUT cannot be written (a full disk): the run stops, this clip is not a failure of its own
        except EmerError as e:
            result = Result(clip_id=clip_id, source_path=str(path), status="failed", error=str(e))
        except Exception as e:  # noqa: BLE001 - isolates one clip; the cause and traceback are kept
            log.error("unexpected error on %s:\n%s", path, traceback.format_exc())
            result = Result(clip_id=clip_id, source_path=str(path), status="failed",
                            error=f"{path}: unexpected {type(e).__name__}: {e}")
        result.timings["total"] = round(time.perf_counter() - start, 3)
        failed = [c for c in result.clues if c.status == ClueStatus.failed]
        if result.status == "ok" and failed:  # a label from the other clues, but not the run that was asked for
            result.status = "degraded"
            result.error = "; ".join(f"extractor {c.extractor} failed: {c.detail}" for c in failed)
        write_model_atomic(layout.result(clip_id), result)
        for o in self.observers:
            o.on_clip_end(result)
        return result

    def _gold_label_set(self, clip_id: str, path: Path) -> tuple[LabelSet, str | None]:
        """In label-conditioned mode, the clip's gold label as a one-label set; else the run's label set."""
        if not self.config.explain_gold:
            return self.label_set, None
        gold = self.gold.get(clip_id)
        if not gold:
            raise InputError(f"{path}: no gold label for clip {clip_id!r} in the gold file")
        return LabelSet(name=f"gold:{gold}", description="the annotated label, explained", labels=[gold]), gold

    def _run_clip(self, path: Path, layout: OutputLayout, clip_id: str, computed: Collection[str]) -> Result:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        info, clues, reused = self.extraction.extract(path, layout, clip_id, computed=computed)
        timings["clues"] = round(time.perf_counter() - t0, 3)
        for c in clues:
            timings[c.extractor.name] = round(c.timings.get("total", sum(c.timings.values())), 3)
        refs = _clue_refs(clues, [r and c.extractor.name not in computed for c, r in zip(clues, reused, strict=True)])
        label_set, gold_label = self._gold_label_set(clip_id, path)
        t0 = time.perf_counter()
        evidence = self.evidence.build(layout, clip_id, clues, label_set)
        timings["evidence"] = round(time.perf_counter() - t0, 4)
        note = no_evidence_note(clues, evidence) if evidence.label is None else None
        if self.reasoner is None or self.decider is None:
            llm = self.config.llm
            prediction = None if gold_label else evidence_prediction(evidence, llm.max_evidence,
                                                                     llm.max_evidence_chars)
            return Result(clip_id=clip_id, source_path=str(path), status="ok", clip=info, clues=refs,
                          prediction=prediction, timings=timings, note=note)
        key = self.result_key(clues, label_set, gold_label, evidence)
        if (old := cached_result(layout.result(clip_id), key)) is not None:
            self._stage(clip_id, "reason", 0.0, reused=True)
            return old.model_copy(update={"reused": True, "clues": refs})
        return self._reason(path, layout, clip_id, info, clues, refs, label_set, gold_label, evidence, key,
                            timings, note)

    def _reason(self, path: Path, layout: OutputLayout, clip_id: str, info: ClipInfo, clues: list[Clue],
                refs: list[ClueRef], label_set: LabelSet, gold_label: str | None, evidence: EvidenceSummary,
                key: str, timings: dict[str, float], note: str | None) -> Result:
        """The LLM's decision and explanation for the clip; its prompt and raw response are written beside."""
        assert self.reasoner is not None and self.decider is not None
        with self._reason_lock, cpu_slot(self.llm_threads):  # heavy stages take turns, machine-wide
            t0 = time.perf_counter()
            load_before = self.reasoner.load_seconds
            prediction, stats, raw, prompt = self.decider.decide(
                info, clues, label_set, evidence, gold_label)
            load = self.reasoner.load_seconds - load_before
        write_text_atomic(layout.prompt(clip_id), prompt.as_text())
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
            mode="explain-gold" if gold_label else "predict", gold_label=gold_label, note=note,
        )


def _clue_refs(clues: list[Clue], reused: list[bool]) -> list[ClueRef]:
    return [
        ClueRef(kind=c.kind, extractor=c.extractor.name, version=c.extractor.version, status=c.status,
                detail=c.detail, file=f"clues/{c.extractor.name}.json", cache_key=c.cache_key or "", reused=r)
        for c, r in zip(clues, reused, strict=True)
    ]
