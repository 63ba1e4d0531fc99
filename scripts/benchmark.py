"""Benchmark: the whole pipeline on the sample clips, stage by stage, against a previous version in the same run.

Each version runs in its own child process (so model loads, peak RSS and cold starts are its own) on the same
clips into a fresh output folder: this tree, and a git revision (default: the merge-base with main) checked out
into a temporary `git worktree` and run with the same venv. Runs are interleaved (baseline, current, baseline,
current, ... with --repeats). Prints a table of seconds per clip and real-time factor per stage (decode, each
extractor, evidence, each LLM pass, the rest: hashing, writing, references), end-to-end seconds per clip, the
speed-up, peak RSS and accuracy on the clips' labels, then one line `end-to-end: <seconds> s per clip`. Also times
a second run of the current tree into the same folder with a changed LLM setting (only the LLM stage runs):
seconds from process start to the first LLM pass. Not a test: it measures and prints.

    python scripts/benchmark.py [--baseline REV | --no-baseline] [--model qwen2.5-1.5b] [--clips FOLDER]
                                [--repeats 1] [--out out/bench]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIP_STAGES = ("decode", "evidence")
OVERLAP = "overlap (extraction while the LLM reasons)"


def child(args: argparse.Namespace) -> None:
    """One run of the tree on sys.path (the parent sets PYTHONPATH): writes the measurements as JSON."""
    import importlib
    import importlib.util
    import resource

    prefix = os.environ.get("EMER_BENCH_PREFIX", "emer.")
    # trees before the regroup by role kept these modules at pipeline/ top level
    grouped = importlib.util.find_spec(f"{prefix}pipeline.run") is not None
    load_config = importlib.import_module(f"{prefix}pipeline.{'run.' if grouped else ''}config").load_config
    runner = importlib.import_module(f"{prefix}pipeline.{'run.' if grouped else ''}runner")
    Pipeline = runner.Pipeline  # noqa: N806 - the class, named as in the runner
    # the observer base class moved out of the runner into run/observer.py
    observer = f"{prefix}pipeline.run.observer"
    home = importlib.import_module(observer) if grouped and importlib.util.find_spec(observer) else runner
    Observer = home.Observer  # noqa: N806 - the class, named as in the runner

    spawned = float(os.environ.get("EMER_BENCH_SPAWNED", time.time()))
    imported = time.time() - spawned  # interpreter start and the pipeline's imports
    stages: dict[str, dict[str, float]] = {}
    first_reason: list[float] = []
    first_evidence: list[float] = []  # the text channel's LLM reading happens here

    class Stages(Observer):
        def on_stage(self, clip_id: str, stage: str, seconds: float, reused: bool) -> None:
            if stage == "reason" and not first_reason and not reused:
                first_reason.append(time.time() - seconds - spawned)
            if stage == "evidence" and not first_evidence and not reused:
                first_evidence.append(time.time() - seconds - spawned)
            if not reused:
                stages.setdefault(clip_id, {})[stage] = seconds

    overrides = {"llm": {"model": args.model}, "label_set": args.labels, **json.loads(args.overrides)}
    config = load_config(overrides=overrides)
    t = time.perf_counter()
    summary = Pipeline(config, observers=[Stages()]).run(Path(args.clips), Path(args.out))
    wall = time.perf_counter() - t
    clips = []
    for row in summary.clips:
        result = json.loads((Path(args.out) / row.clip_id / "result.json").read_text())
        info = result.get("clip") or {}
        gen = result.get("generation") or {}
        clips.append({"clip": row.clip_id, "label": row.label, "duration_s": info.get("duration_s") or 0.0,
                      "timings": result.get("timings", {}), "observed": stages.get(row.clip_id, {}),
                      "llm_passes": {k.removesuffix("_seconds"): v for k, v in gen.items()
                                     if k.endswith("_seconds") and isinstance(v, int | float)},
                      "passes": gen.get("passes") or [],
                      "tokens": {k: v for k, v in gen.items() if k.endswith("_tokens") and isinstance(v, int)}})
    Path(args.json).write_text(json.dumps({
        "wall_s": wall, "startup_s": time.time() - spawned - wall, "import_s": imported,
        "model_load_s": sum(c["timings"].get("model_load", 0.0) for c in clips), "first_llm_pass_s": first_reason[0]
        if first_reason else None, "first_evidence_s": first_evidence[0] if first_evidence else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "extractors": [c.name for c in config.extractors], "clips": clips}))


def run_child(tree: Path, clips: Path, out: Path, args: argparse.Namespace, overrides: dict | None = None,
              fresh: bool = True) -> dict:
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = out.parent / f"{out.name}.json"
    prefix, path = importable(tree, out.parent / f"{out.name}-import")
    env = {**os.environ, "PYTHONPATH": path, "EMER_BENCH_PREFIX": prefix, "EMER_BENCH_SPAWNED": repr(time.time())}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--clips", str(clips), "--out",
                    str(out), "--json", str(result), "--model", args.model, "--labels", args.labels,
                    "--overrides", json.dumps(overrides or {})], cwd=tree, env=env, check=True)
    return json.loads(result.read_text())


def importable(tree: Path, folder: Path) -> tuple[str, str]:
    """Makes `tree` importable as it installs, with its own entry points: returns (module prefix, PYTHONPATH).

    Trees from before the single `emer` namespace import as `pipeline.*` straight from the tree; later ones map
    their folders under `emer.` (pyproject's package-dir), here by symlinks. A dist-info carrying the tree's own
    entry points comes first on the path, so the extractors and commands are the tree's, not the installed ones.
    """
    project = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))
    shutil.rmtree(folder, ignore_errors=True)
    package_dir = project["tool"]["setuptools"].get("package-dir", {})
    for name, source in package_dir.items():
        link = folder.joinpath(*name.split("."))
        link.parent.mkdir(parents=True, exist_ok=True)
        (link.parent / "__init__.py").touch()
        link.symlink_to(tree / source)
    info = folder / f"{project['project']['name']}-{project['project']['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['project']['name']}\n"
                                   f"Version: {project['project']['version']}\n")
    groups = {"console_scripts": project["project"].get("scripts", {}), **project["project"].get("entry-points", {})}
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in table.items()) + "\n" for group, table in groups.items()))
    return ("emer." if package_dir else ""), os.pathsep.join([str(folder), str(tree)])


@contextlib.contextmanager
def worktree(rev: str):
    """A temporary checkout of `rev` (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="emer-bench-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder / "tree"), rev],
                   check=True)
    try:
        yield folder / "tree"
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder / "tree")], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def per_stage(run: dict) -> tuple[dict[str, float], float]:
    """Mean seconds per clip of each stage, and the mean clip duration."""
    clips = run["clips"]
    n = max(1, len(clips))
    stages: dict[str, float] = {}
    for c in clips:
        t, o = c["timings"], c["observed"]
        rows = {"decode": o.get("decode", 0.0)}
        rows.update({f"clue: {x}": t.get(x, 0.0) for x in run["extractors"]})
        rows["evidence (with the text channel's LLM reading)"] = t.get("evidence", 0.0)
        rows["LLM load"] = t.get("model_load", 0.0)
        if c.get("passes"):  # one record per llama.cpp pass (decide-then-explain)
            passes: dict[str, float] = {}
            for p in c["passes"]:
                passes[p["name"]] = passes.get(p["name"], 0.0) + p["seconds"]
        else:  # older versions: the generation's *_seconds fields
            passes = {k: v for k, v in c["llm_passes"].items() if k not in ("llm", "llama")}
            parts = sum(v for k, v in passes.items() if k not in ("decision", "reasoning"))
            if "decision" in passes and parts and abs(passes["decision"] - parts) < 0.01:
                del passes["decision"]  # the sum of the scoring and words passes, not a pass of its own
        rows.update({f"LLM: {k}": v for k, v in passes.items()})
        llm_total = t.get("reason", 0.0) - t.get("model_load", 0.0)
        rows["LLM: other (prompt, checks, calibration)"] = max(0.0, llm_total - sum(passes.values()))
        for k, v in rows.items():
            stages[k] = stages.get(k, 0.0) + v / n
    wall = run["wall_s"] / n
    left = wall - sum(stages.values())
    stages["rest (hash, write, references)"] = max(0.0, left)
    # extraction of the next clips runs while the LLM reasons, so the stages can sum to more than the wall time
    stages[OVERLAP] = min(0.0, left)
    return stages, sum(c["duration_s"] for c in clips) / n


