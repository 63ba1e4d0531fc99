"""Output files checked against the committed JSON Schemas (schemas/*.schema.json), not against schemas generated
from the pydantic models that wrote them: an output whose shape changed while the committed schema did not fails."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"


@cache
def committed_schema(name: str) -> dict[str, Any]:
    """schemas/NAME.schema.json as committed."""
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate_output(data: Path | dict[str, Any], name: str) -> None:
    """Raise jsonschema.ValidationError unless `data` (a JSON file or its parsed content) fits the committed
    schema NAME; an unknown NAME is a missing file (FileNotFoundError)."""
    if isinstance(data, Path):
        data = json.loads(data.read_text(encoding="utf-8"))
    jsonschema.validate(data, committed_schema(name))
