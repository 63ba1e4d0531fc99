"""What `face-onnx` and `voice-onnx` need to know about an ONNX emotion classifier, from a small YAML beside its
weights: the file and its sha256, the input (image size and normalisation, or audio sample rate), and the label map
from the model's output classes onto the basic emotions (prompts/evidence/label_emotions.yaml). The model runs in
onnxruntime (`pip install 'emer[onnx]'`); weights are never fetched here: the recipe to obtain public ones is in
the README ("Plug-in specialists").

Example (HSEmotion's AffectNet-8 EfficientNet-B0 export):

    name: hsemotion-enet-b0-8
    file: enet_b0_8_best_vgaf.onnx        # relative to this YAML
    sha256: <sha256 of the file>
    image: {size: 224, color: rgb, scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
    outputs: logits
    labels: [Anger, Contempt, Disgust, Fear, Happiness, Neutral, Sadness, Surprise]   # output order
    label_map: {Anger: anger, Contempt: contempt, Disgust: disgust, Fear: fear, Happiness: happiness,
                Neutral: neutral, Sadness: sadness, Surprise: surprise}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError, model_validator

from emer.pipeline.records.clues import ModelRef, Record
from emer.pipeline.records.errors import ConfigError, ModelUnavailableError, require
from emer.pipeline.records.vocab import basic_emotions
from emer.pipeline.store.io import sha256_file


class ImageInput(Record):
    size: int | tuple[int, int] = Field(description="side of the square input, or (height, width)")
    color: Literal["rgb", "bgr", "grey"] = "rgb"
    layout: Literal["nchw", "nhwc"] = "nchw"
    scale: float = Field(255.0, gt=0, description="pixel values are divided by this first")
    mean: list[float] = Field(default_factory=lambda: [0.0], description="then this is subtracted (per channel)")
    std: list[float] = Field(default_factory=lambda: [1.0], description="then divided by this (per channel)")
    margin: float = Field(0.1, ge=0, le=1, description="added on each side of the square face box, a fraction")


class AudioInput(Record):
    sample_rate: int = Field(16000, ge=8000, le=48000)
    normalize: bool = Field(True, description="zero mean, unit variance per clip (wav2vec2's do_normalize)")
    max_seconds: float = Field(30.0, gt=0, description="longer audio is cut to this")


class OnnxModelSpec(Record):
    """The YAML that configures an ONNX emotion classifier."""

    name: str
    file: str = Field(description="the .onnx file, relative to the YAML")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    image: ImageInput | None = None
    audio: AudioInput | None = None
    outputs: Literal["logits", "probabilities"] = "logits"
    labels: list[str] = Field(min_length=2, description="the model's output classes, in output order")
    label_map: dict[str, str] = Field(description="model class -> basic emotion; unmapped classes are dropped")
    source: str = Field("", description="where the weights come from (for provenance)")

    @model_validator(mode="after")
    def _check(self) -> OnnxModelSpec:
        if (self.image is None) == (self.audio is None):
            raise ValueError("give exactly one of image (face-onnx) or audio (voice-onnx)")
        unknown = set(self.label_map) - set(self.labels)
        if unknown:
            raise ValueError(f"label_map names classes the model does not have: {sorted(unknown)}")
        basic = set(basic_emotions())
        bad = {v for v in self.label_map.values() if v not in basic}
        if bad:
            raise ValueError(f"label_map maps onto {sorted(bad)}, not basic emotions {sorted(basic)}")
        if not self.label_map:
            raise ValueError("label_map maps no class")
        return self


class OnnxClassifier:
    """An ONNX emotion classifier loaded from its YAML, checked against its sha256, run with onnxruntime."""

    def __init__(self, spec_path: Path, kind: Literal["image", "audio"]) -> None:
        self.spec_path = Path(spec_path)
        self.spec = load_spec(self.spec_path)
        if getattr(self.spec, kind) is None:
            needs = "face-onnx needs `image:`" if kind == "image" else "voice-onnx needs `audio:`"
            raise ConfigError(f"{self.spec_path}: {needs}")
        self.path = (self.spec_path.parent / self.spec.file).resolve()
        if not self.path.is_file():
            raise ModelUnavailableError(f"{self.path}: the ONNX file {self.spec_path} names does not exist")
        digest = sha256_file(self.path)
        if digest != self.spec.sha256:
            raise ModelUnavailableError(f"{self.path}: sha256 {digest} is not the {self.spec.sha256} that "
                                        f"{self.spec_path} expects")
        ort = require("onnxruntime", "pip install 'emer[onnx]'")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types for malformed models
            raise ModelUnavailableError(f"{self.path}: onnxruntime cannot load it: {e}") from e
        self.input_name = self.session.get_inputs()[0].name
        n_out = self.session.get_outputs()[0].shape[-1]
        if isinstance(n_out, int) and n_out != len(self.spec.labels):
            raise ConfigError(f"{self.spec_path}: the model has {n_out} outputs, the YAML lists "
                              f"{len(self.spec.labels)} labels")

    def ref(self) -> ModelRef:
        return ModelRef(name=f"{self.spec.name} ({self.spec_path.name})", sha256=self.spec.sha256, source="path")

    def run(self, tensor: np.ndarray) -> dict[str, float]:
        """Probabilities over the basic emotions the label map names (classes mapped to one emotion add up)."""
        raw = np.asarray(self.session.run(None, {self.input_name: tensor})[0], dtype=np.float64).reshape(-1)
        if len(raw) != len(self.spec.labels):
            raise ModelUnavailableError(f"{self.path}: returned {len(raw)} values for {len(self.spec.labels)} labels")
        if self.spec.outputs == "logits":
            e = np.exp(raw - raw.max())
            raw = e / e.sum()
        out: dict[str, float] = {}
        for label, p in zip(self.spec.labels, raw, strict=True):
            if label in self.spec.label_map:
                emotion = self.spec.label_map[label]
                out[emotion] = out.get(emotion, 0.0) + float(p)
        total = sum(out.values()) or 1.0
        return {k: round(v / total, 4) for k, v in out.items()}


def load_spec(path: Path) -> OnnxModelSpec:
    """The YAML at `path`; errors name the file and the cause."""
    try:
        data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read the ONNX model YAML: {e}") from e
    try:
        return OnnxModelSpec.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{path}: not an ONNX model YAML: {e}") from e


def image_tensor(face_bgr: np.ndarray, spec: ImageInput) -> np.ndarray:
    """A face crop (BGR uint8) as the model's input tensor."""
    import cv2

    h, w = (spec.size, spec.size) if isinstance(spec.size, int) else spec.size
    img = cv2.resize(face_bgr, (w, h), interpolation=cv2.INTER_AREA)
    if spec.color == "rgb":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif spec.color == "grey":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)[:, :, None]
    x = img.astype(np.float32) / spec.scale
    x = (x - np.array(spec.mean, np.float32)) / np.array(spec.std, np.float32)
    x = x[None]
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2) if spec.layout == "nchw" else x, dtype=np.float32)


def audio_tensor(audio: np.ndarray, rate: int, spec: AudioInput) -> np.ndarray:
    """Mono audio at `rate` as the model's input: resampled, cut to max_seconds, normalised, shape (1, T)."""
    x = np.asarray(audio, dtype=np.float32)
    if rate != spec.sample_rate:
        import librosa

        x = librosa.resample(x, orig_sr=rate, target_sr=spec.sample_rate).astype(np.float32)
    x = x[: int(spec.max_seconds * spec.sample_rate)]
    if spec.normalize:
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    return x[None].astype(np.float32)
