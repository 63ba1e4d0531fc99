"""Benchmark: peak memory and time of decoding a 4K clip and running the face and scene extractors on it,
with frames downscaled at decode time (the default `max_side`) and at full resolution (no limits: what decoding
did before `max_side` and the frame budget). Not a test: it measures and prints.

    python scripts/bench_memory.py [--seconds 60] [--short 10] [--out out/bench-memory]

The clips are the happy CREMA-D clip scaled up to 3840x2160 (centred on black), looped, H.264 at 8 Mb/s with
its audio as 48 kHz stereo AAC. Every variant runs in its own process, so each peak RSS (VmHWM) is its own.
Full resolution is measured on the short clip only: on the long one it would need ~15 GB. The short clip is
also decoded at several `max_side` values to compare the face results with those at full resolution.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from emer.pipeline.inputs.clip import decode_clip
from emer.pipeline.inputs.datasets import fetch_samples
from emer.pipeline.records.media import DecodeConfig
from emer.pipeline.store.io import write_json_atomic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from media import write_upscaled_clip  # noqa: E402  (the test-media builders live with the tests)

SOURCE = "1001_DFA_HAP_XX.flv"
SIZE = (3840, 2160)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM). Not ru_maxrss: Linux carries that across fork and exec, so
    a child would report the parent's peak when the parent was larger."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def rss_mb() -> float:
    """Resident memory now (not the peak)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(clip_path: Path, decode: DecodeConfig, extract: bool) -> dict[str, Any]:
    """Run in a child process: load the models, decode, run the face and scene extractors; the peak RSS after
    each step, the seconds of each step, and the face results per frame."""
    from emer import extractors

    row: dict[str, Any] = {}
    exs = []
    if extract:
        from emer.pipeline.store.models import ModelStore

        store = ModelStore()
        exs = [extractors.get(name)(None, store) for name in ("mediapipe-face", "opencv-scene")]
        for ex in exs:
            ex.load()
    row["models_loaded_peak_mb"] = round(peak_rss_mb(), 1)
    t = time.perf_counter()
    clip = decode_clip(clip_path, decode)
    row["decode_s"] = round(time.perf_counter() - t, 2)
    row["decode_peak_mb"] = round(peak_rss_mb(), 1)
    row["held_after_decode_mb"] = round(rss_mb(), 1)
    row["frames_mb"] = round(sum(f.image.nbytes for f in clip.frames) / 2**20, 1)
    video = clip.info.video
    assert video is not None
    row.update(frames=video.frames_sampled, decoded=f"{video.decoded_width}x{video.decoded_height}",
               duration_s=clip.info.duration_s, audio_mb=round(clip.audio.nbytes / 2**20, 2),
               warnings=clip.info.warnings)
    for ex in exs:
        t = time.perf_counter()
        clue = ex.extract(clip)
        row[f"{ex.name}_s"] = round(time.perf_counter() - t, 2)
        row[f"{ex.name}_peak_mb"] = round(peak_rss_mb(), 1)
        if ex.kind == "face":
            data = clue.data
            row["face"] = {
                "frames_with_face": data.frames_with_face,
                "expression_top": data.summary.expression_top,
                "au12": [f.aus["AU12"] if f.faces else None for f in data.timeline],
                "expression": [f.expression if f.faces else None for f in data.timeline],
            }
        else:
            row["scene"] = {"face_height_ratio": clue.data.face_height_ratio, "shot": clue.data.shot_scale}
    row["peak_mb"] = round(peak_rss_mb(), 1)
    return row


