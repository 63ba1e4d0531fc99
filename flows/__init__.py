"""Prefect orchestration of the pipeline core (thin: tasks call `pipeline.run.runner.Pipeline`).

`flows.emer_flow.emer` is the flow (deployment `emer/process-folder`), `flows.workers` holds the per-process
pipelines, `flows.cli` adds `emer serve` and `emer flow-run` through the `emer.commands` entry point. `pipeline/`
never imports `flows`, and `flows` uses only public names of `pipeline`.
"""
