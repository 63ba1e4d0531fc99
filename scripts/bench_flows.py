"""Benchmark of the orchestration (not a test: it measures and prints): wall time of the direct pipeline
(`emer run`) vs. the Prefect flow (`emer flow-run`, ephemeral mode) vs. the flow on a local 2-process Dask
cluster, then a full rerun with everything cached and a rerun where only the prompt changed.

    python scripts/bench_flows.py [--clips 24] [--model smollm2-135m] [--tokens 64] [--out out/bench-flows]

Each measurement is a fresh `emer` process, so every one pays its own start-up and model loads. The folder
holds copies of the six CREMA-D clips under distinct names (each copy is computed: the cache is per output
folder and clip id).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from emer.pipeline.inputs.datasets import fetch_samples
from emer.pipeline.reasoning.prompt import load_template
from emer.pipeline.store.io import write_json_atomic

BIN = Path(sys.executable).parent


def make_folder(folder: Path, n: int) -> list[Path]:
    """n clips: copies of the six CREMA-D videos under distinct names."""
    sources = sorted((fetch_samples() / "video").glob("*.flv"))
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        src = sources[i % len(sources)]
        dst = folder / f"{src.stem}_copy{i // len(sources):02d}{src.suffix}"
        if not dst.exists():
            shutil.copy(src, dst)
        made.append(dst)
    return made


def changed_prompt(target: Path) -> Path:
    """The default template with one extra sentence in the user part: only the reasoning must rerun."""
    base = load_template("default")
    target.mkdir(parents=True, exist_ok=True)
    (target / "system.j2").write_text(base.system, encoding="utf-8")
    (target / "user.j2").write_text(base.user + "\nWeigh the voice as much as the face.\n", encoding="utf-8")
    (target / "decision.j2").write_text(base.decision, encoding="utf-8")
    return target


def timed(cmd: list[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    """Run one `emer` command; its wall time and the run summary's counts."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    s = json.loads((out / "summary.json").read_text())
    return {"wall_s": round(wall, 1), "pipeline_s": s["seconds"], "ok": s["ok"], "failed": s["failed"],
            "reused_clues": s["reused_clues"], "reused_results": s["reused_results"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=24)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--tokens", type=int, default=64, help="max reasoning tokens")
    parser.add_argument("--llm-threads", type=int, default=1, help="LLM threads (1: two Dask workers, two cores)")
    parser.add_argument("--out", type=Path, default=Path("out/bench-flows"))
    args = parser.parse_args()
    root = args.out.resolve()
    if root.exists():
        shutil.rmtree(root)
    folder = root / "clips"
    make_folder(folder, args.clips)
    config = root / "run.json"
    write_json_atomic(config, {"label_set": "crema-d",
                               "llm": {"model": args.model, "max_explanation_tokens": args.tokens,
                                                       "n_threads": args.llm_threads}})
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    env.pop("PREFECT_API_URL", None)
    emer = str(BIN / "emer")
    common = [str(folder), "-c", str(config)]
    runs: dict[str, dict[str, Any]] = {}
    plan = [
        ("direct (emer run)", [emer, "run", *common, "-q"], "direct"),
        ("prefect, threads, 1 clip at a time", [emer, "flow-run", *common, "--concurrency", "1"], "prefect1"),
        ("prefect + dask, 2 worker processes", [emer, "flow-run", *common, "--dask-workers", "2",
                                                "--concurrency", "4"], "dask"),
        ("prefect rerun, all cached", [emer, "flow-run", *common, "--concurrency", "1"], "prefect1"),
        ("prefect rerun, prompt changed", [emer, "flow-run", *common, "--concurrency", "1", "--prompt",
                                           str(changed_prompt(root / "prompt-b"))], "prefect1"),
    ]
    for label, cmd, out in plan:
        runs[label] = timed([*cmd, "-o", str(root / out)], env, root / out)
        print(f"{label:38} {json.dumps(runs[label])}", flush=True)
    direct = runs["direct (emer run)"]["wall_s"]
    report = {"clips": args.clips, "model": args.model, "max_explanation_tokens": args.tokens,
              "llm_threads": args.llm_threads, "cpus": os.cpu_count(), "load_avg": os.getloadavg(), "runs": runs,
              "ratio_to_direct": {k: round(v["wall_s"] / direct, 2) for k, v in runs.items()}}
    write_json_atomic(root / "report.json", report)
    print(json.dumps(report["ratio_to_direct"], indent=2))


if __name__ == "__main__":
    main()
