"""Clue records: what each specialist extractor writes, one versioned, self-describing JSON file per clue.

Every clue carries its kind, schema version, clip identity, the extractor's name, version and config, the
models it used (with sha256), a status and timings. `data` is present only when status is `ok`. Clues are
loaded by their explicit `kind`, never by guessing from which keys are present (pipeline/store/io.py `load_clue`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

CLUE_SCHEMA_VERSION = "1.0"

ClueKind = Literal["face", "speech", "prosody", "scene"]
CLUE_KINDS: tuple[ClueKind, ...] = get_args(ClueKind)  # the same four, in order, for loops and messages


class Record(BaseModel):
    """Base for every serialized model: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


class ClueStatus(StrEnum):
    """Whether a clue holds data, and if not, why not. The prompt shows a missing modality as its status."""

    ok = "ok"
    no_signal = "no_signal"  # the modality is there but carries nothing (no face found, silence)
    unsupported = "unsupported"  # the clip lacks the modality (no video stream, no audio track)
    failed = "failed"  # the extractor raised; `detail` keeps the cause


class ExtractorInfo(Record):
    name: str
    version: str
    kind: ClueKind
    config: dict[str, Any]


class ModelRef(Record):
    """A model a clue or result was computed with, identified by its sha256."""

    name: str
    sha256: str
    source: str = Field(description="where the weights were found: path, cache, pypi or hub")


# --- face -------------------------------------------------------------------------------------------


class FaceFrame(Record):
    t: float = Field(description="seconds from the clip start")
    faces: int = Field(description="faces detected in this frame")
    box: tuple[float, float, float, float] | None = Field(
        None, description="followed (largest) face: x, y, width, height as fractions of the frame"
    )
    blendshapes: dict[str, float] = Field(default_factory=dict, description="MediaPipe blendshape scores 0-1")
    aus: dict[str, float] = Field(default_factory=dict, description="FACS AU intensity estimates 0-1")
    asymmetry: dict[str, float] = Field(default_factory=dict, description="per AU estimated on each side of the "
                                        "face: left minus right estimate (-1..1); empty when the extractor has no "
                                        "sides")
    expression: dict[str, float] | None = Field(None, description="7-class expression probabilities")


class AUSummary(Record):
    au: str = Field(description="e.g. AU12")
    name: str = Field(description="FACS name, e.g. lip corner puller")
    mean: float
    peak: float
    peak_time: float


class PrototypeMatch(Record):
    """How far the active AUs match an EMFACS-style emotion prototype."""

    emotion: str
    aus: list[str] = Field(description="the prototype's AUs")
    active: list[str] = Field(description="prototype AUs active at the peak frame")
    unmeasured: list[str] = Field(description="prototype AUs the blendshape mapping cannot estimate")
    score: float = Field(description="active / measurable prototype AUs")


class FaceSummary(Record):
    peak_time: float | None = Field(description="time of the strongest overall AU activity")
    top_aus: list[AUSummary]
    prototypes: list[PrototypeMatch]
    expression_mean: dict[str, float] | None
    expression_top: str | None


class FaceData(Record):
    frames_sampled: int
    frames_with_face: int
    max_faces: int = Field(description="most faces seen in one frame; the largest face is followed")
    au_mapping: str = Field(description="id of the blendshape-to-AU mapping table used")
    timeline: list[FaceFrame]
    summary: FaceSummary


# --- speech -----------------------------------------------------------------------------------------


class SpeechSegment(Record):
    start: float
    end: float
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


class InstructionSpan(Record):
    """A sentence of the transcript that addresses a language model ("ignore all previous instructions ...")."""

    start: int = Field(description="character offset of the sentence in the transcript `text`")
    end: int = Field(description="character offset just past the sentence")
    text: str = Field(description="the sentence")
    patterns: list[str] = Field(description="names of the patterns it matched "
                                "(prompts/evidence/injection_patterns.yaml)")