def run_child(clip_path: Path, decode: DecodeConfig, extract: bool = True) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(clip_path), decode.model_dump_json()]
    if not extract:
        cmd.append("--decode-only")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_faces(row: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """How far a variant's per-frame face results are from the full-resolution ones."""
    pairs = [(a, b) for a, b in zip(row["face"]["au12"], reference["face"]["au12"], strict=True)
             if a is not None and b is not None]
    exprs = [(a, b) for a, b in zip(row["face"]["expression"], reference["face"]["expression"], strict=True)
             if a and b]
    return {
        "au12_mean_abs_diff": round(float(np.mean([abs(a - b) for a, b in pairs])), 4),
        "au12_max_abs_diff": round(float(np.max([abs(a - b) for a, b in pairs])), 4),
        "expression_mean_abs_diff": round(float(np.mean([abs(a[k] - b[k]) for a, b in exprs for k in a])), 4),
        "expression_top_agreement": round(float(np.mean([max(a, key=a.get) == max(b, key=b.get)
                                                         for a, b in exprs])), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the long 4K clip")
    parser.add_argument("--short", type=float, default=10.0, help="length of the clip measured at full resolution")
    parser.add_argument("--out", type=Path, default=Path("out/bench-memory"))
    parser.add_argument("--child", nargs=2, metavar=("CLIP", "DECODE_JSON"), help=argparse.SUPPRESS)
    parser.add_argument("--decode-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        row = measure(Path(args.child[0]), DecodeConfig.model_validate_json(args.child[1]), not args.decode_only)
        print(json.dumps(row))
        return

    args.out.mkdir(parents=True, exist_ok=True)
    source = fetch_samples() / "video" / SOURCE
    clips = {}
    for seconds in (args.short, args.seconds):
        path = args.out / f"hap_{SIZE[0]}x{SIZE[1]}_{seconds:g}s.mp4"
        if not path.exists():
            t = time.perf_counter()
            write_upscaled_clip(source, path, size=SIZE, seconds=seconds)
            print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - t:.0f} s")
        clips[seconds] = path

    default = DecodeConfig()
    unlimited = DecodeConfig(max_side=None, frame_budget_mb=1e6)
    report: dict[str, Any] = {"clip_source": SOURCE, "size": SIZE, "default_decode": default.model_dump()}
    variants = {
        f"{args.seconds:g}s default": (clips[args.seconds], default),
        f"{args.seconds:g}s default, decode only": (clips[args.seconds], default),
        f"{args.short:g}s full resolution (before)": (clips[args.short], unlimited),
        f"{args.short:g}s full resolution, decode only": (clips[args.short], unlimited),
        f"{args.short:g}s default": (clips[args.short], default),
    }
    for side in (1920, 960, 640):
        variants[f"{args.short:g}s max_side={side}"] = (clips[args.short], DecodeConfig(max_side=side))
    rows = {}
    for name, (path, decode) in variants.items():
        rows[name] = run_child(path, decode, extract="decode only" not in name)
        r = rows[name]
        print(f"{name:40s} frames {r['frames']:4d} at {r['decoded']:>9s}  frames {r['frames_mb']:7.1f} MB  "
              f"peak {r['peak_mb']:7.1f} MB (models {r['models_loaded_peak_mb']:6.1f}, after decode "
              f"{r['decode_peak_mb']:7.1f})  decode {r['decode_s']:6.1f} s  face {r.get('mediapipe-face_s', 0):5.1f}"
              f" s  scene {r.get('opencv-scene_s', 0):4.1f} s", flush=True)
    reference = rows[f"{args.short:g}s full resolution (before)"]
    report["face_vs_full_resolution"] = {
        name: compare_faces(row, reference) for name, row in rows.items()
        if name.startswith(f"{args.short:g}s") and "face" in row and row is not reference
    }
    per_frame_mb = reference["frames_mb"] / reference["frames"]
    frames_before = min(default.max_frames, args.seconds * default.frame_rate)  # no budget before
    report["full_resolution_long_clip_estimate_mb"] = round(
        reference["models_loaded_peak_mb"] + per_frame_mb * frames_before)
    for row in rows.values():
        for key in ("au12", "expression"):
            row.get("face", {}).pop(key, None)  # per-frame values: compared above, too long to keep
    report["variants"] = rows
    write_json_atomic(args.out / "report.json", report)
    print(json.dumps(report["face_vs_full_resolution"], indent=1))
    print(f"full resolution, {args.seconds:g} s (estimated: models + frames): "
          f"{report['full_resolution_long_clip_estimate_mb']:.0f} MB")
    print(f"report: {args.out / 'report.json'}")


if __name__ == "__main__":
    main()
