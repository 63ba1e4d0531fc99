"""Ablations: run one folder under several config variants, evaluate each, compare them in one table.

A variant is a set of config overrides on a base config: `drop` removes extractors by name or clue kind (face,
speech, prosody, scene), `set` changes extractor options, and any run-config key (`llm`, `label_set`, `prompt`,
`decode`, `extractors`) is merged in. Each variant writes a normal run folder OUT/<variant>/ (its own results,
prompts and evaluation), so `emer evaluate` works on any of them.

Variants share extractor work: after each variant its clue files are hard-linked (copied across file systems)
into a pool, OUT/_clue-cache/<clip>/<extractor>/<cache key>.json, and before each variant the clues whose cache
key the variant would compute are linked into its folder, where the core's ordinary reuse check takes them. A
variant's folder holds only the clues of its own extractors.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from emer import extractors
from emer.pipeline import __version__
from emer.pipeline.evaluation.gold import GoldItem
from emer.pipeline.evaluation.judge import Judge
from emer.pipeline.evaluation.metrics import EvaluationReport, evaluate_run, load_results, write_report
from emer.pipeline.inputs.clip import probe_and_hash
from emer.pipeline.records.clues import CLUE_KINDS, Record, load_clue
from emer.pipeline.records.errors import ConfigError, EmerError, InputError
from emer.pipeline.records.results import Result
from emer.pipeline.records.vocab import canonical_label
from emer.pipeline.run.config import RunConfig, load_config, name_list, parse_setting, run_overrides, set_dotted
from emer.pipeline.run.observer import Observer
from emer.pipeline.run.runner import Pipeline, list_clips
from emer.pipeline.store.cached import decode_key
from emer.pipeline.store.io import link_atomic, write_model_atomic, write_text_atomic
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.outputs import OutputLayout

ABLATION_SCHEMA_VERSION = "1.0"
POOL = "_clue-cache"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Variant(Record):
    name: str
    overrides: dict[str, Any] = Field(default_factory=dict, description="run-config keys merged into the base")
    drop: list[str] = Field(default_factory=list, description="extractor names or clue kinds to leave out")
    set: dict[str, dict[str, Any]] = Field(default_factory=dict, description="extractor name -> options")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(f"variant name {name!r}: use letters, digits, '.', '_' or '-' (not starting with them)")
    return name


def variant_from_mapping(name: str, mapping: dict[str, Any] | None) -> Variant:
    """A variant from a YAML mapping: `drop`, `set`, `model` (= llm.model) and any run-config keys, nested or
    dotted (`run_overrides`)."""
    data = dict(mapping or {})
    drop = data.pop("drop", [])
    options = data.pop("set", {})
    model = {"llm.model": data.pop("model")} if "model" in data else {}
    try:
        return Variant(name=_check_name(name), overrides=run_overrides(data, model),
                       drop=[drop] if isinstance(drop, str) else list(drop), set=options)
    except ValidationError as e:
        raise ConfigError(f"variant {name!r}: {e}") from e


def parse_variant(spec: str) -> Variant:
    """`NAME=OPTIONS` from the command line. OPTIONS are `;`-separated KEY=VALUE items: `drop=face,prosody`,
    `extractors=mediapipe-face,opencv-scene`, `model=qwen2.5-0.5b`, `set.faster-whisper.model=whisper-base`, or any
    dotted run-config key (`llm.max_explanation_tokens=64`, `label_set=crema-d`); values are YAML scalars. Empty
    OPTIONS (`all=`) is the base config."""
    name, sep, options = spec.partition("=")
    if not sep:
        raise ConfigError(f"--variant {spec!r}: expected NAME=OPTIONS (e.g. no-face=drop=face)")
    data: dict[str, Any] = {}
    for item in (i.strip() for i in options.split(";")):
        if not item:
            continue
        key, value = parse_setting(item, f"--variant {spec!r}: option")
        if key in {"drop", "extractors"}:
            names = name_list(item.partition("=")[2])
            data[key] = names if key == "drop" else [{"name": n} for n in names]
        elif key.startswith("set."):
            extractor, _, option = key[4:].rpartition(".")
            if not extractor:
                raise ConfigError(f"--variant {spec!r}: expected set.EXTRACTOR.OPTION=VALUE, got {item!r}")
            data.setdefault("set", {}).setdefault(extractor, {})[option] = value
        else:
            set_dotted(data, key, value)
    return variant_from_mapping(name.strip(), data)


def load_variants(path: Path) -> tuple[dict[str, Any], list[Variant]]:
    """A variants file: optional `base` (run-config overrides for every variant) and `variants` (name -> mapping)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read variants: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("variants"), dict) or not data["variants"]:
        raise ConfigError(f"{path}: expected a mapping with `variants: {{NAME: {{...}}, ...}}` (and optional `base`)")
    base = data.get("base") or {}
    if not isinstance(base, dict):
        raise ConfigError(f"{path}: `base` must be a mapping of run-config keys")
    return base, [variant_from_mapping(str(n), m) for n, m in data["variants"].items()]


