"""The `emer` command: run the pipeline on a clip or folder, manage models, list what is available. Further
subcommands (evaluate, ablate, serve, flow-run, and any package's) come from the `emer.commands` entry points."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import closing
from importlib import metadata
from pathlib import Path
from typing import Any

from emer.pipeline.records.errors import EmerError, RunStoppedError
from emer.pipeline.store.io import os_reason

DEFAULT_OUT = Path("out")
COMMANDS_GROUP = "emer.commands"


def run_overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The run-config overrides that the run options (`add_run_options`) ask for; options not given are left out."""
    from emer.pipeline.run.config import name_list, parse_setting, run_overrides

    chosen = [{"name": n} for n in name_list(args.extractors)] if args.extractors else None
    options: dict[str, dict[str, Any]] = {}
    for item in args.set or []:
        key, value = parse_setting(item, "--set", "EXTRACTOR.OPTION=VALUE")
        name, _, option = key.rpartition(".")
        if not name or not option:
            raise EmerError(f"--set {item!r}: expected EXTRACTOR.OPTION=VALUE")
        options.setdefault(name, {})[option] = value
    flags = {"extractors": chosen, "set": options or None, "label_set": args.labels, "prompt": args.prompt,
             "llm.model": args.model, "llm.n_threads": args.threads, "decode.frame_rate": args.frame_rate,
             "evidence.speakers": args.speakers, "language": getattr(args, "language", None),
             "decision.use": args.decide,
             "reason": False if args.no_reason else None,
             "explain_gold": True if getattr(args, "explain_gold", False) else None}
    return run_overrides({key: value for key, value in flags.items() if value is not None})


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm.contrib.logging import logging_redirect_tqdm

    from emer.pipeline.inputs.listing import list_clips
    from emer.pipeline.run.config import load_config
    from emer.pipeline.run.progress import ProgressBar, print_table
    from emer.pipeline.run.runner import Pipeline

    config = load_config(args.config, run_overrides_from_args(args))
    gold = None
    if args.explain_gold or args.gold:
        from emer.pipeline.evaluation.gold import load_gold_csv

        if not (args.explain_gold and args.gold):
            raise EmerError("--explain-gold and --gold go together (scoring against gold is: emer evaluate)")
        gold = {cid: item.label_raw for cid, item in load_gold_csv(args.gold).items() if item.label_raw}
    clips, skipped = list_clips(args.path, args.recursive)
    for s in skipped:
        print(f"skipped {s}", file=sys.stderr)
    bar = ProgressBar(total=len(clips), quiet=args.quiet)
    pipeline = Pipeline(config, observers=[bar], gold=gold)
    pipeline.overlap = not args.sequential
    try:
        # log lines go above the bar, and it is closed before any error is printed, so the message starts on a
        # line of its own (an output folder that cannot be used fails before the bar is drawn)
        with closing(bar), logging_redirect_tqdm():
            summary = pipeline.run(args.path, args.out, args.recursive)
    except RunStoppedError as e:
        print(f"emer: error: {e}", file=sys.stderr)
        return 3
    print_table(summary, args.out)
    return 0 if summary.failed == summary.degraded == 0 else 3


