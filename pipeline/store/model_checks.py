"""Up-front checks of the models a run config names, so a typo or a wrong file fails before the first clip
with one line naming the valid choices, instead of failing every clip. Each check returns the problem in
words, or None when the name or path will load."""

from __future__ import annotations

from pathlib import Path

from emer.pipeline.store.registry import MODELS, ModelKind, ModelSpec

GGUF_MAGIC = b"GGUF"
# Kinds that accept any weights file by its path, not only a registered name (checked by `weights_problem`).
PATH_KINDS: frozenset[ModelKind] = frozenset({"llm-gguf"})


def names_of_kind(kind: ModelKind) -> list[str]:
    """The registered models of one kind, in registry order."""
    return [name for name, spec in MODELS.items() if spec.kind == kind]


def model_problem(name: str, kind: ModelKind) -> str | None:
    """Why `name` cannot serve as a `kind` model: not registered, registered as another kind, or (for kinds
    given by path) a path that is not such a file. None when it can."""
    valid = ", ".join(names_of_kind(kind))
    spec = MODELS.get(name)
    if spec is not None:
        return None if spec.kind == kind else f"{name!r} is a {spec.kind} model, not a {kind}; {kind} models: {valid}"
    if kind in PATH_KINDS:
        if not Path(name).exists():
            return f"{name!r} is neither a registered {kind} model ({valid}) nor an existing file"
        return file_kind_problem(Path(name), kind)
    return f"unknown {kind} model {name!r}; valid: {valid} (other weights: model_paths in the run config)"


def weights_problem(spec: ModelSpec, path: Path) -> str | None:
    """Why `path` cannot hold the weights of the registered model `spec` (a model_paths entry); None if it can."""
    if not path.exists():
        return f"{path} does not exist"
    if spec.is_directory:
        return None if (path / spec.primary).is_file() else f"{path} is not a folder holding {spec.primary}"
    if path.is_dir():
        return f"{path} is a folder; give the {spec.primary} file"
    return file_kind_problem(path, spec.kind)


def file_kind_problem(path: Path, kind: ModelKind) -> str | None:
    """For GGUF models: why `path` is not a GGUF file (magic bytes at offset 0), saying what it is instead.
    Other kinds' files are checked by their sha256 when loaded."""
    if kind != "llm-gguf":
        return None
    if path.is_dir():
        return f"{path} is a folder, not a GGUF file"
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError as e:
        return f"{path} cannot be read: {e.strerror or e}"
    if head.startswith(GGUF_MAGIC):
        return None
    return f"{path} is not a GGUF file: it is {describe_bytes(head)}"


def describe_bytes(head: bytes) -> str:
    """What a file's first bytes look like, in words: empty, text (its first line, quoted), or binary (hex)."""
    if not head:
        return "empty"
    if all(b in (9, 10, 13) or 32 <= b < 127 for b in head):
        first = head.decode("ascii").strip().splitlines()
        return f"a text file beginning {first[0][:40]!r}" if first else "a text file of blank lines"
    return f"a binary file beginning {head[:8].hex(' ')}"
