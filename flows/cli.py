"""`emer serve` and `emer flow-run`: the Prefect flow from the `emer` command, registered through the
`emer.commands` entry point `flows`. Prefect is imported only inside the handlers, so `emer` works without it
and says how to install it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emer.pipeline.cli import add_run_options, run_overrides_from_args
from emer.pipeline.records.errors import EmerError

INSTALL_HINT = "Prefect is not installed; install it with: pip install -e '.[flows]'"


def _require_prefect() -> None:
    try:
        import prefect  # noqa: F401
    except ImportError as e:
        raise EmerError(INSTALL_HINT) from e


def _runner_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--dask-address", metavar="ADDR",
                       help="run tasks on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs prefect-dask)")
    group.add_argument("--dask-workers", type=int, metavar="N",
                       help="run tasks on a temporary local Dask cluster of N processes")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the deployment `emer/process-folder` until interrupted (needs PREFECT_API_URL or a profile)."""
    _require_prefect()
    from emer.flows.emer_flow import DEPLOYMENT_NAME, emer, task_runner_for

    flow = emer.with_options(task_runner=task_runner_for(args.dask_address, args.dask_workers))
    print(f"serving {flow.name}/{args.name}; trigger a run with:\n  prefect deployment run "
          f"'{flow.name}/{args.name or DEPLOYMENT_NAME}' --param folder=/path/to/videos", file=sys.stderr)
    flow.serve(name=args.name or DEPLOYMENT_NAME, limit=args.limit, print_starting_message=False)
    return 0


def cmd_flow_run(args: argparse.Namespace) -> int:
    """Run the flow once, here (Prefect's ephemeral mode unless PREFECT_API_URL names a server)."""
    _require_prefect()
    from emer.flows.emer_flow import emer, task_runner_for
    from emer.pipeline.records.results import RunSummary
    from emer.pipeline.run.progress import print_table

    overrides = run_overrides_from_args(args)
    flow = emer.with_options(task_runner=task_runner_for(args.dask_address, args.dask_workers))
    state = flow(folder=str(args.path), out=str(args.out), config_file=str(args.config) if args.config else None,
                 overrides=overrides, concurrency=args.concurrency, recursive=args.recursive, return_state=True)
    summary = state.result(raise_on_failure=False)
    if not isinstance(summary, RunSummary):
        raise EmerError(f"flow run {state.name}: {state.message or summary}")
    print_table(summary, args.out)
    return 0 if summary.failed == summary.degraded == 0 else 3


def add_commands(sub: Any) -> None:
    """Add `serve` and `flow-run` to the `emer` command's subparsers (the `emer.commands` entry point)."""
    serve = sub.add_parser("serve", help="serve the Prefect deployment emer/process-folder (needs prefect)")
    serve.add_argument("--name", default=None, help="deployment name (default: process-folder)")
    serve.add_argument("--limit", type=int, default=None, help="flow runs at once in this process")
    _runner_options(serve)
    serve.set_defaults(func=cmd_serve)

    run = sub.add_parser("flow-run", help="run the Prefect flow once, in this process (needs prefect)")
    run.add_argument("path", type=Path, help="a video/audio file or a folder of them")
    add_run_options(run)
    run.add_argument("--concurrency", type=int, default=2, help="clips in flight at once (default 2)")
    _runner_options(run)
    run.set_defaults(func=cmd_flow_run)
