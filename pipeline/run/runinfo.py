"""What a run records besides the clips' own files: OUT/run.json (config, package versions, skipped files),
summary.json (a row per clip, the counts), and the note saying why a clip's evidence gave no label."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from emer.pipeline.records.clues import Clue, ClueStatus
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.results import ClipStatus, Result, RunSummary
from emer.pipeline.run.config import RunConfig

PACKAGES = ("emer", "mediapipe", "opencv-contrib-python", "ai-edge-litert", "faster-whisper", "ctranslate2",
            "librosa", "praat-parselmouth", "av", "llama-cpp-python", "numpy", "pydantic", "prefect")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def run_info(config: RunConfig, path: Path, skipped: Iterable[str]) -> str:
    """OUT/run.json's text: the input, the config, the package versions and the files skipped."""
    return json.dumps({"input": str(path), "config": config.model_dump(mode="json"),
                       "packages": package_versions(), "skipped": list(skipped)}, indent=2) + "\n"


def run_summary(config: RunConfig, path: Path, out: Path, results: list[Result], started: datetime,
                seconds: float) -> RunSummary:
    """The run's summary.json: a row per clip and the counts (ok, degraded, failed, reused)."""
    rows = [
        ClipStatus(
            clip_id=r.clip_id, source_path=r.source_path, status=r.status,
            label=r.prediction.label if r.prediction else None,
            confidence=r.prediction.confidence if r.prediction else None, error=r.error, note=r.note,
            warnings=r.clip.warnings if r.clip else [],
            clues={c.extractor: c.status for c in r.clues}, reused_clues=sum(c.reused for c in r.clues),
            reused_result=r.reused, seconds=r.timings.get("total", 0.0),
        )
        for r in results
    ]
    return RunSummary(
        input=str(path), output=str(out), config=config.model_dump(mode="json"),
        packages=package_versions(), clips=rows, ok=sum(r.status == "ok" for r in results),
        degraded=sum(r.status == "degraded" for r in results), failed=sum(r.status == "failed" for r in results),
        reused_clues=sum(r.reused_clues for r in rows), reused_results=sum(r.reused_result for r in rows),
        seconds=round(seconds, 3), started_at=started, finished_at=datetime.now(UTC),
    )


def no_evidence_note(clues: Sequence[Clue], evidence: EvidenceSummary) -> str:
    """Why the evidence gave no label, clue by clue: what is missing or says nothing, and which kinds were not
    chosen (e.g. 'no emotion evidence: face: no face found in 40 sampled frames; speech: no speech ...')."""
    reasons = []
    for clue in clues:
        modality = evidence.modality(clue.kind)
        if clue.status == ClueStatus.failed:
            reasons.append(f"{clue.kind}: its extractor failed")
        elif clue.status != ClueStatus.ok:
            reasons.append(f"{clue.kind}: {clue.detail or clue.status.value}")
        elif modality is not None and modality.weight > 0 and not modality.emotions and modality.observations:
            reasons.append(f"{clue.kind}: {modality.observations[0].text}")
    chosen = {c.kind for c in clues}
    if missing := [k for k in ("face", "speech", "prosody") if k not in chosen]:
        reasons.append(f"no {' or '.join(missing)} extractor chosen")
    return "no emotion evidence: " + ("; ".join(reasons) or "no clue carries an emotion cue")