def variant_config(variant: Variant, base: dict[str, Any] | None = None, config_file: Path | None = None) -> RunConfig:
    """The checked run config of a variant: config file, then base overrides, then the variant's own."""
    options = {"set": variant.set} if variant.set else None
    try:
        config = load_config(config_file, run_overrides(base, variant.overrides, options))
    except ConfigError as e:
        raise ConfigError(f"variant {variant.name!r}: {e}") from e
    chosen = [c for c in config.extractors
              if c.name not in variant.drop and extractors.get(c.name).kind not in variant.drop]
    known = {c.name for c in config.extractors} | set(CLUE_KINDS)
    if unknown := sorted(set(variant.drop) - known):
        raise ConfigError(f"variant {variant.name!r} drops {', '.join(unknown)}: not an extractor of the config "
                          f"nor a clue kind ({', '.join(CLUE_KINDS)})")
    if unset := sorted(set(variant.set) - {c.name for c in chosen}):
        raise ConfigError(f"variant {variant.name!r} sets options of extractors it does not use: {', '.join(unset)}")
    if not chosen:
        raise ConfigError(f"variant {variant.name!r} leaves no extractor")
    try:
        result = RunConfig.model_validate({**config.model_dump(mode="json"),
                                           "extractors": [c.model_dump(mode="json") for c in chosen]})
    except ValidationError as e:
        raise ConfigError(f"variant {variant.name!r}: invalid config: {e}") from e
    result.validate_names()
    return result


# --- clue sharing -----------------------------------------------------------------------------------


def seed_clues(pipeline: Pipeline, clips: Sequence[tuple[str, Path]], out: Path, pool: Path) -> int:
    """Link into `out` every pooled clue this pipeline would compute (same cache key); returns how many."""
    layout, linked = OutputLayout(out), 0
    for clip_id, path in clips:
        sha, _ = probe_and_hash(path)
        info = pool / clip_id / f"clip-{decode_key(pipeline.config.decode)}.json"
        if info.is_file() and not layout.clip_info(clip_id).is_file():
            link_atomic(info, layout.clip_info(clip_id))
        for ex in pipeline.extractors:
            src = pool / clip_id / ex.name / f"{pipeline.clue_key(sha, ex)}.json"
            if src.is_file():
                link_atomic(src, layout.clue(clip_id, ex.name))
                linked += 1
    return linked


def pool_clues(pipeline: Pipeline, clips: Sequence[tuple[str, Path]], out: Path, pool: Path) -> None:
    """Add this run's usable clues (and clip records) to the pool, keyed by their cache key."""
    layout = OutputLayout(out)
    for clip_id, _ in clips:
        if layout.clip_info(clip_id).is_file():
            dst = pool / clip_id / f"clip-{decode_key(pipeline.config.decode)}.json"
            if not dst.is_file():
                link_atomic(layout.clip_info(clip_id), dst)
        for ex in pipeline.extractors:
            path = layout.clue(clip_id, ex.name)
            if not path.is_file():
                continue
            try:
                clue = load_clue(path)
            except (InputError, ValueError):
                continue
            if clue.cache_key and clue.status != "failed":
                dst = pool / clip_id / ex.name / f"{clue.cache_key}.json"
                if not dst.is_file():
                    link_atomic(path, dst)


