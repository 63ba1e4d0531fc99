"""Reference levels to read a clip's clues against: the speaker's usual face and voice, or the clip's own calm.

Absolute thresholds mislead: one actor's resting face reads as brow lowerer + lid tightener, loudness in dBFS
depends on the recording level, and pitch norms depend on the speaker. So each clip's features are compared
with a reference, and the evidence says which one it used:

- `speaker`: the median of the features over the speaker's clips in the run (at least `min_speaker_clips`),
  with a robust spread (1.4826 x MAD, floored) for the voice. This is per-speaker normalisation as emotion
  recognition uses it; the median is the speaker's typical level, not a labelled neutral.
  Clips are left out of it (and listed with the reason in `excluded`) so that a few clips that are not the
  speaker's usual self do not move every other clip's reference:
  - a clip whose transcript addresses a language model (`instructions_detected`: spoken prompt injection) is
    adversarial input and never shapes a reference;
  - an outlier: when the speaker has at least OUTLIER_MIN_CLIPS clips (three clean ones and one odd one), a
    clip whose voice is farther than OUTLIER_DISTANCE from the speaker's median on at least OUTLIER_MEASURES
    measures (another person, a
    synthetic voice, another recording chain). The distances are fixed, wider than acted emotion moves one
    voice, rather than multiples of the speaker's own spread: with a handful of clips the MAD is near zero on
    some measure (and emotion alone looks extreme) or inflated by the very clips it should find. At most
    OUTLIER_MAX_SHARE of the clips are left out this way, the farthest first (the most far measures, then the
    largest summed distance in OUTLIER_DISTANCE units). The face is not used: one smile moves many face
    measures together.
  Left-out clips are still read against the reference of the others.
- `clip`: no speaker reference. The face is read against the clip's own calmest frames (the quarter with the
  least action-unit activity, blinks aside); the voice against population norms where one exists (speech rate, pitch
  range), and not at all for level measures that depend on the speaker or the recording (pitch, loudness).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from statistics import median
from typing import Literal

import numpy as np
from pydantic import Field

from emer.pipeline.evidence.facs import load_au_table
from emer.pipeline.evidence.voice_features import voice_vocabulary
from emer.pipeline.records.clues import Clue, ClueStatus, EncoderPooling, FaceData, ProsodyData, Record

# The voice features, their smallest spreads (so a speaker with near-identical clips does not turn noise into
# z-scores), population norms for the `clip` reference (only measures that depend on neither sex nor recording
# level) and outlier distances: prompts/evidence/voice_features.yaml.
VOICE_FEATURES = voice_vocabulary().names()
MIN_SCALE = {f.name: f.min_scale for f in voice_vocabulary().features}
POPULATION_VOICE = {f.name: f.population for f in voice_vocabulary().features if f.population is not None}

CALM_FRAME_SHARE = 0.25

# Outlier clips left out of a speaker reference (see the module docstring; the distances per measure, wider than
# acted emotion moves one voice, are in prompts/evidence/voice_features.yaml).
OUTLIER_MIN_CLIPS = 4  # 3 clean clips (min_speaker_clips) and one odd one: the odd one must not shape it
OUTLIER_DISTANCE = {f.name: f.outlier_distance for f in voice_vocabulary().features}
OUTLIER_MEASURES = 2
OUTLIER_MAX_SHARE = 0.25
# Two transcripts are the same line when equal, or, both of at least SAME_LINE_MIN_WORDS words, when their word
# sequences match this closely (difflib ratio): ASR writes one script line differently in different emotions
# (EmoDB a04: "Heute Abend könnte ich es ihm sagen" / "... ich sie sagen", 0.77), while different everyday lines
# that share a start stay apart ("I don't know what to do" / "... what you mean", 0.71).
SAME_LINE_MIN_WORDS = 4
SAME_LINE_RATIO = 0.75

class FaceFeatures(Record):
    expression: dict[str, float] | None = Field(None, description="mean 7-class expression probabilities")
    au_peak: dict[str, float] = Field(default_factory=dict, description="90th percentile of each AU over frames")
    au_mean: dict[str, float] = Field(default_factory=dict)
    asym_peak: dict[str, float] = Field(default_factory=dict, description="90th percentile of each AU's left-right "
                                        "difference (absolute) over frames; only AUs estimated per side")
    asym_mean: dict[str, float] = Field(default_factory=dict)
    frames: int = 0


class VoiceFeatures(Record):
    pitch_st: float | None = Field(None, description="median pitch in semitones re 100 Hz")
    pitch_range_st: float | None = None
    pitch_slope: float | None = Field(None, description="semitones per second")
    loudness_db: float | None = None
    rate: float | None = Field(None, description="syllables per second of speaking time")
    alpha_ratio_db: float | None = None
    hnr_db: float | None = None
    emotion: dict[str, float] | None = Field(None, description="a speech-emotion model's probabilities (voice-onnx)")


class ClipFeatures(Record):
    """The numbers of one clip that references are made of."""

    clip_id: str
    speaker: str | None = None
    face: FaceFeatures | None = None
    face_calm: FaceFeatures | None = Field(None, description="the clip's calmest frames (least AU activity)")
    voice: VoiceFeatures | None = None
    instructions: int = Field(0, description="sentences of the transcript addressed to a language model; such a "
                              "clip is left out of speaker references")
    line: str | None = Field(None, description="the transcript, lower case, words only (to find a speaker's lines "
                             "said in several clips)")
    encoder: EncoderPooling | None = Field(None, description="the speech clue's pooled Whisper encoder states")


class Reference(Record):
    """What a clip is read against, and where it came from."""

    kind: Literal["speaker", "clip"]
    speaker: str | None = None
    clips: list[str] = Field(default_factory=list, description="clips the speaker reference is the median of")
    excluded: dict[str, str] = Field(default_factory=dict, description="the speaker's clips left out of the "
                                     "reference, and why (spoken instructions to a model, or an outlier voice)")
    face: FaceFeatures | None = None
    voice: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="voice feature -> (reference level, spread)")
    repeated_lines: list[str] = Field(
        default_factory=list, description="transcripts (as ClipFeatures.line) the speaker says in several clips "
        "(same_line: allowing for ASR errors): a script line said in several emotions, whose words tell none of "
        "them apart")
    encoder: EncoderPooling | None = Field(None, description="the speaker's pooled Whisper encoder states, averaged "
                                           "over the reference's clips (the voice probe reads a clip's difference)")

    def describe(self, modality: Literal["face", "voice"]) -> str:
        """One line naming the reference, for the prompt and the evidence file."""
        if self.kind == "speaker":
            return f"this speaker's usual level (median of {len(self.clips)} clips of speaker {self.speaker})"
        if modality == "face":
            return "this clip's own calmest frames"
        return "population norms (rate and pitch range only)"


class SpeakerReferences(Record):
    """OUT/references.json: every speaker reference of a run and which clip uses which."""

    record: Literal["references"] = "references"
    schema_version: Literal["1.0"] = "1.0"
    source: str = Field(description="how speakers were assigned (evidence.speakers)")
    min_speaker_clips: int
    speakers: dict[str, Reference]
    clip_speakers: dict[str, str | None]
    features_key: str = Field(description="hash of the clip features the references were computed from")


def _face_features(frames: Sequence) -> FaceFeatures:
    aus: dict[str, list[float]] = {}
    asym: dict[str, list[float]] = {}
    expressions: list[dict[str, float]] = []
    for fr in frames:
        for au, v in fr.aus.items():
            aus.setdefault(au, []).append(v)
        for au, v in fr.asymmetry.items():
            asym.setdefault(au, []).append(abs(v))
        if fr.expression:
            expressions.append(fr.expression)
    expression = None
    if expressions:
        names = expressions[0].keys()
        expression = {n: round(sum(e.get(n, 0.0) for e in expressions) / len(expressions), 4) for n in names}
    return FaceFeatures(
        expression=expression, frames=len(frames),
        au_peak={au: round(float(np.quantile(v, 0.9)), 4) for au, v in aus.items()},
        au_mean={au: round(sum(v) / len(v), 4) for au, v in aus.items()},
        asym_peak={au: round(float(np.quantile(v, 0.9)), 4) for au, v in asym.items()},
        asym_mean={au: round(sum(v) / len(v), 4) for au, v in asym.items()},
    )


def face_features(data: FaceData) -> tuple[FaceFeatures, FaceFeatures] | None:
    """(whole clip, calmest frames) face features, or None when no frame has a face."""
    frames = [f for f in data.timeline if f.aus]
    if not frames:
        return None
    activity = load_au_table().activity_names()
    calm_n = max(1, round(len(frames) * CALM_FRAME_SHARE))
    calm = sorted(frames, key=lambda f: sum(v for au, v in f.aus.items() if au in activity))[:calm_n]
    return _face_features(frames), _face_features(calm)


def voice_features(data: ProsodyData) -> VoiceFeatures:
    """The prosody clue's numbers on the scales references use (pitch in semitones re 100 Hz)."""
    pitch = 12 * math.log2(data.pitch_median_hz / 100.0) if data.pitch_median_hz else None
    return VoiceFeatures(
        pitch_st=round(pitch, 3) if pitch is not None else None,
        pitch_range_st=data.pitch_range_semitones, pitch_slope=data.pitch_slope_semitones_per_s,
        loudness_db=data.loudness_mean_db, rate=data.speech_rate_syllables_per_s,
        alpha_ratio_db=data.alpha_ratio_db, hnr_db=data.hnr_db, emotion=data.emotion,
    )


