"""Prompt templates and label sets, as data files. Loaded by `pipeline.reasoning.prompt`."""
