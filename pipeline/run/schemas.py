"""JSON Schemas of every file emer writes, generated from the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from emer.pipeline.evaluation.ablation_table import AblationReport
from emer.pipeline.evaluation.agreement import AgreementReport
from emer.pipeline.evaluation.metrics import EvaluationReport
from emer.pipeline.evaluation.review import ReviewGold
from emer.pipeline.evidence.references import SpeakerReferences
from emer.pipeline.reasoning.reasoner import RawExchange
from emer.pipeline.records.clues import CLUE_MODELS
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.store.io import write_text_atomic
from emer.pipeline.store.outputs import ClipIndex

SCHEMAS: dict[str, type[BaseModel]] = {
    **{f"clue-{kind}": model for kind, model in CLUE_MODELS.items()},
    "clip": ClipInfo,
    "clips": ClipIndex,
    "evidence": EvidenceSummary,
    "references": SpeakerReferences,
    "response": RawExchange,
    "result": Result,
    "run-summary": RunSummary,
    "evaluation": EvaluationReport,
    "ablation": AblationReport,
    "review-gold": ReviewGold,
    "agreement": AgreementReport,
}


def schema_json(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write <name>.schema.json for every output model; returns the paths."""
    paths = []
    for name, model in SCHEMAS.items():
        path = Path(folder) / f"{name}.schema.json"
        write_text_atomic(path, schema_json(model))
        paths.append(path)
    return paths