def accuracy(run: dict, dataset: str) -> float | None:
    from emer.pipeline.records.vocab import label_from_name

    golds = [(label_from_name(c["clip"], dataset), c["label"]) for c in run["clips"]]
    golds = [(g, p) for g, p in golds if g]
    return sum(g == p for g, p in golds) / len(golds) if golds else None


def mean_runs(runs: list[dict]) -> dict:
    """The run with the median wall time (repeats guard against a noisy neighbour)."""
    return sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]


def render(current: dict, baseline: dict | None, rev: str, dataset: str, rerun: dict | None) -> str:
    cur, dur = per_stage(current)
    base, _ = per_stage(baseline) if baseline else ({}, 0.0)
    names = list(dict.fromkeys([*cur, *base]))
    rest = "rest (hash, write, references)"
    names = [n for n in names if n not in (rest, OVERLAP)] + [rest, OVERLAP]
    head = f"| stage | s/clip | RTF |{f' baseline {rev[:8]} s/clip | speed-up |' if baseline else ''}"
    lines = [f"Clips: {len(current['clips'])}, mean duration {dur:.2f} s; one process per version.", "", head,
             "|---|---|---|" + ("---|---|" if baseline else "")]

    def row(name: str, c: float, b: float | None) -> str:
        extra = f" {b:.3f} | {b / c:.2f}x |" if baseline and b is not None and c > 0.0005 else (
            f" {b:.3f} | - |" if baseline and b is not None else (" - | - |" if baseline else ""))
        return f"| {name} | {c:.3f} | {c / dur if dur else 0:.3f} |{extra}"

    for n in names:
        lines.append(row(n, cur.get(n, 0.0), base.get(n) if baseline else None))
    e2e = current["wall_s"] / len(current["clips"])
    b2e = baseline["wall_s"] / len(baseline["clips"]) if baseline else None
    lines.append(row("**end to end**", e2e, b2e))
    lines += ["", f"- peak RSS: {current['peak_rss_mb']:.0f} MB"
              + (f" (baseline {baseline['peak_rss_mb']:.0f} MB)" if baseline else ""),
              f"- accuracy ({dataset} labels from the file names): {_pct(accuracy(current, dataset))}"
              + (f" (baseline {_pct(accuracy(baseline, dataset))})" if baseline else ""),
              f"- process start-up before the first clip: {current['startup_s']:.1f} s"]
    for name, run in (("this version", current), (f"baseline {rev[:8]}", baseline)):
        passes = [p for c in (run or {}).get("clips", []) for p in c.get("passes", [])]
        if passes:
            n = len(run["clips"])
            wall, own = sum(p["seconds"] for p in passes), sum(p["llama_seconds"] for p in passes)
            lines.append(f"- LLM passes, {name}: {sum(p['evaluated_tokens'] for p in passes) / n:.0f} tokens "
                         f"evaluated and {sum(p['generated_tokens'] for p in passes) / n:.0f} generated per clip, "
                         f"{sum(p['reused_tokens'] for p in passes) / n:.0f} reused; wall {wall / n:.2f} s against "
                         f"llama.cpp's own {own / n:.2f} s per clip ({wall / own if own else 0:.2f}x)")
    lines += pass_table(current)
    if rerun is not None:
        evidence = rerun.get("first_evidence_s")
        lines.append(f"- second run into the same folder, a changed LLM setting (clues reused): the evidence stage "
                     f"(with the text channel's LLM reading) starts "
                     f"{'-' if evidence is None else f'{evidence:.1f}'} s after the process starts, the first "
                     f"reasoning pass {rerun['first_llm_pass_s']:.1f} s; "
                     f"{rerun['wall_s'] / len(rerun['clips']):.2f} s per clip; of that start, imports "
                     f"{rerun.get('import_s', 0.0):.1f} s and the model load {rerun.get('model_load_s', 0.0):.1f} s")
    lines += ["", f"end-to-end: {e2e:.2f} s per clip"]
    return "\n".join(lines) + "\n"


