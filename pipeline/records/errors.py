"""The exceptions emer raises. Messages name the file or thing at fault and the cause."""

from __future__ import annotations


class EmerError(Exception):
    """Base class for every error emer raises on purpose."""


class ConfigError(EmerError):
    """A run configuration names something that does not exist or is invalid."""


class InputError(EmerError):
    """A clip cannot be read: empty, truncated, not a media file, or without usable streams."""


class ModelUnavailableError(EmerError):
    """No source could provide a model's weights (or they failed their sha256 check)."""


class ModelIntegrityError(ModelUnavailableError):
    """A cached model file's bytes differ from those verified when it was installed (or from the registry's)."""


class MissingDependencyError(EmerError):
    """An optional package needed for a chosen component is not installed."""


class LLMBuildError(EmerError):
    """The installed llama.cpp build cannot run the model on this machine (it crashed in a child process)."""


class ReasonerError(EmerError):
    """The language model's reply could not be turned into a valid result."""


class OutputError(EmerError):
    """The output folder cannot be used or written: not a folder, not writable, locked by another run, full."""


class RunStoppedError(EmerError):
    """A run stopped part way (its outputs could not be written); what was written is valid and a rerun resumes."""


def require(module: str, extra_hint: str):
    """Import an optional module, failing with the command that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(f"'{module}' is not installed; install it with: {extra_hint}") from e


RERUN_FOLDER = ("Rerun the folder with `emer run SOURCE -o OUT` (the clues are reused, only the evidence and the "
                "reasoning run again)")


def schema_mismatch(data: object, current: str, what: str, where: str, remedy: str = RERUN_FOLDER) -> InputError | None:
    """The error for a stored record (parsed JSON) whose `schema_version` is not the one this emer reads, or
    None. `remedy` says how to get the record again: a run folder's records by rerunning it (the default; the clues
    are reused, their schema has not changed), a clue by extracting it again, a review by importing it again."""
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version is None or version == current:
        return None
    article = "an" if what[:1].lower() in "aeiou" else "a"
    return InputError(f"{where}: {article} {what} of schema {version}, written by another emer version; this one reads "
                      f"schema {current}. {remedy}")