def _pack16(values: Any) -> str:
    """Numbers as float16 little-endian, base64."""
    import base64

    import numpy as np

    return base64.b64encode(np.asarray(values, dtype="<f2").tobytes()).decode("ascii")


class EncoderPooling(Record):
    """The Whisper encoder's output over the clip's speech, pooled: the states of the transcription's own encoder
    pass (no second pass), over the frames of real audio (50 per second; the 30-s window's padding left out),
    as mean and standard deviation per dimension. Stored as float16 in base64 (2 bytes a number) to keep the
    clue small; read by the voice probe (pipeline/evidence/voice_model.py)."""

    model: str = Field(description="the Whisper model whose encoder made the states (registry name)")
    model_sha256: str | None = Field(None, description="sha256 of its weights")
    frames: int = Field(description="encoder frames pooled (real audio, 50 per second)")
    dims: int = Field(description="width of the encoder states")
    mean: str = Field(description="per-dimension mean over the frames: float16 little-endian, base64")
    std: str = Field(description="per-dimension standard deviation over the frames: float16 little-endian, base64")

    @classmethod
    def pool(cls, frames: Any, model: str, model_sha256: str | None = None) -> EncoderPooling:
        """Pool a (frames, dims) array of encoder states."""
        import numpy as np

        x = np.asarray(frames, dtype=np.float32)
        if x.ndim != 2 or x.shape[0] == 0:
            raise ValueError(f"encoder states must be a non-empty (frames, dims) array, not shape {x.shape}")
        return cls(model=model, model_sha256=model_sha256, frames=int(x.shape[0]), dims=int(x.shape[1]),
                   mean=_pack16(x.mean(axis=0)), std=_pack16(x.std(axis=0)))

    @classmethod
    def average(cls, pooled: list[EncoderPooling]) -> EncoderPooling:
        """Several clips' poolings averaged part by part (a speaker's usual encoder states)."""
        import numpy as np

        if not pooled or len({(p.model, p.dims) for p in pooled}) != 1:
            raise ValueError("encoder poolings to average must be of one model and width")
        first = pooled[0]
        return cls(model=first.model, model_sha256=first.model_sha256, frames=sum(p.frames for p in pooled),
                   dims=first.dims, mean=_pack16(np.mean([p.vector(("mean",)) for p in pooled], axis=0)),
                   std=_pack16(np.mean([p.vector(("std",)) for p in pooled], axis=0)))

    def vector(self, parts: tuple[str, ...] = ("mean", "std")) -> Any:
        """The pooled vector (numpy float32): the named parts concatenated."""
        import base64

        import numpy as np

        out = [np.frombuffer(base64.b64decode(getattr(self, p)), dtype="<f2").astype(np.float32) for p in parts]
        if any(v.size != self.dims for v in out):
            raise ValueError(f"encoder pooling of {self.model}: a part does not hold {self.dims} numbers")
        return np.concatenate(out)


class SpeechData(Record):
    language: str
    language_probability: float | None
    text: str
    segments: list[SpeechSegment]
    words: int
    speech_seconds: float = Field(description="summed duration of the transcribed segments")
    words_per_second: float
    instructions_detected: list[InstructionSpan] = Field(
        default_factory=list, description="sentences addressed to a language model: reported, shown to the LLM "
        "only as removed, and not read as evidence")
    reliable: bool = Field(True, description="the transcript can be taken as what was said; False: an ASR "
                           "hallucination or non-speech (see `unreliable`), never quoted nor read as evidence")
    unreliable: list[str] = Field(default_factory=list, description="why the transcript is not trusted "
                                  "(pipeline/evidence/transcript_guard.py: repetition loop, low log-probability, ...)")
    sounds: list[str] = Field(default_factory=list, description="non-speech sounds Whisper annotated and that "
                              "were removed from `text` (crying, laughter, ...)")
    translation: str | None = Field(None, description="an English translation of `text` when it is in another "
                                    "language (Whisper's translate task), for readers; not evidence")
    translated_by: str | None = Field(None, description="what made the translation (model name)")
    encoder: EncoderPooling | None = Field(None, description="the transcription pass's Whisper encoder states "
                                           "over the speech, pooled (faster-whisper); None from other backends")