def clip_features(clip_id: str, clues: Sequence[Clue], speaker: str | None = None) -> ClipFeatures:
    """A clip's features from its clues (only clues with status ok count)."""
    out = ClipFeatures(clip_id=clip_id, speaker=speaker)
    for clue in clues:
        if clue.status != ClueStatus.ok or clue.data is None:
            continue
        if clue.kind == "face":
            both = face_features(clue.data)
            if both:
                out.face, out.face_calm = both
        elif clue.kind == "prosody":
            out.voice = voice_features(clue.data)
        elif clue.kind == "speech":
            out.instructions = len(clue.data.instructions_detected)
            out.line = transcript_line(clue.data.text)
            out.encoder = clue.data.encoder
    return out


def transcript_line(text: str) -> str | None:
    """A transcript as a line to compare: lower case, its words only (None when it has none)."""
    words = re.findall(r"\w+", text.lower())
    return " ".join(words) if words else None


def same_line(a: str, b: str) -> bool:
    """Two transcript lines (`transcript_line`) are the same line, allowing for ASR errors (SAME_LINE_RATIO)."""
    if a == b:
        return True
    x, y = a.split(), b.split()
    if min(len(x), len(y)) < SAME_LINE_MIN_WORDS:
        return False
    m = difflib.SequenceMatcher(None, x, y, autojunk=False)
    # the cheap upper bounds of ratio() first: most pairs of a speaker's different lines stop there
    return m.real_quick_ratio() >= SAME_LINE_RATIO and m.quick_ratio() >= SAME_LINE_RATIO \
        and m.ratio() >= SAME_LINE_RATIO


