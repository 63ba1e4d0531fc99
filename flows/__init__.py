"""Prefect orchestration of the pipeline core (thin: tasks call `pipeline.runner.Pipeline`).

`flows.emer_flow.emer` is the flow (deployment `emer/process-folder`), `flows.workers` holds the per-process
pipelines, `flows.cli` adds `emer serve` and `emer flow-run`. Nothing here is imported by `pipeline/`.
"""
