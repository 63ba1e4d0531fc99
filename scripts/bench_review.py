"""Benchmark of a review round's export/import part (not a test: it measures and prints), on N clips: `emer export
--format label-studio` (tasks, evidence views, media transcoded to WebM), a real Label Studio server (project from
the config, tasks imported, one annotation per clip submitted through the API as a reviewer's would be, the JSON
export), `emer import label-studio`, `emer export --gold --format merr` and `emer evaluate --gold`.

    python scripts/bench_review.py [--clips 100] [--base RUN] [--out out/bench-review]

The N clips are copies of a small real run (BASE, or a run of the three CREMA-D demo clips made first with the
smallest LLM): each copy gets its own clip id, result and media file, so every stage handles N distinct clips. No
model runs are timed. Label Studio comes from .venv-review (make review-install) or EMER_LABEL_STUDIO."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from label_studio import LabelStudio, find_label_studio  # noqa: E402 (tests/label_studio.py)

from emer.pipeline.inputs.datasets import fetch_samples  # noqa: E402

BIN = Path(sys.executable).parent
CLIPS = ("1001_DFA_ANG_XX", "1001_DFA_HAP_XX", "1001_DFA_SAD_XX")


def emer(*args: str) -> float:
    """Run an emer command in its own process; its wall time."""
    start = time.perf_counter()
    subprocess.run([str(BIN / "emer"), *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def base_run(folder: Path) -> Path:
    """A real run of the three demo clips with the smallest LLM (about a minute on 2 cores)."""
    clips, out = folder / "base-clips", folder / "base"
    if (out / "results.jsonl").is_file():
        return out
    clips.mkdir(parents=True, exist_ok=True)
    for c in CLIPS:
        shutil.copy(fetch_samples() / "video" / f"{c}.flv", clips)
    config = folder / "fast.yaml"
    config.write_text("extractors: [{name: mediapipe-face}, {name: faster-whisper, config: {model: whisper-tiny.en}}, "
                      "{name: praat-prosody}]\nllm: {model: smollm2-135m, n_threads: 2}\n")
    emer("run", str(clips), "-o", str(out), "--labels", "crema-d", "-q", "-c", str(config))
    return out


def copies(base: Path, folder: Path, n: int) -> Path:
    """A run folder of n clips: the base run's clips copied under new ids, each with its own media file."""
    out, media = folder / f"run-{n}", folder / f"media-{n}"
    shutil.rmtree(out, ignore_errors=True)
    media.mkdir(parents=True, exist_ok=True)
    results = [json.loads(line) for line in (base / "results.jsonl").read_text().splitlines() if line.strip()]
    lines = []
    for i in range(n):
        r = json.loads(json.dumps(results[i % len(results)]))
        cid = f"{r['clip_id']}_c{i:03d}"
        shutil.copytree(base / r["clip_id"], out / cid)
        src = Path(r["source_path"])
        copy = media / f"{cid}{src.suffix}"
        if not copy.exists():
            shutil.copy(src, copy)
        r["clip_id"], r["source_path"] = cid, str(copy)
        if r.get("clip"):
            r["clip"]["clip_id"], r["clip"]["path"] = cid, str(copy)
        (out / cid / "result.json").write_text(json.dumps(r, indent=2))
        lines.append(json.dumps(r))
    (out / "results.jsonl").write_text("\n".join(lines) + "\n")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=100)
    ap.add_argument("--base", type=Path, help="a small real run to copy (default: made from the demo clips)")
    ap.add_argument("--out", type=Path, default=Path("out/bench-review"))
    args = ap.parse_args()
    binary = find_label_studio()
    if binary is None:
        print("Label Studio is not installed: make review-install", file=sys.stderr)
        return 2
    folder = args.out.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    run = copies(args.base.resolve() if args.base else base_run(folder), folder, args.clips)
    export = folder / f"export-{args.clips}"
    shutil.rmtree(export, ignore_errors=True)
    shutil.rmtree(folder / "ls-data", ignore_errors=True)
    times: dict[str, float] = {}
    times["emer export --format label-studio"] = emer("export", str(run), "--format", "label-studio", "-o", str(export))
    server = LabelStudio(binary, folder / "ls-data", export)
    t = time.perf_counter()
    server.start()
    try:
        server.wait()
        times["label studio start (first, with its migrations)"] = time.perf_counter() - t
        t = time.perf_counter()
        project = server.api("POST", "/api/projects", {"title": "bench", "label_config":
                                                        (export / "config.xml").read_text()})
        server.api("POST", "/api/storages/localfiles", {"project": project["id"], "path": str(export / "media"),
                                                        "use_blob_urls": False})
        server.api("POST", f"/api/projects/{project['id']}/import", json.loads((export / "tasks.json").read_text()))
        times["label studio: project, storage, import of the tasks"] = time.perf_counter() - t
        tasks = server.api("GET", f"/api/projects/{project['id']}/tasks?page_size={args.clips + 10}")
        tasks = tasks if isinstance(tasks, list) else tasks.get("tasks", [])
        t = time.perf_counter()
        for task in tasks:  # a reviewer who accepts the prediction, changing the label on every fifth clip
            result = task["predictions"][0]["result"]
            if task["inner_id"] % 5 == 0:
                result = [r for r in result if r["from_name"] != "label"] + [
                    {"from_name": "label", "to_name": "video", "type": "choices", "value": {"choices": ["neutral"]}}]
            server.api("POST", f"/api/tasks/{task['id']}/annotations/", {"result": result})
        times[f"label studio: {len(tasks)} annotations submitted through the API"] = time.perf_counter() - t
        t = time.perf_counter()
        data = server.api("GET", f"/api/projects/{project['id']}/export?exportType=JSON", raw=True)
        (folder / "export.json").write_bytes(data)
        (folder / "users.json").write_text(json.dumps(server.api("GET", "/api/users/")))
        times["label studio: JSON export"] = time.perf_counter() - t
    finally:
        server.stop()
    times["emer import label-studio"] = emer("import", "label-studio", str(folder / "export.json"), str(run),
                                             "--users", str(folder / "users.json"))
    gold = str(run / "review" / "gold.json")
    times["emer export --gold --format merr"] = emer("export", str(run), "--gold", gold, "--format", "merr", "-o",
                                                     str(folder / f"merr-{args.clips}"))
    times["emer evaluate --gold (no embedding)"] = emer("evaluate", str(run), "--gold", gold, "--no-embed")
    print(f"review round trip, {args.clips} clips (copies of {len(CLIPS)} demo clips), seconds:")
    for name, seconds in times.items():
        print(f"  {seconds:7.1f}  {name}")
    timed = [v for k, v in times.items() if not k.startswith("label studio start")]
    print(f"  {sum(timed):7.1f}  total without Label Studio's start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