# --- prosody ----------------------------------------------------------------------------------------


class ProsodyData(Record):
    duration_s: float
    pitch_median_hz: float | None
    pitch_p10_hz: float | None
    pitch_p90_hz: float | None
    pitch_range_semitones: float | None = Field(description="p10 to p90 of voiced frames")
    pitch_slope_semitones_per_s: float | None = Field(description="linear trend over voiced frames")
    loudness_mean_db: float = Field(description="mean RMS level of sounding (or, if none, all) frames, dBFS")
    loudness_std_db: float
    loudness_max_db: float
    voiced_ratio: float = Field(description="share of frames with pitch")
    pauses: int = Field(description="silent gaps of at least min_pause_s between sounding stretches")
    pause_seconds: float
    speech_rate_syllables_per_s: float | None = Field(description="syllable nuclei per second of sounding time")
    # voice quality (None when no frame is voiced; absent from clues of prosody extractors that do not measure it)
    hnr_db: float | None = Field(None, description="harmonics-to-noise ratio (Praat, cross-correlation method), "
                                 "mean over voiced frames, dB; lower = breathier or rougher voice")
    alpha_ratio_db: float | None = Field(None, description="energy 1-5 kHz over energy 50 Hz-1 kHz (eGeMAPS), mean "
                                         "over voiced frames, dB; higher = more high-frequency energy (tenser)")
    hammarberg_index_db: float | None = Field(None, description="strongest spectral peak 0-2 kHz minus strongest "
                                              "peak 2-5 kHz (eGeMAPS), mean over voiced frames, dB; lower = more "
                                              "high-frequency energy")
    jitter_local: float | None = Field(None, description="mean absolute difference of consecutive glottal periods "
                                       "over the mean period (Praat jitter, local), a fraction (0.01 = 1 %)")
    shimmer_local_db: float | None = Field(None, description="mean absolute level difference of consecutive "
                                           "periods (Praat shimmer, local, dB)")
    emotion: dict[str, float] | None = Field(None, description="a speech-emotion model's probabilities over basic "
                                             "emotions (voice-onnx); absent from extractors without one")
    functionals: dict[str, float] | None = Field(None, description="openSMILE eGeMAPSv02 functionals (88, by "
                                                 "openSMILE's names); only from opensmile-prosody")
    description: str = Field(description="the numbers in plain words")


# --- scene ------------------------------------------------------------------------------------------


class BodyEvent(Record):
    """A stretch of time during which a body or head cue holds (at least two sampled frames)."""

    cue: str = Field(description="hand_at_face, hand_raised, arms_crossed, hands_on_hips, arm_extended, "
                     "pointing, head_lowered, head_raised, head_turned, gaze_averted")
    start: float = Field(description="seconds from the clip start")
    end: float