def pass_table(run: dict) -> list[str]:
    """Per LLM pass, per clip: tokens evaluated, reused and generated, decode steps while generating, draft tokens
    accepted (prompt-lookup decoding), seconds and generated tokens per second."""
    totals: dict[str, dict[str, float]] = {}
    for c in run["clips"]:
        for p in c.get("passes", []):
            t = totals.setdefault(p["name"], {})
            for k in ("evaluated_tokens", "reused_tokens", "generated_tokens", "steps", "accepted_tokens",
                      "seconds"):
                t[k] = t.get(k, 0.0) + p.get(k, 0)
    if not totals:
        return []
    n = len(run["clips"])
    lines = ["", "| pass (per clip) | evaluated | reused | generated | steps | accepted | s | generated tok/s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, t in totals.items():
        rate = f"{t['generated_tokens'] / t['seconds']:.1f}" if t["generated_tokens"] and t["seconds"] else "-"
        lines.append(f"| {name} | {t['evaluated_tokens'] / n:.0f} | {t['reused_tokens'] / n:.0f} | "
                     f"{t['generated_tokens'] / n:.1f} | {t['steps'] / n:.1f} | {t['accepted_tokens'] / n:.1f} | "
                     f"{t['seconds'] / n:.2f} | {rate} |")
    steps = sum(t["steps"] for t in totals.values())
    if steps:
        gen = sum(t["generated_tokens"] for t in totals.values())
        lines.append(f"- generated tokens per decode step: {gen / steps:.2f}")
    return lines


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (default: the merge-base with main)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--labels", default="crema-d")
    parser.add_argument("--dataset", default="crema-d", help="how gold labels are read from the file names")
    parser.add_argument("--clips", type=Path, help="folder of clips (default: the CREMA-D sample videos)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    parser.add_argument("--no-rerun", action="store_true", help="skip the second (LLM-only) run")
    parser.add_argument("--render", type=Path, help="print the table of an earlier run's benchmark.json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from emer.pipeline.inputs.datasets import fetch_samples
    from emer.pipeline.store.io import write_json_atomic, write_text_atomic

    if args.render:
        saved = json.loads(args.render.read_text())
        print(render(mean_runs(saved["current"]), mean_runs(saved["baseline_runs"]) if saved["baseline_runs"]
                     else None, saved["baseline"] or "", args.dataset, saved["rerun"]))
        return

    clips = args.clips or fetch_samples() / "video"
    out = args.out.resolve()
    rev = None
    if not args.no_baseline:
        rev = args.baseline or subprocess.run(["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], check=True,
                                              capture_output=True, text=True).stdout.strip()
    current_runs, baseline_runs = [], []
    with worktree(rev) if rev else contextlib.nullcontext() as base_tree:
        for i in range(args.repeats):
            if base_tree is not None:
                baseline_runs.append(run_child(base_tree, clips, out / f"baseline-{i}", args))
            current_runs.append(run_child(ROOT, clips, out / f"current-{i}", args))
    rerun = None
    if not args.no_rerun:
        rerun = run_child(ROOT, clips, out / "current-0", args, {"llm": {"max_explanation_tokens": 100}}, fresh=False)
    current = mean_runs(current_runs)
    baseline = mean_runs(baseline_runs) if baseline_runs else None
    text = render(current, baseline, rev or "", args.dataset, rerun)
    write_json_atomic(out / "benchmark.json", {"baseline": rev, "current": current_runs,
                                               "baseline_runs": baseline_runs, "rerun": rerun})
    write_text_atomic(out / "benchmark.md", text)
    print(text)


if __name__ == "__main__":
    main()
