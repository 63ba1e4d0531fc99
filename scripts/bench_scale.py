"""Scaling and concurrency of `emer run` on copies of the sample clips. Not a test: it measures and prints.

    python scripts/bench_scale.py scale --sizes 10,100 [--reason-sizes 10] [--model qwen2.5-1.5b]
                                        [--extractors opencv-scene,praat-prosody]
    python scripts/bench_scale.py concurrency [--model qwen2.5-1.5b]

scale: N copies (new names, the same bytes) of the CREMA-D sample videos, each size run with `--no-reason`
(extraction and evidence), then again into the same folder (every clue reused), and the `--reason-sizes` with
the LLM: seconds per clip and the process's peak RSS. concurrency: one `emer run` on --per-job clips, then two
at once (each on its own copy, twice the clips): the wall-time ratio (goal <= 2.2).
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

EMER = [sys.executable, "-m", "emer.pipeline.cli"]


def copies(n: int, folder: Path) -> Path:
    from emer.pipeline.inputs.datasets import fetch_samples

    sources = sorted((fetch_samples() / "video").glob("*.flv"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(n):
        src = sources[i % len(sources)]
        shutil.copy(src, folder / f"{src.stem}_{i:04d}{src.suffix}")
    return folder


def timed_run(clips: Path, out: Path, extra: list[str], fresh: bool = True) -> dict:
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    cmd = [*EMER, "run", str(clips), "-o", str(out), "--labels", "crema-d", "-q", *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    summary = json.loads((out / "summary.json").read_text())
    n = len(summary["clips"])
    return {"clips": n, "wall_s": round(wall, 2), "s_per_clip": round(wall / n, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "ok": summary["ok"],
            "reused_clues": summary["reused_clues"], "exit": os.waitstatus_to_exitcode(status)}


def scale(args: argparse.Namespace) -> None:
    rows = []
    for n in [int(x) for x in args.sizes.split(",") if x]:
        clips = copies(n, args.work / f"clips-{n}")
        out = args.work / f"out-{n}"
        light = ["--extractors", args.extractors] if args.extractors else []
        what = f" ({args.extractors})" if args.extractors else ""
        rows.append({"path": f"clues+evidence{what}", "n": n, **timed_run(clips, out, ["--no-reason", *light])})
        print(rows[-1], flush=True)
        rows.append({"path": f"rerun, clues reused{what}", "n": n,
                     **timed_run(clips, out, ["--no-reason", *light], fresh=False)})
        print(rows[-1], flush=True)
    for n in [int(x) for x in args.reason_sizes.split(",") if x]:
        clips = copies(n, args.work / f"clips-{n}")
        rows.append({"path": f"full, {args.model}", "n": n,
                     **timed_run(clips, args.work / f"out-llm-{n}", ["--model", args.model])})
        print(rows[-1], flush=True)
    lines = ["| path | clips | wall s | s/clip | peak RSS MB | clues reused |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['path']} | {r['n']} | {r['wall_s']} | {r['s_per_clip']} | {r['peak_rss_mb']} | "
              f"{r['reused_clues']} |" for r in rows]
    print("\n".join(lines))


def concurrency(args: argparse.Namespace) -> None:
    n = args.per_job
    a, b = copies(n, args.work / "conc-a"), copies(n, args.work / "conc-b")
    one = timed_run(a, args.work / "conc-one", ["--model", args.model])
    print("one job:", one, flush=True)
    cmd = [[*EMER, "run", str(c), "-o", str(args.work / f"conc-two-{i}"), "--labels", "crema-d", "-q",
            "--model", args.model] for i, c in enumerate((a, b))]
    for i in range(2):
        shutil.rmtree(args.work / f"conc-two-{i}", ignore_errors=True)
    t = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in cmd]
    codes = [p.wait() for p in procs]
    two = time.perf_counter() - t
    print(f"two jobs at once ({2 * n} clips): {two:.1f} s, exit {codes}; one job ({n} clips): {one['wall_s']} s; "
          f"ratio {two / one['wall_s']:.2f} (goal <= 2.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["scale", "concurrency"])
    parser.add_argument("--sizes", default="10,100")
    parser.add_argument("--reason-sizes", default="10")
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--extractors", default="", help="scale: extractors of the --no-reason runs (default: the "
                        "run's defaults), e.g. cheap ones to time the run loop itself on 1,000 clips")
    parser.add_argument("--per-job", type=int, default=6, help="concurrency: clips per job")
    parser.add_argument("--work", type=Path, default=Path("out/bench-scale"))
    args = parser.parse_args()
    args.work = args.work.resolve()
    scale(args) if args.what == "scale" else concurrency(args)


if __name__ == "__main__":
    main()
