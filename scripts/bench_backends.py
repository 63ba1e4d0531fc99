"""Second backends next to the defaults: word error rate and seconds per clip of openai-whisper against
faster-whisper, and seconds per clip and agreement of opensmile-prosody against praat-prosody.

Run in an environment with the extra installed, under the shared lock:
  flock /tmp/emer-heavy.lock python scripts/bench_backends.py speech  [--polish N]
  flock /tmp/emer-heavy.lock python scripts/bench_backends.py prosody
Samples: CREMA-D (6 videos of actor 1001, 6 mp3 of actor 1002, transcript "Don't forget a jacket"), the EmoDB
development utterances (no transcript here: openai-whisper is scored against faster-whisper's), and N Polish
words (transcripts.csv; both backends told the language is Polish). Prints one JSON report.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import time
from pathlib import Path

from emer import extractors
from emer.pipeline.inputs.clip import decode_clip
from emer.pipeline.inputs.datasets import fetch_samples
from emer.pipeline.store.models import ModelStore

SAMPLES = Path.home() / ".cache" / "emer" / "samples"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return float(bool(hyp))
    return jiwer.wer(ref, hyp) if hyp else 1.0


def _clips(polish: int) -> list[tuple[str, Path, str | None, str | None]]:
    """(set, path, reference text or None, forced language or None)."""
    crema = fetch_samples()
    out = [("crema-d", p, "Don't forget a jacket", None)
           for p in sorted((crema / "video").glob("1001_*")) + sorted((crema / "audio").glob("1002_*"))]
    out += [("emodb", p, None, None) for p in sorted((SAMPLES / "emodb" / "audio").glob("*.wav"))]
    with open(SAMPLES / "polish" / "transcripts.csv", encoding="utf-8") as f:
        words = {r["clip_id"]: r["text"] for r in csv.DictReader(f)}
    paths = sorted((SAMPLES / "polish" / "audio").rglob("*.wav"))
    step = max(1, len(paths) // polish) if polish else len(paths) + 1
    out += [("polish", p, words[p.stem], "pl") for p in paths[::step][:polish]]
    return out


def speech(polish: int) -> dict:
    store = ModelStore()
    rows = []
    backends = {}
    for name in ("faster-whisper", "openai-whisper"):
        backends[name] = {lang: extractors.get(name)({"language": lang}, models=store) for lang in (None, "pl")}
        backends[name][None].load()
        backends[name]["pl"].load()
    for dataset, path, ref, lang in _clips(polish):
        clip = decode_clip(path)
        row = {"set": dataset, "clip": path.stem, "reference": ref}
        for name, by_lang in backends.items():
            start = time.perf_counter()
            clue = by_lang[lang].extract(clip)
            row[name] = {"text": clue.data.text if clue.data else "", "seconds": round(time.perf_counter() - start, 3),
                         "language": clue.data.language if clue.data else None}
        fw, ow = row["faster-whisper"]["text"], row["openai-whisper"]["text"]
        if ref is not None:
            row["wer_faster"], row["wer_openai"] = wer(ref, fw), wer(ref, ow)
        row["wer_openai_vs_faster"] = wer(fw, ow)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    summary = {}
    for dataset in sorted({r["set"] for r in rows}):
        sel = [r for r in rows if r["set"] == dataset]
        s = {"clips": len(sel), "agreement_wer_openai_vs_faster": round(statistics.mean(
            r["wer_openai_vs_faster"] for r in sel), 3)}
        for name in backends:
            s[f"seconds_{name}"] = round(statistics.mean(r[name]["seconds"] for r in sel), 2)
        if sel[0]["reference"] is not None:
            s["wer_faster"] = round(statistics.mean(r["wer_faster"] for r in sel), 3)
            s["wer_openai"] = round(statistics.mean(r["wer_openai"] for r in sel), 3)
        summary[dataset] = s
    return {"summary": summary}


def prosody() -> dict:
    crema = fetch_samples()
    paths = (sorted((crema / "video").glob("1001_*")) + sorted((crema / "audio").glob("1002_*"))
             + sorted((SAMPLES / "emodb" / "audio").glob("*.wav")))
    backends = {n: extractors.get(n)() for n in ("praat-prosody", "opensmile-prosody")}
    for ex in backends.values():
        ex.load()
    warm = decode_clip(paths[0])
    for ex in backends.values():
        ex.extract(warm)  # first-call imports (librosa, pandas) are not counted
    rows = []
    for path in paths:
        clip = decode_clip(path)
        row = {"clip": path.stem}
        for name, ex in backends.items():
            start = time.perf_counter()
            d = ex.extract(clip).data
            row[name] = {"seconds": round(time.perf_counter() - start, 3), "pitch_hz": d.pitch_median_hz,
                         "loudness_db": d.loudness_mean_db, "rate": d.speech_rate_syllables_per_s,
                         "hnr_db": d.hnr_db, "alpha_db": d.alpha_ratio_db}
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = {n: {"seconds_per_clip": round(statistics.mean(r[n]["seconds"] for r in rows), 3)} for n in backends}
    for field in ("pitch_hz", "loudness_db", "rate", "hnr_db", "alpha_db"):
        pairs = [(r["praat-prosody"][field], r["opensmile-prosody"][field]) for r in rows
                 if r["praat-prosody"][field] is not None and r["opensmile-prosody"][field] is not None]
        a, b = zip(*pairs, strict=True)
        out[f"pearson_{field}"] = round(statistics.correlation(a, b), 3)
        out[f"mean_diff_{field}"] = round(statistics.mean(y - x for x, y in pairs), 2)
    out["clips"] = len(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["speech", "prosody"])
    parser.add_argument("--polish", type=int, default=12, help="Polish words to transcribe (spread over the set)")
    args = parser.parse_args()
    report = speech(args.polish) if args.part == "speech" else prosody()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
