"""Whisper settings against word error rate: compute type, beam size, voice-activity trimming and threads, on the
sample clips with known transcripts (CREMA-D video and audio, the 7 EmoDB development utterances, a share of the
Polish words). Not a test: it measures and prints a markdown table.

    python scripts/bench_whisper.py [--polish 24] [--out out/bench-whisper]
"""

from __future__ import annotations

import argparse
import csv
import re
import time
import unicodedata
from pathlib import Path

import jiwer

from emer.extractors.speech_faster_whisper import FasterWhisperSpeechExtractor, SpeechConfig
from emer.pipeline.inputs.clip import decode_clip
from emer.pipeline.inputs.datasets import fetch_sample_set
from emer.pipeline.store.io import write_json_atomic, write_text_atomic
from emer.pipeline.store.models import ModelStore

# EmoDB's ten sentences (Burkhardt et al. 2005), by the text code in the file name (03a01Fa: a01).
EMODB_TEXTS = {
    "a01": "Der Lappen liegt auf dem Eisschrank.",
    "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a05": "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b02": "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    "b03": "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    "b09": "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
}

SETTINGS = [  # (model, compute_type, beam, vad, threads, one encoding)
    ("whisper-base", "float32", 5, True, 2, False),
    ("whisper-base", "float32", 1, True, 2, False),
    ("whisper-base", "float32", 1, False, 2, False),
    ("whisper-base", "float32", 1, True, 1, False),
    ("whisper-base", "float32", 5, True, 2, True),
    ("whisper-base", "float32", 5, True, 1, True),
    ("whisper-base", "int8", 5, True, 2, False),
    ("whisper-base", "int8", 5, True, 2, True),
    ("whisper-base", "int8", 1, True, 1, True),
    ("whisper-tiny.en", "float32", 5, True, 2, True),
    ("whisper-tiny.en", "int8", 5, True, 2, True),
]


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return re.findall(r"[\w']+", text)


def sample_clips(polish: int) -> list[tuple[str, Path, str, str]]:
    """(set, file, reference text, language) of the clips with known transcripts."""
    out = []
    crema = fetch_sample_set("crema-d")
    texts = {r["name"]: r["transcript"] for r in csv.DictReader((crema / "transcripts.csv").open())}
    for f in sorted([*(crema / "video").iterdir(), *(crema / "audio").iterdir()]):
        out.append(("crema-d", f, texts[f.stem], "en"))
    for f in sorted((fetch_sample_set("emodb") / "audio").glob("*.wav")):
        out.append(("emodb", f, EMODB_TEXTS[f.stem[2:5]], "de"))
    pol = fetch_sample_set("polish")
    ptexts = {r["clip_id"]: r["text"] for r in csv.DictReader((pol / "transcripts.csv").open())}
    files = sorted((pol / "audio").glob("*.wav"))
    step = max(1, len(files) // max(1, polish))
    for f in files[::step][:polish]:
        out.append(("polish", f, ptexts[f.stem], "pl"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polish", type=int, default=24, help="how many Polish words (evenly spread)")
    parser.add_argument("--settings", help="comma-separated indices into SETTINGS (default: all)")
    parser.add_argument("--out", type=Path, default=Path("out/bench-whisper"))
    args = parser.parse_args()
    chosen = [SETTINGS[int(i)] for i in args.settings.split(",")] if args.settings else SETTINGS
    clips = sample_clips(args.polish)
    decoded = [(s, decode_clip(f), ref, lang) for s, f, ref, lang in clips]
    store = ModelStore()
    rows = []
    for model, ctype, beam, vad, threads, once in chosen:
        ex = FasterWhisperSpeechExtractor(SpeechConfig(model=model, compute_type=ctype, beam_size=beam,
                                                       vad_filter=vad, cpu_threads=threads, one_encoding=once), store)
        t = time.perf_counter()
        ex.load()
        load_s = time.perf_counter() - t
        per: dict[str, list[tuple[str, str, float, float]]] = {}
        for name, clip, ref, lang in decoded:
            if model.endswith(".en") and lang != "en":
                continue
            t = time.perf_counter()
            clue = ex.extract(clip)
            seconds = time.perf_counter() - t
            hyp = clue.data.text if clue.data is not None else ""
            per.setdefault(name, []).append((" ".join(words(ref)), " ".join(words(hyp)), seconds,
                                             clip.info.duration_s))
        row = {"model": model, "compute_type": ctype, "beam": beam, "vad": vad, "threads": threads, "once": once,
               "load_s": round(load_s, 2)}
        for name, items in per.items():
            row[f"{name}_wer"] = round(jiwer.wer([r for r, *_ in items], [h for _, h, *_ in items]), 3)
            row[f"{name}_s"] = round(sum(s for *_, s, _ in items) / len(items), 3)
            row[f"{name}_rtf"] = round(sum(s for *_, s, _ in items) / sum(d for *_, d in items), 3)
        rows.append(row)
        print(row, flush=True)
    sets = ["crema-d", "emodb", "polish"]
    lines = ["| model | compute | beam | VAD | threads | one encoding | " + " | ".join(
        f"{s} WER | {s} s/clip" for s in sets) + " |", "|---" * (6 + 2 * len(sets)) + "|"]
    for r in rows:
        cells = " | ".join(f"{r.get(s + '_wer', '-')} | {r.get(s + '_s', '-')}" for s in sets)
        lines.append(f"| {r['model']} | {r['compute_type']} | {r['beam']} | {'on' if r['vad'] else 'off'} | "
                     f"{r['threads']} | {'yes' if r['once'] else 'no'} | {cells} |")
    lines.append(f"\n{sum(1 for c in clips if c[0] == 'crema-d')} CREMA-D, "
                 f"{sum(1 for c in clips if c[0] == 'emodb')} EmoDB, "
                 f"{sum(1 for c in clips if c[0] == 'polish')} Polish clips; WER (jiwer), no case or punctuation.")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.out / "whisper.json", rows)
    write_text_atomic(args.out / "whisper.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