def said_again(line: str | None, ref: Reference | None) -> bool:
    """The line is one the reference's speaker says in several clips (`Reference.repeated_lines`)."""
    return bool(line and ref is not None and any(same_line(line, r) for r in ref.repeated_lines))


def _repeated(lines: Sequence[str]) -> list[str]:
    """The lines (each as written) said in more than one clip, as `same_line` counts them."""
    return sorted({a for i, a in enumerate(lines) for j, b in enumerate(lines) if i != j and same_line(a, b)})


def _median_dict(dicts: Sequence[Mapping[str, float]]) -> dict[str, float]:
    keys = set().union(*dicts) if dicts else set()
    return {k: round(median(d[k] for d in dicts if k in d), 4) for k in sorted(keys)}


def _voice_levels(members: Sequence[ClipFeatures]) -> dict[str, tuple[float, float]]:
    """Per voice feature with at least two values: (median, robust spread floored at MIN_SCALE)."""
    voice: dict[str, tuple[float, float]] = {}
    for name in VOICE_FEATURES:
        values = [getattr(m.voice, name) for m in members if m.voice is not None]
        values = [v for v in values if v is not None]
        if len(values) < 2:
            continue
        level = median(values)
        mad = median(abs(v - level) for v in values) * 1.4826
        voice[name] = (round(level, 4), round(max(mad, MIN_SCALE[name]), 4))
    return voice


