"""`face-onnx`: the MediaPipe face clue (blendshapes, AU estimates, left-right asymmetry, prototypes) with the
expression classifier replaced by any ONNX expression model a user plugs in, e.g. HSEmotion's AffectNet-8
EfficientNet export, which has contempt. The model is configured by a small YAML (extractors/onnx_spec.py: file,
sha256, input size and normalisation, label map onto the basic emotions); the face crop is the same square box
around MediaPipe's landmarks the built-in classifier sees, widened by the YAML's margin.

    emer run clips/ --extractors face-onnx,faster-whisper,praat-prosody --set face-onnx.model=hsemotion.yaml
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from emer.extractors.face_mediapipe import LANDMARKER_MODEL, MediaPipeFaceExtractor, face_crop
from emer.extractors.face_summary import summarize_face
from emer.extractors.onnx_spec import OnnxClassifier, image_tensor
from emer.pipeline.records.clues import FaceFrame, FaceSummary, ModelRef


class OnnxFaceExtractor(MediaPipeFaceExtractor):
    name: ClassVar[str] = "face-onnx"
    version: ClassVar[str] = "1.0.0"

    class Config(MediaPipeFaceExtractor.Config):
        model: Path = Field(description="the YAML that configures the ONNX expression model (extractors/onnx_spec.py)")
        expression: bool = Field(True, description="always on: the ONNX model is this extractor's reason to be")

    config: Config

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._classifier: OnnxClassifier | None = None

    def _get_interpreter(self) -> OnnxClassifier:
        if self._classifier is None:
            self._classifier = OnnxClassifier(self.config.model, "image")
        return self._classifier

    def model_refs(self) -> list[ModelRef]:
        return [self.models.resolve(LANDMARKER_MODEL).ref(), self._get_interpreter().ref()]

    def _expression(self, image_bgr: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float] | None:
        classifier = self._get_interpreter()
        spec = classifier.spec.image
        assert spec is not None  # checked when the classifier loaded
        crop = face_crop(image_bgr, box, spec.margin)
        return None if crop is None else classifier.run(image_tensor(crop, spec))

    def _summary(self, frames: list[FaceFrame]) -> FaceSummary:
        labels = sorted(set(self._get_interpreter().spec.label_map.values()))
        return summarize_face(frames, [a.au for a in self._mapping.aus], labels, self.config.top_aus,
                              self.config.au_active_threshold)