def cmd_models(args: argparse.Namespace) -> int:
    from emer.pipeline.store.models import ModelStore
    from emer.pipeline.store.registry import MODELS

    store = ModelStore()
    if args.action == "list":
        print(f"cache: {store.cache_dir}")
        for spec in MODELS.values():
            print(f"{spec.name:18} {spec.kind:22} {spec.description}\n{'':18} {store.status(spec.name)}")
        return 0
    names = args.names or []
    if not names:
        raise EmerError("emer models fetch: name one or more models (see: emer models list)")
    for name in names:
        resolved = store.fetch(name) if args.force else store.resolve(name)
        print(f"{name}: {resolved.path} ({resolved.source}, sha256 {resolved.sha256[:12]}…)")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    import os

    from emer.pipeline.run.doctor import format_check, run_doctor

    checks = run_doctor(llm=args.model, threads=args.threads or min(2, os.cpu_count() or 1), full=args.verify,
                        report=lambda c: print(format_check(c), flush=True))
    failed = sum(c.status == "fail" for c in checks)
    print(f"{len(checks) - failed} of {len(checks)} checks passed" if failed else "everything works")
    return 1 if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    from emer import extractors
    from emer.pipeline.reasoning.prompt import template_names
    from emer.pipeline.records.vocab import label_set_names, load_label_set

    if args.what == "extractors":
        for name, target in extractors.available().items():
            print(f"{name:18} {target}")
    elif args.what == "labels":
        for name in label_set_names():
            ls = load_label_set(name)
            print(f"{name:10} {', '.join(ls.labels) or '(open vocabulary)'}")
    else:
        print("\n".join(template_names()))
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from emer.pipeline.run.schemas import write_schemas

    for path in write_schemas(args.dir):
        print(path)
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    from emer.pipeline.inputs.datasets import fetch_sample_set

    print(fetch_sample_set(args.set))
    return 0


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The output folder and run-config options shared by `emer run` and other commands that run clips."""
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: out)")
    parser.add_argument("-c", "--config", type=Path, help="run config file (YAML or JSON)")
    parser.add_argument("--extractors", help="comma-separated extractor names (see: emer list extractors)")
    parser.add_argument("--set", action="append", metavar="EXTRACTOR.OPTION=VALUE", help="extractor option")
    parser.add_argument("--labels", help="label set name or YAML file (see: emer list labels)")
    parser.add_argument("--prompt", help="prompt template name or folder")
    parser.add_argument("--model", help="LLM: registered name (see: emer models list) or a GGUF path")
    parser.add_argument("--threads", type=int, help="CPU threads for the LLM (default: $EMER_THREADS, else every "
                        "CPU; heavy stages of concurrent jobs take turns, $EMER_SLOTS at a time: run/threads.py)")
    parser.add_argument("--language", help="the language spoken in the clips (ISO code: en, zh, de, ...): the speech "
                        "extractor transcribes in it instead of guessing per clip")
    parser.add_argument("--frame-rate", type=float, help="frames per second sampled from the video")
    parser.add_argument("--speakers", help="who speaks in each clip, for speaker-relative clues: auto (dataset "
                        "file names, the default), none, a CSV file (clip_id,speaker) or a regex with (?P<speaker>...)")
    parser.add_argument("--decide", choices=["fused", "llm", "evidence"],
                        help="what decides the label: evidence summary x LLM (default), or either alone")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="also the media files in the folder's subfolders (ids from their relative paths when "
                        "file names repeat)")
    parser.add_argument("--no-reason", action="store_true",
                        help="no LLM: clues, evidence summary and the evidence's own label only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emer", description="Explainable multimodal emotion reasoning, offline.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log extractor and model details")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipeline on a clip or a folder of clips")
    run.add_argument("path", type=Path, help="a video/audio file or a folder of them")
    add_run_options(run)
    run.add_argument("--gold", type=Path, help="gold labels CSV (clip_id,label) for --explain-gold")
    run.add_argument("--explain-gold", action="store_true",
                     help="label-conditioned mode: write the reasoning that leads to each clip's gold label")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    run.add_argument("--sequential", action="store_true",
                     help="extract every clip's clues before reasoning over any (default: extract the next clips "
                     "while the LLM reasons where the CPUs hold two compute slots; the results are the same)")
    run.set_defaults(func=cmd_run)

    models = sub.add_parser("models", help="list or fetch model weights")
    models.add_argument("action", choices=["list", "fetch"])
    models.add_argument("names", nargs="*")
    models.add_argument("--force", action="store_true",
                        help="fetch again even if cached: replaces a damaged cache copy")
    models.set_defaults(func=cmd_models)

    doctor = sub.add_parser("doctor", help="check the install: llama.cpp build vs this CPU, the LLM (in a child "
                            "process), model files, decoders; prints the command that fixes each problem")
    doctor.add_argument("--verify", action="store_true", help="re-hash every byte of every cached model")
    doctor.add_argument("--model", help="the LLM to check (default: the default run's)")
    doctor.add_argument("--threads", type=int, help="CPU threads for the LLM check")
    doctor.set_defaults(func=cmd_doctor)

    lst = sub.add_parser("list", help="list extractors, label sets or prompt templates")
    lst.add_argument("what", choices=["extractors", "labels", "prompts"])
    lst.set_defaults(func=cmd_list)

    schemas = sub.add_parser("schemas", help="write the JSON Schemas of the output files")
    schemas.add_argument("dir", type=Path, nargs="?", default=Path("schemas"))
    schemas.set_defaults(func=cmd_schemas)

    from emer.pipeline.inputs.datasets import GENERATED_SETS, SAMPLE_SETS

    samples = sub.add_parser("samples", help="fetch a sample set (default: the CREMA-D clips) and print its folder")
    samples.add_argument("--set", default="crema-d", choices=[*SAMPLE_SETS, *GENERATED_SETS],
                         help="crema-d: the clips we report on; emodb, polish (audio) and pyfeat (video): development "
                         "clips to tune on; spoken: sentences with known emotions spoken by espeak-ng over a still "
                         "neutral face, generated (default: crema-d)")
    samples.set_defaults(func=cmd_samples)
    add_plugin_commands(sub)
    return parser


def add_plugin_commands(sub: Any) -> None:
    """Let every `emer.commands` entry point (a callable `add_commands(subparsers)`) add its subcommands, in name
    order: the built-in `evaluate` (evaluate, ablate) and `flows` (serve, flow-run) register exactly as another
    package's do. A plugin that fails to load is a warning naming it, and the other commands still work."""
    for ep in sorted(metadata.entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        try:
            ep.load()(sub)
        except Exception as e:  # a broken plugin must not take the whole `emer` command down with it
            print(f"emer: warning: command plugin {ep.name!r} ({ep.value}) failed to load: {type(e).__name__}: {e}",
                  file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from emer.pipeline.run.threads import configure_process

    configure_process()  # thread pools and the numba cache, before numpy or librosa load
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except EmerError as e:
        print(f"emer: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # the environment (a file or folder), never emer's own state: one line, not a traceback
        logging.getLogger("emer").info("details", exc_info=True)
        where = f"{e.filename}: " if e.filename else ""
        print(f"emer: error: {where}{os_reason(e)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