class BodyData(Record):
    """What the body, head and hands show (mediapipe-body): shares are of the analysed frames with a person
    (or a face, for head and gaze). Scale unit: the shoulder width, else twice the face width."""

    frames_analysed: int
    people: int = Field(description="most people seen together in at least two analysed frames")
    person_share: float = Field(description="share of analysed frames with a person")
    posture: Literal["upright", "leaning", "slumped"] | None = Field(description="None: shoulders not seen")
    neck_ratio: float | None = Field(None, description="median (shoulder-midpoint y - nose y) / shoulder width; "
                                     "lower = head sunk toward the shoulders")
    lean: float | None = Field(None, description="median |nose x - shoulder-midpoint x| / shoulder width")
    shoulder_tilt_deg: float | None = Field(None, description="median |angle of the shoulder line|")
    head: Literal["lowered", "raised", "level"] | None = Field(description="from the median head pitch; None: "
                                                               "no face")
    head_pitch_deg: float | None = Field(None, description="median; positive = head tilted down")
    head_yaw_deg: float | None = Field(None, description="median; sign = turned toward image right")
    head_movement_deg_s: float | None = Field(None, description="mean angular speed of the head (yaw, pitch)")
    gaze_shifts: int | None = Field(None, description="quick changes of where the eyes point (iris in the eye "
                                    "or head turn)")
    gaze_shifts_per_s: float | None = None
    gaze_averted_share: float | None = Field(None, description="share of face frames with eyes or head turned "
                                             "away from the camera")
    hands_visible_share: float = Field(description="share of analysed frames with a hand found")
    hand_cues: dict[str, float] = Field(default_factory=dict, description="cue -> share of person frames: "
                                        "hand_at_face, hand_raised, arms_crossed, hands_on_hips, arm_extended, "
                                        "pointing")
    gestures: list[str] = Field(default_factory=list, description="pointing, waving")
    hand_motion: float | None = Field(None, description="mean speed of the hands, scale units per second")
    hand_motion_level: Literal["still", "some", "much"] | None = None
    jitter: float | None = Field(None, description="median frame-to-frame keypoint jitter (second difference), "
                                 "scale units; high = restless, fidgeting or trembling")
    restless: bool | None = None
    backdrop: Literal["plain", "detailed"] = Field(description="from the uniformity of the frame border")
    events: list[BodyEvent] = Field(default_factory=list)


class SceneData(Record):
    brightness: float = Field(description="mean luma 0-1")
    contrast: float = Field(description="RMS contrast: std of luma 0-1")
    colourfulness: float = Field(description="Hasler & Suesstrunk (2003) M3 metric")
    warmth: float = Field(description="mean (R - B) / 255, -1 cold .. 1 warm")
    motion_energy: float = Field(description="mean absolute luma change between sampled frames, 0-1")
    faces: int = Field(description="most faces seen in one sampled frame")
    face_height_ratio: float | None = Field(description="largest face height / frame height")
    shot_scale: Literal["extreme close-up", "close-up", "medium close-up", "medium shot", "long shot"] | None
    description: str
    body: BodyData | None = Field(None, description="body, head and hands (mediapipe-body only)")
    caption: str | None = Field(None, description="the scene in sentences, built from the fields by the rules "
                                "of prompts/evidence/scene_caption.yaml (mediapipe-body only)")
    vlm_caption: str | None = Field(None, description="a vision-language model's description of the key frames, "
                                    "when one is configured (mediapipe-body `vlm_model`); model text, unchecked")


# --- the clue records -------------------------------------------------------------------------------


class _ClueBase(Record):
    record: Literal["clue"] = "clue"
    schema_version: Literal["1.0"] = CLUE_SCHEMA_VERSION
    clip_id: str
    clip_sha256: str
    extractor: ExtractorInfo
    models: list[ModelRef] = Field(default_factory=list)
    status: ClueStatus
    detail: str | None = Field(None, description="why the status is not ok, or warnings")
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per step")
    cache_key: str | None = Field(
        None, description="hash of clip content, extractor name, version, config and decoding: reruns reuse a match"
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class FaceClue(_ClueBase):
    kind: Literal["face"] = "face"
    data: FaceData | None = None


class SpeechClue(_ClueBase):
    kind: Literal["speech"] = "speech"
    data: SpeechData | None = None


class ProsodyClue(_ClueBase):
    kind: Literal["prosody"] = "prosody"
    data: ProsodyData | None = None


class SceneClue(_ClueBase):
    kind: Literal["scene"] = "scene"
    data: SceneData | None = None


Clue = FaceClue | SpeechClue | ProsodyClue | SceneClue

CLUE_MODELS: dict[str, type[Clue]] = {
    "face": FaceClue,
    "speech": SpeechClue,
    "prosody": ProsodyClue,
    "scene": SceneClue,
}

