"""`emer export OUT --format FORMAT [--gold CSV] [-o DEST]`: write a run folder's results and clues in the
layout another tool reads. Each format renders whole files first; each file is then written atomically, and
DEST/export.json records what was written and which clips were left out and why."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emer.pipeline.records.errors import ConfigError, OutputError

# name -> what it writes (the help text); the renderers are looked up in `_renderer`
FORMATS: dict[str, str] = {
    "merr": "Emotion-LLaMA MERR: MERR_{coarse,fine}_grained.{json,txt}, transcription_en_all.csv",
    "sharegpt": "LLaMA-Factory ShareGPT conversations (emer_sharegpt.json) and dataset_info.json",
    "emer-csv": "EMER CSV: names, emotions, subtitles, reasons (emer.csv)",
    "ov-csv": "OV-MERD CSV: name, openset (ov_merd.csv)",
    "srt": "SubRip subtitles, <clip>.srt",
    "vtt": "WebVTT subtitles, <clip>.vtt",
    "au-csv": "per-frame AU table, <clip>.csv, with py-feat or OpenFace 2 column names (--au-columns)",
    "label-studio": "Label Studio review project: config.xml, tasks.json (predictions to correct), media/, "
                    "label-studio.env",
}


def _renderer(fmt: str, args: argparse.Namespace, dest: Path) -> Callable[[list[Any]], Any]:
    from emer.pipeline.export import aus, label_studio, merr, mertools, sharegpt, subtitles

    table: dict[str, Callable[[list[Any]], Any]] = {
        "merr": merr.render_merr, "sharegpt": sharegpt.render_sharegpt, "emer-csv": mertools.render_emer_csv,
        "ov-csv": mertools.render_ov_csv, "srt": subtitles.render_srt, "vtt": subtitles.render_vtt,
        "au-csv": lambda clips: aus.render_au_csv(clips, args.au_columns),
        "label-studio": lambda clips: label_studio.render_label_studio(clips, Path(args.out), dest),
    }
    return table[fmt]


def cmd_export(args: argparse.Namespace) -> int:
    """Render the chosen format, print a line per clip left out, write the files and the manifest."""
    from emer.pipeline.evaluation.review import load_gold
    from emer.pipeline.export.aus import AU_LAYOUTS
    from emer.pipeline.export.label_studio import place_media
    from emer.pipeline.export.source import ExportManifest, SkippedClip, load_clips
    from emer.pipeline.store.io import write_model_atomic, write_text_atomic

    if args.format not in FORMATS:
        raise ConfigError(f"unknown export format {args.format!r}; choose one of {', '.join(FORMATS)}")
    if args.au_columns not in AU_LAYOUTS:
        raise ConfigError(f"unknown --au-columns {args.au_columns!r}; choose one of {', '.join(AU_LAYOUTS)}")
    out = Path(args.out)
    default = out / "export" / args.format
    dest = Path(args.dest) if args.dest else default / args.au_columns if args.format == "au-csv" else default
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest}: export folder is a file")
    gold = load_gold(args.gold, out) if args.gold else None
    clips, skipped = load_clips(out, gold)
    if gold is not None and not any(c.gold for c in clips):
        print(f"emer: warning: the gold {args.gold} covers none of the {len(clips)} clips with a result",
              file=sys.stderr)
    unusable = [c for c in clips if c.gold is not None and c.gold.unusable]
    skipped += [SkippedClip(clip_id=c.clip_id, reason=f"marked unusable by {c.gold.reviewed_by}: {c.gold.unusable}")
                for c in unusable]
    clips = [c for c in clips if not (c.gold is not None and c.gold.unusable)]
    rendered = _renderer(args.format, args, dest)(clips)
    skipped += rendered.skipped
    for s in skipped:
        print(f"skipped {s.clip_id}: {s.reason}", file=sys.stderr)
    if not rendered.clips:
        print(f"emer: error: no clip of {out} could be exported as {args.format}; nothing written", file=sys.stderr)
        return 3
    for name, text in rendered.files.items():
        write_text_atomic(dest / name, text)
    place_media(dest, rendered.media)
    exported = set(rendered.clips)
    reviewed = {c.clip_id: c.gold.reviewed_by for c in clips if c.clip_id in exported and c.gold is not None
                and c.gold.reviewed_by}
    manifest = ExportManifest(format=args.format if args.format != "au-csv" else f"au-csv/{args.au_columns}",
                              source=str(out.resolve()), gold=str(Path(args.gold).resolve()) if args.gold else None,
                              files=sorted(rendered.files), clips=rendered.clips, skipped=skipped,
                              gold_used=len(rendered.gold_used), reviewed=reviewed, notes=rendered.notes)
    write_model_atomic(dest / "export.json", manifest)
    took = f", gold used for {len(rendered.gold_used)}" if gold is not None else ""
    took += f", {len(reviewed)} reviewed" if reviewed else ""
    print(f"exported {len(rendered.clips)} clips as {args.format} to {dest} ({len(rendered.files)} files, "
          f"{len(skipped)} clips skipped{took})")
    return 0


def add_commands(sub: Any) -> None:
    """Register `export` on the `emer` command's subparsers (the `emer.commands` entry point)."""
    ex = sub.add_parser("export", help="write a run's results in another tool's dataset layout",
                        description="Formats: " + "; ".join(f"{k}: {v}" for k, v in FORMATS.items()))
    ex.add_argument("out", type=Path, help="a run's output folder (holding results.jsonl)")
    ex.add_argument("--format", required=True, metavar="FORMAT", help=", ".join(FORMATS))
    ex.add_argument("--gold", type=Path, metavar="FILE",
                    help="gold (as for emer evaluate: a CSV, OUT/review/gold.json or a Label Studio JSON export): its "
                    "labels, emotion words and reference texts replace the predictions' where it has them; clips "
                    "a reviewer marked unusable are left out")
    ex.add_argument("-o", "--dest", type=Path,
                    help="export folder (default: OUT/export/FORMAT; for au-csv OUT/export/au-csv/LAYOUT)")
    ex.add_argument("--au-columns", default="py-feat", metavar="LAYOUT",
                    help="au-csv column names: py-feat (default) or openface")
    ex.set_defaults(func=cmd_export)
