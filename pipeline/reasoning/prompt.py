"""Prompt templates and label sets from `prompts/`, rendered strictly (a missing variable is an error).

A template folder can come from a user or a request (`prompt:` in a run config), so templates are untrusted
code: they render in Jinja's immutable sandbox (no attribute starting with `_`, no method that changes a
list or dict, no `str.format` escape), and a template that reaches for such an attribute by name, or includes,
imports or extends another file, is refused when it is loaded. The transcript reaches the prompt with the
sentences addressed to a model removed (pipeline/reasoning/cues.py `plain_cues`, pipeline/evidence/injection.py).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import Field

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.vocab import LabelSet, prompts_root

TEMPLATE_PARTS = ("system", "decision")
# Parts a template folder may leave out: it then uses the default template's.
EXPLAIN_PARTS = ("task", "cues", "explain", "rewrite")


def template_names() -> list[str]:
    """Names of the prompt templates shipped in prompts/templates."""
    return sorted(p.name for p in (prompts_root() / "templates").iterdir() if p.is_dir())


class PromptTemplate(Record):
    """The parts of a prompt as Jinja2 sources: system and task (the fixed instructions and label list), cues (the
    clip's cues in plain words), decision (the label question), explain (the request to explain the decided
    label) and rewrite (the checker's problems as feedback, `self_check: rewrite`)."""

    name: str
    system: str
    decision: str
    task: str = Field("", description="the fixed instructions and label list (task.j2)")
    cues: str = Field("", description="the clip's cues in plain words (cues.j2)")
    explain: str = Field("", description="the request to explain the decided label (explain.j2)")
    rewrite: str = Field("", description="the request to rewrite an explanation with problems (rewrite.j2)")

    @property
    def sha256(self) -> str:
        text = "\0".join(getattr(self, part) for part in (*TEMPLATE_PARTS, *EXPLAIN_PARTS))
        return hashlib.sha256(text.encode()).hexdigest()


@cache
def load_template(name_or_dir: str) -> PromptTemplate:
    """A shipped template by name, or a folder holding system.j2 and decision.j2 (and any of task.j2, cues.j2,
    explain.j2, rewrite.j2; the default template's for those it lacks)."""
    folder = Path(name_or_dir)
    if not folder.is_dir():
        folder = prompts_root() / "templates" / name_or_dir
    if not folder.is_dir():
        raise ConfigError(f"unknown prompt template {name_or_dir!r}; available: {', '.join(template_names())}")
    parts = {}
    for part in TEMPLATE_PARTS:
        f = folder / f"{part}.j2"
        if not f.is_file():
            raise ConfigError(f"prompt template {folder}: missing {part}.j2")
        parts[part] = f.read_text(encoding="utf-8")
    default = prompts_root() / "templates" / "default"
    for part in EXPLAIN_PARTS:
        f = folder / f"{part}.j2" if (folder / f"{part}.j2").is_file() else default / f"{part}.j2"
        parts[part] = f.read_text(encoding="utf-8")
    template = PromptTemplate(name=folder.name, **parts)
    for part in (*TEMPLATE_PARTS, *EXPLAIN_PARTS):  # fail at load time, not on the first clip
        try:
            tree = _env().parse(getattr(template, part))
        except jinja2.TemplateSyntaxError as e:
            raise ConfigError(f"prompt template {folder}/{part}.j2 line {e.lineno}: {e.message}") from e
        if problem := _unsafe_node(tree):
            raise ConfigError(f"prompt template {folder}/{part}.j2 line {problem[0]}: {problem[1]}; templates "
                              "render in a sandbox and may only read the variables they are given")
    return template


def _unsafe_node(tree: nodes.Template) -> tuple[int, str] | None:
    """The first construct of a template the sandbox would refuse or that reaches outside the template: an
    attribute or key starting with `_` named in the source, or an include / import / extends."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Include, nodes.Import, nodes.FromImport,
                               nodes.Extends)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            return node.lineno, f"access to the attribute {node.attr!r} is not allowed"
        if (isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str)
                and node.arg.value.startswith("_")):
            return node.lineno, f"access to the key {node.arg.value!r} is not allowed"
        if isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            return node.lineno, f"{type(node).__name__.lower()} is not supported (a template is self-contained)"
    return None


@cache
def _env() -> jinja2.Environment:
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                                        autoescape=False)
    # A quoted string literal (quotes and newlines escaped) that keeps apostrophes and non-ASCII text readable.
    env.filters["quote"] = lambda text: json.dumps(text, ensure_ascii=False)
    return env


class RenderedPrompt(Record):
    template: str
    template_sha256: str
    system: str
    user: str
    decision: str
    explain: str = Field("", description="the request to explain the decided label")
    context: dict[str, Any] = Field(default_factory=dict, exclude=True, description="the render variables")

    def as_text(self) -> str:
        """The whole prompt as saved in prompt.txt."""
        text = f"[system]\n{self.system}\n\n[user]\n{self.user}\n\n[decision]\n{self.decision}\n"
        return text + (f"\n[explain]\n{self.explain}\n" if self.explain else "")


def _render(template: PromptTemplate, part: str, context: dict[str, Any]) -> str:
    try:
        return _env().from_string(getattr(template, part)).render(**context).strip()
    except jinja2.UndefinedError as e:
        raise ConfigError(f"prompt template {template.name!r}, {part}.j2: {e.message}") from e
    except jinja2.exceptions.SecurityError as e:
        raise ConfigError(f"prompt template {template.name!r}, {part}.j2: refused by the sandbox: {e}") from e


def render_cues_prompt(template: PromptTemplate, clip: ClipInfo | None, plain: Any, label_set: LabelSet,
                       labels: list[str], max_sentences: int = 5) -> RenderedPrompt:
    """The clip's prompt: system = system.j2 and task.j2 (fixed for a run: instructions, label list),
    user = cues.j2 (the clip's cues in plain words, `plain`: a PlainCues, or None for the content-free input the
    label scores are calibrated on), decision = decision.j2."""
    context = {
        "clip": clip.model_dump(mode="json") if clip else {"duration_s": 0.0, "video": None, "audio": None},
        "cues": plain.model_dump(mode="json") if plain is not None else None,
        "labels": list(labels), "label_set_name": label_set.name, "max_sentences": max_sentences,
        "gold_label": None, "evidence": None, "clues": {},
    }
    system = _render(template, "system", context) + "\n\n" + _render(template, "task", context)
    return RenderedPrompt(template=template.name, template_sha256=template.sha256, system=system.strip(),
                          user=_render(template, "cues", context), decision=_render(template, "decision", context),
                          context=context)


def render_explain_request(template: PromptTemplate, prompt: RenderedPrompt, label: str, decided_by: str,
                           leans: dict[str, str], gold: bool = False) -> str:
    """The request to explain `label` (explain.j2): how it was decided and what each channel pointed to, so the
    explanation can say which channel was trusted where they disagree."""
    names = {"face": "the face", "prosody": "the voice", "speech": "the words"}
    disagree = [f"{names[k]} points more to {e}" for k, e in sorted(leans.items()) if k in names and e != label]
    return _render(template, "explain", {**prompt.context, "label": label, "decided_by": decided_by,
                                         "disagree": disagree, "gold": gold})


def render_rewrite_request(template: PromptTemplate, problems: list[str], label: str) -> str:
    """The request to rewrite an explanation (rewrite.j2), with the checker's `problems` as feedback."""
    return _render(template, "rewrite", {"problems": problems, "label": label})