# --- running and comparing --------------------------------------------------------------------------


class VariantRow(Record):
    variant: str
    status: Literal["ok", "failed"]
    error: str | None = None
    extractors: list[str]
    model: str
    clips: int
    failed_clips: int
    accuracy: float | None = None
    macro_f1: float | None = None
    weighted_f1: float | None = None
    ov_f1: float | None = None
    llm_accuracy: float | None = Field(None, description="accuracy of the LLM's own label (before fusion)")
    evidence_accuracy: float | None = Field(None, description="accuracy of the evidence summary's own label")
    first_problems: int | None = Field(None, description="contradicted or invented claims in the first reasoning "
                                       "attempts, before the self-check")
    contradictions: int | None = Field(None, description="claims the checker found contradicting the clues")
    invented: int | None = Field(None, description="claims about clues that were not measured")
    looping: int | None = Field(None, description="clips whose reasoning loops")
    rewritten: int | None = Field(None, description="clips whose reasoning the self-check had rewritten")
    dropped: int | None = Field(None, description="sentences the self-check dropped")
    truncated: int | None = Field(None, description="clips whose reasoning hit the token cap")
    coherent: float | None = Field(None, description="share of explanations that conclude with the label and name "
                                   "no other emotion as the person's state")
    percent_or_list: int | None = Field(None, description="explanations with a percentage or a list")
    interpretation_errors: int | None = Field(None, description="cue -> emotion readings contradicting the cue "
                                              "tables")
    invented_numbers: int | None = Field(None, description="numbers in explanations that no evidence shows")
    instructions_repeated: int | None = Field(None, description="spoken instructions repeated or taken as evidence")
    judge_score: float | None = Field(None, description="mean 1-10 local judge score against the gold reference "
                                      "explanations (with a judge and references)")
    llm_tokens_per_clip: float | None = Field(None, description="prompt tokens evaluated + tokens generated")
    llm_seconds_per_clip: float | None = Field(None, description="wall time of the LLM stage")
    llama_seconds_per_clip: float | None = Field(None, description="llama.cpp's own decode time")
    clue_seconds_per_clip: float | None = Field(None, description="extractor compute time recorded in the clues")
    reason_seconds_per_clip: float | None = Field(None, description="LLM reasoning and decision time")
    seconds_per_clip: float | None = Field(None, description="clues + reasoning: the cost of the variant from scratch")
    wall_seconds: float = Field(description="this ablation run of the variant, reuse and model loading included")


class AblationReport(Record):
    record: Literal["ablation"] = "ablation"
    schema_version: Literal["1.0"] = ABLATION_SCHEMA_VERSION
    emer_version: str = __version__
    input: str
    output: str
    gold: str
    variants: list[Variant]
    rows: list[VariantRow]
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _side_accuracy(preds: Sequence[tuple[str, Any]], gold: dict[str, str], side: str) -> float | None:
    """Accuracy of one side's label (the LLM's or the evidence's) over the clips that have gold and that label."""
    pairs = [(gold[cid], getattr(p, side)) for cid, p in preds if cid in gold and getattr(p, side)]
    if not pairs:
        return None
    return round(sum(canonical_label(lab) == g for g, lab in pairs) / len(pairs), 4)


