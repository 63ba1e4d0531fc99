"""Ablations: run one folder under several config variants, evaluate each, compare them in one table.

A variant (pipeline/evaluation/variants.py) is a set of config overrides on a base config. Each variant writes a
normal run folder OUT/<variant>/ (its own results, prompts and evaluation), so `emer evaluate` works on any of them.

Variants share extractor work: after each variant its clue files are hard-linked (copied across file systems)
into a pool, OUT/_clue-cache/<clip>/<extractor>/<cache key>.json, and before each variant the clues whose cache
key the variant would compute are linked into its folder, where the core's ordinary reuse check takes them. A
variant's folder holds only the clues of its own extractors.

The comparison's rows, report and table files are pipeline/evaluation/ablation_table.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from emer.pipeline.evaluation.ablation_table import (
    AblationReport,
    VariantRow,
    variant_row,
)
from emer.pipeline.evaluation.gold import GoldItem
from emer.pipeline.evaluation.judge import Judge
from emer.pipeline.evaluation.metrics import evaluate_run, load_results, write_report
from emer.pipeline.evaluation.variants import Variant, variant_config
from emer.pipeline.inputs.clip import probe_and_hash
from emer.pipeline.inputs.listing import list_clips
from emer.pipeline.records.errors import ConfigError, EmerError, InputError
from emer.pipeline.run.observer import Observer
from emer.pipeline.run.runner import Pipeline
from emer.pipeline.store.cached import decode_key
from emer.pipeline.store.io import link_atomic, load_clue
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.outputs import OutputLayout

POOL = "_clue-cache"


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
            src = pool / clip_id / ex.name / f"{pipeline.extraction.clue_key(sha, ex)}.json"
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
            except InputError:
                continue
            if clue.cache_key and clue.status != "failed":
                dst = pool / clip_id / ex.name / f"{clue.cache_key}.json"
                if not dst.is_file():
                    link_atomic(path, dst)


# --- running ----------------------------------------------------------------------------------------


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
