"""The speaker references of a run and each clip's evidence summary read against its speaker's reference.

A clip's reference features (pipeline/evidence/references.py `clip_features`) are computed once per set of
clues and kept: the references and the clip's evidence read the same features. OUT/references.json is the
record every run loop writes (`prepare_references`) and each clip's evidence reads; the overlapped loop reads a
clip against its speaker's reference before that file exists (`use_reference`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence

from emer.pipeline.evidence.references import (
    ClipFeatures,
    Reference,
    SpeakerReferences,
    build_references,
    clip_features,
)
from emer.pipeline.evidence.speakers import assign_speakers
from emer.pipeline.evidence.summary import build_evidence
from emer.pipeline.reasoning.reasoner import Reasoner
from emer.pipeline.reasoning.text_channel import TextChannel, text_modality
from emer.pipeline.records.clues import Clue
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.evidence import EvidenceSummary, ModalityEvidence
from emer.pipeline.records.vocab import LabelSet
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.threads import cpu_slot
from emer.pipeline.store.io import load_clue, read_record, sha256_json, write_model_atomic
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.outputs import OutputLayout

log = logging.getLogger(__name__)


class ClipEvidence:
    """References and evidence for the clips of one run config. `reason_lock` guards the LLM, which the text
    channel shares with the reasoning (it is not thread-safe)."""

    def __init__(self, config: RunConfig, extractors: Sequence[str], reasoner: Reasoner | None, store: ModelStore,
                 reason_lock: threading.Lock, llm_threads: int) -> None:
        self.config = config
        self._extractors = list(extractors)
        self._reasoner = reasoner
        self._store = store
        self._reason_lock = reason_lock
        self._llm_threads = llm_threads
        self._text_channel: TextChannel | None = None
        self._files: dict[str, tuple[float, SpeakerReferences]] = {}  # references.json by path, with its mtime
        self._in_use: dict[tuple[str, str], Reference | None] = {}  # (OUT, clip id) -> reference, before the file
        self._features: dict[tuple[str, str], tuple[tuple[str, ...], ClipFeatures]] = {}

    # --- speaker references -------------------------------------------------------------------------

    def clues_on_disk(self, layout: OutputLayout, clip_id: str) -> list[Clue]:
        """The clip's clues of this run's extractors as written under OUT (in the run's extractor order)."""
        out = []
        for name in self._extractors:
            path = layout.clue(clip_id, name)
            if path.is_file():
                try:
                    out.append(load_clue(path))
                except InputError as e:  # the clip's features are then read from the clues that do read
                    log.warning("ignoring unreadable clue: %s", e)
        return out

    def features(self, layout: OutputLayout, clip_id: str, clues: Sequence[Clue] | None = None) -> ClipFeatures:
        """The clip's reference features (no speaker) from `clues` (else its clues on disk): computed once per set
        of clues and kept."""
        if clues is None:
            clues = self.clues_on_disk(layout, clip_id)
        keys = tuple(c.cache_key or "" for c in clues)
        kept = self._features.get((str(layout.root), clip_id))
        if kept is None or kept[0] != keys:
            kept = (keys, clip_features(clip_id, clues))
            self._features[(str(layout.root), clip_id)] = kept
        return kept[1]

    def speaker_features(self, layout: OutputLayout, clip_ids: Sequence[str], speakers: Mapping[str, str | None],
                         known: Mapping[str, ClipFeatures]) -> list[ClipFeatures]:
        """Each clip's reference features with its speaker: as computed when its clues were made (`known`), else
        from its clues on disk."""
        return [(known[cid] if cid in known else self.features(layout, cid)).model_copy(
            update={"speaker": speakers[cid]}) for cid in clip_ids]

    def speaker_reference(self, layout: OutputLayout, speaker: str, clip_ids: Sequence[str],
                          known: Mapping[str, ClipFeatures]) -> Reference | None:
        """One speaker's reference from all of that speaker's clips (`clip_ids`), or None if too few."""
        group = self.speaker_features(layout, clip_ids, dict.fromkeys(clip_ids, speaker), known)
        return build_references(group, self.config.evidence.min_speaker_clips).get(speaker)

    def prepare_references(self, layout: OutputLayout, clip_ids: Sequence[str],
                           known: Mapping[str, ClipFeatures] | None = None) -> SpeakerReferences:
        """Speaker references from a run's clip features (`known`, else the clues on disk), written to
        OUT/references.json, which each clip's evidence then reads."""
        cfg = self.config.evidence
        speakers = assign_speakers(list(clip_ids), cfg.speakers)
        features = self.speaker_features(layout, clip_ids, speakers, known or {})
        refs = SpeakerReferences(
            source=cfg.speakers, min_speaker_clips=cfg.min_speaker_clips,
            speakers=build_references(features, cfg.min_speaker_clips), clip_speakers=speakers,
            features_key=sha256_json([f.model_dump(mode="json") for f in features]),
        )
        write_model_atomic(layout.references, refs)
        self._files[str(layout.references.resolve())] = (layout.references.stat().st_mtime, refs)
        return refs

    def use_reference(self, layout: OutputLayout, clip_id: str, reference: Reference | None) -> None:
        """Read the clip against `reference` until `clear_references`, whatever OUT/references.json holds."""
        self._in_use[(str(layout.root), clip_id)] = reference

    def clear_references(self, layout: OutputLayout) -> None:
        """Every clip of OUT back to OUT/references.json."""
        for key in [k for k in self._in_use if k[0] == str(layout.root)]:
            del self._in_use[key]

    def reference_for(self, layout: OutputLayout, clip_id: str) -> Reference | None:
        """The clip's speaker reference (`use_reference`, else OUT/references.json), or None: the clip is read
        against itself."""
        if (str(layout.root), clip_id) in self._in_use:
            return self._in_use[(str(layout.root), clip_id)]
        path = layout.references
        if not path.is_file():
            return None
        mtime = path.stat().st_mtime
        cached = self._files.get(str(path.resolve()))
        if cached is None or cached[0] != mtime:
            try:
                refs = read_record(path, SpeakerReferences, "speaker reference file")
            except InputError as e:  # tolerated: the clip is read against itself, the run goes on
                log.warning("ignoring unreadable speaker references: %s", e)
                return None
            cached = (mtime, refs)
            self._files[str(path.resolve())] = cached
        speaker = cached[1].clip_speakers.get(clip_id)
        return cached[1].speakers.get(speaker) if speaker else None

    # --- evidence -----------------------------------------------------------------------------------

    def build(self, layout: OutputLayout, clip_id: str, clues: list[Clue], label_set: LabelSet) -> EvidenceSummary:
        """The clip's evidence summary against its speaker reference (or itself); written to evidence.json."""
        reference = self.reference_for(layout, clip_id)
        features = self.features(layout, clip_id, clues).model_copy(
            update={"speaker": reference.speaker if reference else None}, deep=True)
        by_kind = {c.kind: c for c in clues}
        evidence = build_evidence(clip_id, features, by_kind, label_set, reference, self.config.evidence,
                                  text=self._text_evidence(by_kind))
        write_model_atomic(layout.evidence(clip_id), evidence)
        return evidence

    def _text_evidence(self, clues: Mapping[str, Clue]) -> ModalityEvidence | None:
        """The text channel's modality (pipeline/reasoning/text_channel.py) when it is on and words were said."""
        cfg = self.config.evidence
        if cfg.text == "off" or (cfg.text == "auto" and self._reasoner is None) or "speech" not in clues:
            return None
        if self._text_channel is None:
            self._text_channel = TextChannel(self._reasoner or Reasoner(self.config.llm, self._store))
        with self._reason_lock, cpu_slot(self._llm_threads):  # the LLM is shared and not thread-safe
            return text_modality(self._text_channel, clues, self.config.evidence)