def voice_outliers(members: Sequence[ClipFeatures]) -> dict[str, str]:
    """The clips whose voice is an outlier among the speaker's (the rule is in the module docstring), farthest
    first, each with the reason."""
    if len(members) < OUTLIER_MIN_CLIPS:
        return {}
    levels = _voice_levels(members)
    far: list[tuple[int, float, str, list[str]]] = []
    for m in members:
        if m.voice is None:
            continue
        dist = {n: abs(v - levels[n][0]) / OUTLIER_DISTANCE[n] for n in levels
                if (v := getattr(m.voice, n)) is not None}
        beyond = sorted(n for n, d in dist.items() if d > 1)
        if len(beyond) >= OUTLIER_MEASURES:
            far.append((len(beyond), sum(dist[n] for n in beyond), m.clip_id, beyond))
    far.sort(key=lambda x: (-x[0], -x[1], x[2]))
    return {cid: "voice far from the speaker's other clips: " + ", ".join(
        f"{n} more than {OUTLIER_DISTANCE[n]:g} from the median" for n in names)
        for _, _, cid, names in far[: int(len(members) * OUTLIER_MAX_SHARE)]}


def speaker_reference(speaker: str, members: Sequence[ClipFeatures],
                      excluded: Mapping[str, str] | None = None) -> Reference:
    """The speaker's median face and voice over their clips except the `excluded` ones (clip id -> why), with
    robust spreads for the voice."""
    excluded = dict(excluded or {})
    members = [m for m in members if m.clip_id not in excluded]
    faces = [m.face for m in members if m.face is not None]
    face = None
    if faces:
        expressions = [f.expression for f in faces if f.expression]
        face = FaceFeatures(
            expression=_median_dict(expressions) if expressions else None,
            au_peak=_median_dict([f.au_peak for f in faces]), au_mean=_median_dict([f.au_mean for f in faces]),
            asym_peak=_median_dict([f.asym_peak for f in faces]), asym_mean=_median_dict([f.asym_mean for f in faces]),
            frames=sum(f.frames for f in faces),
        )
    lines = [m.line for m in members if m.line]
    encoded = [m.encoder for m in members if m.encoder is not None]
    same = [e for e in encoded if (e.model, e.dims) == (encoded[0].model, encoded[0].dims)] if encoded else []
    return Reference(kind="speaker", speaker=speaker, clips=sorted(m.clip_id for m in members), face=face,
                     voice=_voice_levels(members), excluded=dict(sorted(excluded.items())),
                     repeated_lines=_repeated(lines),
                     encoder=EncoderPooling.average(same) if len(same) >= 2 else None)


def clip_reference(features: ClipFeatures) -> Reference:
    """The fallback reference: the clip's calmest frames for the action units, no prior for the expression
    classifier (its probabilities are already a population reading: dividing by the clip's own calm frames
    removes the expression the whole clip shows), population norms for the voice."""
    calm = features.face_calm.model_copy(update={"expression": None}) if features.face_calm else None
    return Reference(kind="clip", face=calm, voice=dict(POPULATION_VOICE))


def build_references(features: Sequence[ClipFeatures], min_speaker_clips: int = 3) -> dict[str, Reference]:
    """Speaker references for every speaker with at least `min_speaker_clips` clips once the clips to leave
    out are left out (see the module docstring), by speaker."""
    groups: dict[str, list[ClipFeatures]] = {}
    for f in features:
        if f.speaker is not None:
            groups.setdefault(f.speaker, []).append(f)
    out = {}
    for speaker, members in sorted(groups.items()):
        excluded = {m.clip_id: f"the transcript addresses a language model ({m.instructions} sentence"
                    f"{'s' if m.instructions > 1 else ''})" for m in members if m.instructions}
        trusted = [m for m in members if m.clip_id not in excluded]
        excluded.update(voice_outliers(trusted))
        if len(members) - len(excluded) >= min_speaker_clips:
            out[speaker] = speaker_reference(speaker, members, excluded)
    return out