def variant_row(variant: Variant, config: RunConfig, results: Sequence[Result], report: EvaluationReport,
                wall: float, gold_labels: dict[str, str] | None = None) -> VariantRow:
    """One table row: the variant's metrics and its seconds per clip."""
    ok = [r for r in results if r.status == "ok"]
    clue_s = [sum(r.timings.get(c.extractor, 0.0) for c in r.clues) for r in ok]
    reason_s = [r.timings.get("reason", 0.0) for r in ok]
    c = report.classification
    preds = [(r.clip_id, r.prediction) for r in ok if r.prediction is not None]
    gold_labels = gold_labels or {}
    checks = [p.check for _, p in preds if p.check is not None]
    reasoned = [p for _, p in preds if p.reasoning]
    quality = [p.quality for p in reasoned if p.quality is not None]
    gen = [r.generation for r in ok if r.generation is not None and r.generation.llm_seconds]
    return VariantRow(
        variant=variant.name, status="ok", extractors=[e.name for e in config.extractors],
        model=config.llm.model if config.reason else "-", clips=len(results),
        failed_clips=sum(r.status != "ok" for r in results),
        accuracy=c.accuracy if c else None, macro_f1=c.macro_f1 if c else None,
        weighted_f1=c.weighted_f1 if c else None, ov_f1=report.open_vocab.f1 if report.open_vocab else None,
        llm_accuracy=_side_accuracy(preds, gold_labels, "llm_label"),
        evidence_accuracy=_side_accuracy(preds, gold_labels, "evidence_label"),
        first_problems=sum(p.first_problems for p in reasoned) if reasoned else None,
        contradictions=sum(k.contradictions for k in checks) if checks else None,
        invented=sum(k.invented for k in checks) if checks else None,
        looping=sum(k.looping for k in checks) if checks else None,
        rewritten=sum(p.reasoning_attempts > 1 for p in reasoned) if reasoned else None,
        dropped=sum(p.dropped_sentences for p in reasoned) if reasoned else None,
        truncated=sum(p.reasoning_truncated for p in reasoned) if reasoned else None,
        coherent=round(sum(q.coherent for q in quality) / len(quality), 3) if quality else None,
        percent_or_list=sum(bool(q.percentages or q.lists) for q in quality) if quality else None,
        interpretation_errors=sum(q.interpretation_errors for q in quality) if quality else None,
        invented_numbers=sum(q.invented_numbers for q in quality) if quality else None,
        instructions_repeated=sum(q.instructions_repeated for q in quality) if quality else None,
        judge_score=report.reference.judge_mean if report.reference is not None else None,
        llm_tokens_per_clip=_mean([g.evaluated_tokens + g.generated_tokens for g in gen]),
        llm_seconds_per_clip=_mean([g.llm_seconds for g in gen]),
        llama_seconds_per_clip=_mean([g.llama_seconds for g in gen]),
        clue_seconds_per_clip=_mean(clue_s), reason_seconds_per_clip=_mean(reason_s),
        seconds_per_clip=_mean([a + b for a, b in zip(clue_s, reason_s, strict=True)]), wall_seconds=round(wall, 2),
    )


def run_ablation(folder: Path, out: Path, variants: Sequence[Variant], gold: dict[str, GoldItem], gold_name: str, *,
                 base: dict[str, Any] | None = None, config_file: Path | None = None, ov_from_label: bool = False,
                 observers: Callable[[Variant, int], Sequence[Observer]] | None = None,
                 judge: Judge | None = None) -> AblationReport:
    """Run every variant on `folder` into OUT/<variant>/, sharing clues, evaluate each against `gold`, and return
    the comparison. Every variant's config is checked before the first clip runs; a variant that fails at run
    time is a failed row, and the others go on."""
    names = [v.name for v in variants]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise ConfigError(f"variant names repeat: {', '.join(dupes)}")
    if not variants:
        raise ConfigError("no variants to run")
    configs = [variant_config(v, base, config_file) for v in variants]
    clips, _ = list_clips(folder)
    out, pool = Path(out), Path(out) / POOL
    store = ModelStore(paths={k: Path(v) for k, v in configs[0].model_paths.items()})
    rows = []
    for variant, config in zip(variants, configs, strict=True):
        vout = out / variant.name
        start = time.perf_counter()
        try:
            pipeline = Pipeline(config, store=store, observers=observers(variant, len(clips)) if observers else ())
            seed_clues(pipeline, clips, vout, pool)
            pipeline.run(folder, vout)
            pool_clues(pipeline, clips, vout, pool)
            report = evaluate_run(vout, gold, gold_name, ov_from_label=ov_from_label, embed=False, judge=judge)
            write_report(vout, report)
            rows.append(variant_row(variant, config, load_results(vout), report, time.perf_counter() - start,
                                    {cid: g.label for cid, g in gold.items() if g.label}))
        except EmerError as e:
            rows.append(VariantRow(variant=variant.name, status="failed", error=str(e),
                                   extractors=[x.name for x in config.extractors], model=config.llm.model,
                                   clips=len(clips), failed_clips=len(clips),
                                   wall_seconds=round(time.perf_counter() - start, 2)))
    return AblationReport(input=str(folder), output=str(out), gold=gold_name, variants=list(variants), rows=rows)


