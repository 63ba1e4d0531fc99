"""`voice-onnx`: the Praat prosody clue plus the emotion probabilities of any ONNX speech-emotion model a user
plugs in (a wav2vec2, HuBERT or emotion2vec classifier exported to ONNX, taking the raw waveform). The model is
configured by a small YAML (extractors/onnx_spec.py: file, sha256, sample rate, normalisation, label map onto the
basic emotions); its probabilities land in the prosody clue's `emotion`, which the prosody evidence reads beside
the vocal profiles (pipeline/evidence/summary.py).

    emer run clips/ --extractors mediapipe-face,faster-whisper,voice-onnx --set voice-onnx.model=ser.yaml
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from emer.extractors.base import timed
from emer.extractors.onnx_spec import OnnxClassifier, audio_tensor
from emer.extractors.prosody_praat import PraatProsodyExtractor, ProsodyConfig
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import ClueStatus, ModelRef, ProsodyClue


class OnnxVoiceConfig(ProsodyConfig):
    model: Path = Field(description="the YAML that configures the ONNX speech-emotion model (extractors/onnx_spec.py)")


class OnnxVoiceExtractor(PraatProsodyExtractor):
    name: ClassVar[str] = "voice-onnx"
    version: ClassVar[str] = "1.0.0"
    Config: ClassVar[type[OnnxVoiceConfig]] = OnnxVoiceConfig
    config: OnnxVoiceConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._classifier: OnnxClassifier | None = None

    def load(self) -> None:
        self._get_classifier()

    def _get_classifier(self) -> OnnxClassifier:
        if self._classifier is None:
            self._classifier = OnnxClassifier(self.config.model, "audio")
        return self._classifier

    def model_refs(self) -> list[ModelRef]:
        return [*super().model_refs(), self._get_classifier().ref()]

    def extract(self, clip: Clip) -> ProsodyClue:
        clue = super().extract(clip)
        if clue.status != ClueStatus.ok or clue.data is None or clip.audio is None:
            return clue
        classifier = self._get_classifier()
        spec = classifier.spec.audio
        assert spec is not None  # checked when the classifier loaded
        with timed(clue.timings, "emotion_model"):
            clue.data.emotion = classifier.run(audio_tensor(clip.audio, clip.audio_rate, spec))
        return clue
