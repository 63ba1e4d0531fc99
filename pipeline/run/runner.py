"""The pipeline core: clip -> clues -> evidence -> prompt -> reasoned result, for one clip or a folder.

A folder runs in two passes: every clip's clues first, then the speaker references (OUT/references.json:
each speaker's usual face and voice over their clips), then each clip's evidence summary and reasoning.

The core reports each stage to observers (progress bars, timing tables); it never prints. Reruns skip
finished work: a clue is reused when its cache key (clip content hash, extractor name, version, config and
decoding) matches, a result when its key (clue keys, template, label set, model sha256, LLM config) matches.
One clip's failure is recorded in its result and never stops the folder.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from emer import extractors
from emer.extractors.base import Extractor
from emer.pipeline.evidence.references import (
    ClipFeatures,
    Reference,
    SpeakerReferences,
    build_references,
    clip_features,
    speaker_features,
)
from emer.pipeline.evidence.speakers import assign_speakers
from emer.pipeline.evidence.summary import EvidenceSummary, ModalityEvidence, build_evidence
from emer.pipeline.inputs.clip import Clip, clip_id_for, decode_clip, probe_and_hash
from emer.pipeline.inputs.listing import list_clips
from emer.pipeline.reasoning.decision import Decider, evidence_prediction
from emer.pipeline.reasoning.prompt import load_template
from emer.pipeline.reasoning.reasoner import Reasoner
from emer.pipeline.reasoning.text_channel import TextChannel, text_modality
from emer.pipeline.records.clues import Clue, ClueStatus, load_clue
from emer.pipeline.records.errors import ConfigError, EmerError, InputError, OutputError, RunStoppedError
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import ClueRef, ReasonerInfo, Result, RunSummary
from emer.pipeline.records.vocab import LabelSet, load_label_set
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.observer import Observer
from emer.pipeline.run.runinfo import no_evidence_note, package_versions, run_info, run_summary
from emer.pipeline.run.runloop import run_overlapped
from emer.pipeline.run.threads import configure_process, cpu_slot, thread_budget
from emer.pipeline.store.cached import cached_clue, cached_info, cached_result, clue_key, result_key
from emer.pipeline.store.io import sha256_json, write_model_atomic, write_text_atomic
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.outputs import OutputLayout, claim_output, record_clip_sources, write_results

log = logging.getLogger(__name__)
RESULTS_EVERY_S = 5.0  # how often a folder run rewrites results.jsonl/csv with the results so far

__all__ = ["Observer", "Pipeline", "list_clips", "no_evidence_note", "package_versions"]


class Pipeline:
    """Holds the extractors and the reasoner of one run config; models load once and serve every clip."""

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
        self.extractors: list[Extractor] = [
            extractors.get(c.name)(c.config, self.store) for c in config.extractors
        ]
        self.template = load_template(config.prompt)
        self.label_set = load_label_set(config.label_set)
        # The LLM's threads come from the process budget ($EMER_THREADS) unless the config names them; the
        # config itself (and so every cache key) stays as given.
        self.llm_threads = config.llm.n_threads or thread_budget()
        self.reasoner = (Reasoner(config.llm.model_copy(update={"n_threads": self.llm_threads}), self.store)
                         if config.reason else None)
        self.overlap = True  # folder runs extract the next clips while the LLM reasons (pipeline/run/runloop.py)
        self.decider = Decider(self.reasoner, self.template, config.decision) if self.reasoner else None
        self.observers = list(observers)
        # Orchestrators call one pipeline from several threads: one lock per extractor and one for the LLM
        # (their models are not thread-safe), and a few decoded clips kept for a clip's other extractors.
        self._locks = {name: threading.Lock() for name in [ex.name for ex in self.extractors] + ["reason"]}
        self._decode_lock = threading.Lock()
        self._decoded: OrderedDict[tuple[str, str], Clip] = OrderedDict()
        self.keep_decoded = 2
        self._references: dict[Path, tuple[float, SpeakerReferences]] = {}
        self._fresh: dict[tuple[Path, str], tuple[ClipInfo, list[Clue], list[bool]]] = {}
        self._run_references: dict[tuple[Path, str], Reference | None] = {}
        # each clip's reference features as the first pass computed them, keyed by its clues' cache keys, so the
        # evidence reads the same features instead of computing them again
        self._features: dict[tuple[Path, str], tuple[tuple[str, ...], ClipFeatures]] = {}

    # --- events -------------------------------------------------------------------------------------

    def _stage(self, clip_id: str, stage: str, seconds: float, reused: bool = False) -> None:
        for o in self.observers:
            o.on_stage(clip_id, stage, seconds, reused)

    # --- clues --------------------------------------------------------------------------------------

    def clue_key(self, clip_sha256: str, extractor: Extractor) -> str:
        """The clue's cache key: clip content, extractor name, version and config, decoding, and the sha256 of
        each model the extractor uses (its files are resolved and checked, never loaded)."""
        try:
            models: dict[str, str] | str = {m.name: m.sha256 for m in extractor.model_refs()}
        except EmerError as e:  # the extractor fails on it and records why; a failed clue is never reused
            models = f"unavailable: {e}"
        return clue_key(clip_sha256, extractor.name, extractor.version, extractor.config, self.config.decode, models)

    def extract_clues(self, path: Path, layout: OutputLayout, clip_id: str | None = None
                      ) -> tuple[ClipInfo, list[Clue], list[bool]]:
        """The clip's clues, reusing every one whose cache key matches; decodes only if something is missing."""
        path = Path(path)
        clip_id = clip_id or clip_id_for(path)
        sha, _ = probe_and_hash(path)
        keys = [self.clue_key(sha, ex) for ex in self.extractors]
        clues: list[Clue | None] = [cached_clue(layout.clue(clip_id, ex.name), key)
                                    for ex, key in zip(self.extractors, keys, strict=True)]
        info = cached_info(layout.clip_info(clip_id), sha)
        reused = [c is not None for c in clues]
        if info is not None and all(reused):
            for ex in self.extractors:
                self._stage(clip_id, ex.name, 0.0, reused=True)
            return info, [c for c in clues if c is not None], reused
        with cpu_slot(self.llm_threads):  # heavy stages take turns, machine-wide
            return self._extract_missing(path, layout, clip_id, keys, clues)

    def _extract_missing(self, path: Path, layout: OutputLayout, clip_id: str, keys: list[str],
                         clues: list[Clue | None]) -> tuple[ClipInfo, list[Clue], list[bool]]:
        reused = [c is not None for c in clues]
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
        cached = cached_clue(layout.clue(clip_id, ex.name), key)
        if cached is not None and cached_info(layout.clip_info(clip_id), sha) is not None:
            self._stage(clip_id, ex.name, 0.0, reused=True)
            return cached, True
        with cpu_slot(self.llm_threads):
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
    def _run_extractor(ex: Extractor, clip: Clip) -> Clue:
        """An extractor that raises yields a `failed` clue keeping the cause; the other modalities go on."""
        try:
            return ex.extract(clip)
        except Exception as e:  # noqa: BLE001 - recorded in the clue with its type, message and traceback
            log.error("extractor %s failed on %s:\n%s", ex.name, clip.info.path, traceback.format_exc())
            return ex.make_clue(clip, ClueStatus.failed, detail=f"{type(e).__name__}: {e}")

    # --- speaker references and evidence ------------------------------------------------------------

    def clues_on_disk(self, layout: OutputLayout, clip_id: str) -> list[Clue]:
        folder = layout.clip_dir(clip_id) / "clues"
        names = {ex.name for ex in self.extractors}
        out = []
        for f in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            if f.stem in names:
                try:
                    out.append(load_clue(f))
                except (InputError, ValueError) as e:
                    log.warning("ignoring unreadable clue %s: %s", f, e)
        return out

    def prepare_references(self, clips: Sequence[tuple[str, Path]], out: Path,
                           features: Mapping[str, ClipFeatures] | None = None) -> SpeakerReferences:
        """Speaker references from a run's clip features (`features`, as `extract_all` returns them; else
        from the clues on disk); written to OUT/references.json, which each clip's evidence then reads. Call
        after the clues are extracted, before reasoning."""
        layout = OutputLayout(out)
        cfg = self.config.evidence
        ids = [cid for cid, _ in clips]
        speakers = assign_speakers(ids, cfg.speakers)
        features = speaker_features(ids, speakers, features or {}, lambda cid: self.clues_on_disk(layout, cid))
        refs = SpeakerReferences(
            source=cfg.speakers, min_speaker_clips=cfg.min_speaker_clips,
            speakers=build_references(features, cfg.min_speaker_clips), clip_speakers=speakers,
            features_key=sha256_json([f.model_dump(mode="json") for f in features]),
        )
        write_model_atomic(layout.references, refs)
        self._references[layout.references.resolve()] = (layout.references.stat().st_mtime, refs)
        return refs

    def use_reference(self, layout: OutputLayout, clip_id: str, reference: Reference | None) -> None:
        """Read the clip against `reference` until `clear_references`, whatever OUT/references.json holds (the
        overlapped run loop's speaker-by-speaker references, before the file is written)."""
        self._run_references[(layout.root, clip_id)] = reference

    def clear_references(self, layout: OutputLayout) -> None:
        for key in [k for k in self._run_references if k[0] == layout.root]:
            del self._run_references[key]

    def _reference_for(self, layout: OutputLayout, clip_id: str) -> Reference | None:
        """The clip's speaker reference from OUT/references.json, or None (the clip is read against itself)."""
        if (layout.root, clip_id) in self._run_references:
            return self._run_references[(layout.root, clip_id)]
        path = layout.references
        if not path.is_file():
            return None
        mtime = path.stat().st_mtime
        cached = self._references.get(path.resolve())
        if cached is None or cached[0] != mtime:
            try:
                refs = SpeakerReferences.model_validate_json(path.read_text(encoding="utf-8"))
            except ValueError as e:
                log.warning("ignoring unreadable %s: %s", path, e)
                return None
            self._references[path.resolve()] = (mtime, refs)
            cached = (mtime, refs)
        refs = cached[1]
        speaker = refs.clip_speakers.get(clip_id)
        return refs.speakers.get(speaker) if speaker else None

    def build_evidence(self, layout: OutputLayout, clip_id: str, clues: list[Clue], label_set: LabelSet
                       ) -> EvidenceSummary:
        """The clip's evidence summary against its speaker reference (or itself); written to evidence.json."""
        reference = self._reference_for(layout, clip_id)
        features = self._clip_features(layout, clip_id, clues).model_copy(
            update={"speaker": reference.speaker if reference else None}, deep=True)
        by_kind = {c.kind: c for c in clues}
        evidence = build_evidence(clip_id, features, by_kind, label_set, reference, self.config.evidence,
                                  text=self._text_evidence(by_kind))
        write_model_atomic(layout.evidence(clip_id), evidence)
        return evidence

    def _clip_features(self, layout: OutputLayout, clip_id: str, clues: Sequence[Clue]) -> ClipFeatures:
        """The clip's reference features (no speaker): computed once per set of clues and kept."""
        keys = tuple(c.cache_key or "" for c in clues)
        kept = self._features.get((layout.root, clip_id))
        if kept is None or kept[0] != keys:
            kept = (keys, clip_features(clip_id, clues))
            self._features[(layout.root, clip_id)] = kept
        return kept[1]

    def _text_evidence(self, clues: Mapping[str, Clue]) -> ModalityEvidence | None:
        """The text channel's modality (pipeline/reasoning/text_channel.py) when it is on and words were said."""
        cfg = self.config.evidence
        if cfg.text == "off" or (cfg.text == "auto" and self.reasoner is None) or "speech" not in clues:
            return None
        if getattr(self, "_text_channel", None) is None:
            self._text_channel = TextChannel(self.reasoner or Reasoner(self.config.llm, self.store))
        with self._locks["reason"], cpu_slot(self.llm_threads):  # the LLM is shared and not thread-safe
            return text_modality(self._text_channel, clues, cfg)

    # --- reasoning ----------------------------------------------------------------------------------

    def result_key(self, clues: list[Clue], label_set: LabelSet | None = None, gold_label: str | None = None,
                   evidence: EvidenceSummary | None = None) -> str:
        assert self.reasoner is not None
        return result_key(evidence=evidence, decision=self.config.decision,
                          clue_keys=(c.cache_key or "" for c in clues), template_sha256=self.template.sha256,
                          label_set=label_set or self.label_set, model_sha256=self.reasoner.model.sha256,
                          llm=self.config.llm, gold_label=gold_label)

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
                    detail=c.detail, file=f"clues/{c.extractor.name}.json", cache_key=c.cache_key or "", reused=r)
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

    def _run_clip(self, path: Path, layout: OutputLayout, clip_id: str, computed: Collection[str] = ()) -> Result:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        fresh = self._fresh.pop((layout.root, clip_id), None)  # from run()'s first pass; failed clues too
        info, clues, reused = fresh if fresh is not None else self.extract_clues(path, layout, clip_id)
        reused = [r and c.extractor.name not in computed for c, r in zip(clues, reused, strict=True)]
        timings["clues"] = round(time.perf_counter() - t0, 3)
        for c in clues:
            timings[c.extractor.name] = round(c.timings.get("total", sum(c.timings.values())), 3)
        refs = self._clue_refs(clues, reused)
        label_set, gold_label = self._gold_label_set(clip_id, path)
        t0 = time.perf_counter()
        evidence = self.build_evidence(layout, clip_id, clues, label_set)
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
        with self._locks["reason"], cpu_slot(self.llm_threads):  # heavy stages take turns, machine-wide
            t0 = time.perf_counter()
            load_before = self.reasoner.load_seconds
            prediction, stats, raw, prompt = self.decider.decide(info, clues, label_set, evidence, gold_label)
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

    # --- folders ------------------------------------------------------------------------------------

    def run(self, path: Path, out: Path, recursive: bool = False) -> RunSummary:
        """Run a clip or every media file of a folder (`recursive`: and its subfolders); writes results.jsonl,
        results.csv, summary.json. Holds OUT's run lock throughout. Raises OutputError before any clip runs if
        OUT cannot be used, and RunStoppedError if it cannot be written part way (a full disk): what was
        written stays valid, and a rerun resumes from it."""
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        layout = OutputLayout(out)
        with claim_output(out):
            clips = self.start_run(path, out, recursive)
            results: list[Result] = []
            last_write = [0.0]

            def done_so_far(so_far: list[Result]) -> None:
                # results.jsonl/csv are rewritten whole: at most every RESULTS_EVERY_S seconds, so a long folder
                # costs linear time, not quadratic (finish_run writes the complete files)
                if so_far is not results:
                    results[:] = so_far
                if time.perf_counter() - last_write[0] >= RESULTS_EVERY_S:
                    write_results(layout, so_far)
                    last_write[0] = time.perf_counter()

            try:
                if self.overlap and self.reasoner is not None:
                    results[:] = run_overlapped(self, clips, out, done_so_far)
                else:
                    computed, features = self.extract_all(clips, out)
                    self.prepare_references(clips, out, features)
                    for clip_id, clip_path in clips:
                        results.append(self.run_clip(clip_path, out, clip_id, computed=computed.get(clip_id, ())))
                        done_so_far(results)
                return self.finish_run(path, out, results, started, time.perf_counter() - t0)
            except OutputError as e:
                with contextlib.suppress(OutputError):  # the summary of what finished, if it still fits
                    self.finish_run(path, out, results, started, time.perf_counter() - t0)
                raise RunStoppedError(f"{e}; the run stopped with {len(results)} of {len(clips)} clips done "
                                      f"(rerun into {out} to resume: finished work is reused)") from e

    def extract_all(self, clips: Sequence[tuple[str, Path]], out: Path
                    ) -> tuple[dict[str, list[str]], dict[str, ClipFeatures]]:
        """First pass: every clip's clues (a clip that cannot be decoded is left for `run_clip` to report).
        Returns, per clip, the extractors computed now (not reused), and the clip's features for the speaker
        references (small, unlike the clues)."""
        layout = OutputLayout(out)
        computed: dict[str, list[str]] = {}
        features: dict[str, ClipFeatures] = {}
        for clip_id, clip_path in clips:
            if (done := self.extract_for_run(layout, clip_id, clip_path)) is not None:
                computed[clip_id], features[clip_id] = done
        return computed, features

    def extract_for_run(self, layout: OutputLayout, clip_id: str, clip_path: Path
                        ) -> tuple[list[str], ClipFeatures] | None:
        """One clip of a run's first pass: the extractors computed now (not reused) and its reference features;
        None for a clip that cannot be decoded (`run_clip` reports it)."""
        try:
            info, clues, reused = self.extract_clues(clip_path, layout, clip_id)
            if any(c.status == ClueStatus.failed for c in clues):  # not reusable from disk: keep them
                self._fresh[(layout.root, clip_id)] = (info, clues, reused)
        except OutputError:
            raise
        except EmerError:
            return None
        except Exception:  # noqa: BLE001 - run_clip reports it with the traceback
            log.debug("clues of %s failed in the first pass", clip_path, exc_info=True)
            return None
        return ([c.extractor.name for c, r in zip(clues, reused, strict=True) if not r],
                self._clip_features(layout, clip_id, clues))

    def start_run(self, path: Path, out: Path, recursive: bool = False) -> list[tuple[str, Path]]:
        """The clips of a file or folder (see `list_clips`), after checking that the LLM runs here, recording the
        clips' source files in OUT/clips.json (an id OUT holds for another file is an OutputError) and writing
        OUT/run.json (config, versions, skipped files). With `run_clip` and `finish_run`, this is `run` for
        orchestrators, which hold OUT's lock (`claim_output`) meanwhile."""
        clips, skipped = list_clips(path, recursive)
        if self.reasoner is not None and clips:
            self.reasoner.check_runs()
        layout = OutputLayout(out)
        record_clip_sources(layout, clips)
        write_text_atomic(layout.run_info, run_info(self.config, path, skipped))
        return clips

    def finish_run(self, path: Path, out: Path, results: list[Result], started: datetime,
                   seconds: float) -> RunSummary:
        """Write results.jsonl, results.csv and summary.json (with the reuse counts) for a run's results."""
        layout = OutputLayout(out)
        write_results(layout, results)
        summary = run_summary(self.config, path, out, results, started, seconds)
        write_model_atomic(layout.summary, summary)
        return summary