# --- writing ----------------------------------------------------------------------------------------

SCORES = ("accuracy", "macro_f1", "weighted_f1", "ov_f1", "llm_accuracy", "evidence_accuracy")
EXPLANATION = ("coherent", "percent_or_list", "interpretation_errors", "invented_numbers", "instructions_repeated",
               "judge_score")
METRICS = (*SCORES, "first_problems", "contradictions", "invented", "looping", "rewritten", "dropped", "truncated",
           *EXPLANATION)
COLUMNS = ("variant", "status", *METRICS, "seconds_per_clip", "clue_seconds_per_clip", "reason_seconds_per_clip",
           "llm_seconds_per_clip", "llama_seconds_per_clip", "llm_tokens_per_clip",
           "wall_seconds", "clips", "failed_clips", "model", "extractors", "error")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return "+".join(value)
    return str(value)


def table_rows(report: AblationReport) -> list[dict[str, str]]:
    """The comparison as rows of text cells (one per variant), in COLUMNS order."""
    return [{col: _cell(getattr(row, col)) for col in COLUMNS} for row in report.rows]


def format_markdown(report: AblationReport) -> str:
    """The comparison table in Markdown (metric columns with no value anywhere are left out)."""
    rows = table_rows(report)
    cols = [c for c in COLUMNS if c not in ("error", "status") and any(r[c] for r in rows)]
    lines = [f"Ablation of {report.input} (gold: {report.gold})", "",
             "| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    failed = [r for r in report.rows if r.status == "failed"]
    lines += [""] + [f"- {r.variant} failed: {r.error}" for r in failed] if failed else []
    return "\n".join(lines) + "\n"


def plot(report: AblationReport, path: Path) -> Path:
    """Bar charts of the metrics and the seconds per clip of each variant, as a PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report.rows
    names = [r.variant for r in rows]
    metrics = [m for m in SCORES if any(getattr(r, m) is not None for r in rows)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(8.0, 1.6 * len(rows) + 4), 4.2),
                                      gridspec_kw={"width_ratios": [2, 1]})
    width = 0.8 / max(len(metrics), 1)
    for i, m in enumerate(metrics):
        xs = [j + (i - (len(metrics) - 1) / 2) * width for j in range(len(rows))]
        left.bar(xs, [getattr(r, m) or 0.0 for r in rows], width, label=m.replace("_", "-"))
    left.set_xticks(range(len(rows)), names, rotation=20, ha="right")
    left.set_ylim(0, 1)
    left.set_ylabel("score")
    left.set_title("metrics per variant")
    if metrics:
        left.legend(fontsize=8)
    clue = [r.clue_seconds_per_clip or 0.0 for r in rows]
    reason = [r.reason_seconds_per_clip or 0.0 for r in rows]
    right.bar(names, clue, label="clues")
    right.bar(names, reason, bottom=clue, label="reasoning")
    right.set_ylabel("seconds per clip")
    right.set_title("cost per clip")
    right.tick_params(axis="x", rotation=20)
    right.legend(fontsize=8)
    fig.suptitle(f"ablation: {Path(report.input).name} (gold: {Path(report.gold).name})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_ablation(out: Path, report: AblationReport) -> dict[str, Path]:
    """Write OUT/ablation.json, .csv, .md and .png; returns their paths by format."""
    out = Path(out)
    paths = {fmt: out / f"ablation.{fmt}" for fmt in ("json", "csv", "md", "png")}
    write_model_atomic(paths["json"], report)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(table_rows(report))
    write_text_atomic(paths["csv"], buf.getvalue())
    write_text_atomic(paths["md"], format_markdown(report))
    plot(report, paths["png"])
    return paths
