"""One reading per channel, shared by the decision and the explanation.

The evidence summary's modalities (pipeline/evidence/summary.py) are grouped into the four channels a reader knows: the
face (expression classifier and action units), the voice (prosody), the words (what was said, read as a whole
in any language by the text channel, with any English emotion words said as cues inside that reading) and the
body and setting (scene). Each channel is one `ChannelReading`: its cues in plain words with what the cue tables
read them as (prompts/evidence/cue_phrases.yaml, the EMFACS prototypes, the vocal profiles), its distribution
over the basic emotions, its weight, reliability and share of the fused decision.

The fusion combines these records (`fused_scores`: the weighted product of their distributions; a channel made
of two modalities carries their weighted geometric mean at the summed weight, so the product is the same as over
the modalities), and the explanation notes are rendered from the same records (pipeline/reasoning/cues.py): a
channel cannot decide one thing and be described as another.

`share` is the channel's part of the fused evidence's pull: weight x (log-probability of its leading emotion -
mean log-probability), over the channels' sum. A flat channel (plain words, a usual voice) pulls nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from emer.pipeline.evidence.facs import load_prototypes
from emer.pipeline.evidence.injection import neutralised_speech
from emer.pipeline.evidence.voice_features import voice_vocabulary
from emer.pipeline.evidence.voice_model import LEARNED_VOICE_CUES
from emer.pipeline.records.channel import ChannelCue, ChannelName, ChannelReading, WordsReading
from emer.pipeline.records.evidence import ModalityEvidence, Observation
from emer.pipeline.records.vocab import basic_emotions, basic_of_wheel_word, default_wheel, load_data_yaml

CHANNELS: tuple[ChannelName, ...] = ("face", "voice", "words", "body")
SOURCES: dict[ChannelName, tuple[str, ...]] = {"face": ("face",), "voice": ("prosody",), "words": ("text", "speech"),
                                               "body": ("scene",)}
_CLUE_OF = {"face": "face", "voice": "prosody", "words": "speech", "body": "scene"}
_FLOOR = 1e-4


@cache
def phrases() -> dict[str, Any]:
    """prompts/evidence/cue_phrases.yaml."""
    return load_data_yaml("evidence", "cue_phrases.yaml")


@cache
def au_readings() -> dict[str, tuple[str, ...]]:
    """AU -> the emotions it is a sign of: the EMFACS prototypes it belongs to, plus `au_readings`."""
    out: dict[str, list[str]] = {}
    for p in load_prototypes():
        for au in p.aus:
            out.setdefault(au, []).append(p.emotion)
    for au, emotions in phrases().get("au_readings", {}).items():
        for e in emotions:
            if e not in out.setdefault(au, []):
                out[au].append(e)
    return {k: tuple(v) for k, v in out.items()}


@cache
def voice_readings() -> dict[tuple[str, str], tuple[str, ...]]:
    """(voice cue, category) -> the emotions whose vocal profile moves that feature that way by at least half a
    spread (high pitch -> fear, happiness, surprise, ...), and the pitch contour's readings (rising -> anger,
    fear, happiness; prompts/evidence/voice_features.yaml)."""
    profiles = load_data_yaml("evidence", "vocal_profiles.yaml")["profiles"]
    vocabulary = voice_vocabulary()
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for f in vocabulary.features:
        out[(f.cue, f.up)] = tuple(e for e, p in profiles.items() if p.get(f.name, 0.0) >= 0.5)
        out[(f.cue, f.down)] = tuple(e for e, p in profiles.items() if p.get(f.name, 0.0) <= -0.5)
    for direction, emotions in vocabulary.contour.readings.items():
        out[(vocabulary.contour.cue, direction)] = tuple(emotions)
    return out


# --- plain words ------------------------------------------------------------------------------------


def _or(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def face_cue(o: Observation) -> ChannelCue | None:
    """An observation of the face in plain words: the classifier's reading, or an action unit raised."""
    if o.cue == "expression":
        return ChannelCue(text=f"the expression classifier reads the face as {o.category}", signs=[o.category],
                          names=True)
    looks = phrases()["au_looks"]
    if o.cue not in looks or o.category in ("usual", "lowered"):
        return None
    if o.category == "one-sided":  # the face reading's sign of contempt: the emotions its prototypes give it
        one = phrases().get("au_one_sided", {})
        return ChannelCue(text=one.get(o.cue, f"{looks[o.cue]}, on one side of the face"), signs=list(o.supports))
    text = looks[o.cue]
    if o.category == "raised":
        text = text.replace(" (", " more than usual (", 1) if " (" in text else text + " more than usual"
    return ChannelCue(text=text, signs=list(au_readings().get(o.cue, ())))


def voice_cue(o: Observation, usual: str) -> ChannelCue | None:
    """A voice observation off its usual level in plain words; the learned voice reading as what it reads."""
    if o.cue in LEARNED_VOICE_CUES and o.category in basic_emotions():
        return ChannelCue(text=phrases()["voice_learned"].format(emotion=o.category), signs=[o.category],
                          names=True)
    table = phrases()["voice"].get(o.cue, {})
    if o.category not in table or o.category in ("usual", "flat"):
        return None
    return ChannelCue(text=table[o.category].format(usual=usual),
                      signs=list(voice_readings().get((o.cue, o.category), ())))


_NUMBERS = re.compile(r"\s*\([^)]*\d[^)]*\)")
_BODY_CUES = ("posture", "head", "gaze", "hand_motion", "restless", "people", "framing")


def body_cue(o: Observation) -> ChannelCue | None:
    """A body or setting observation without its numbers ("slumped posture", "gaze turned away")."""
    if o.cue in ("brightness", "motion", "caption"):
        return None
    text = _NUMBERS.sub("", o.text)
    text = re.sub(r"\s+in \d+% of the (?:face )?frames", "", text)
    if re.search(r"\d", text) and o.cue != "people":
        return None
    if o.cue == "people":
        n = int(o.value or 0)
        text = "one person is in view" if n == 1 else f"{n} people are in view" if n else ""
    return ChannelCue(text=text, signs=list(o.supports)) if text else None


# --- the channels -----------------------------------------------------------------------------------


def weighted_logs(parts: Sequence[Any], basic: Sequence[str]) -> dict[str, float]:
    """The weighted sum of the parts' log-probabilities over `basic` (each part has `emotions` and `weight`; the
    fusion's product in log space). An emotion a part does not score gets the mean of that part's
    log-probabilities: no evidence either way. A part with no weight or no emotion of `basic` adds nothing."""
    total = dict.fromkeys(basic, 0.0)
    for part in parts:
        if part.weight <= 0:
            continue
        own = {e: math.log(max(part.emotions[e], _FLOOR)) for e in basic if e in part.emotions}
        if own:
            mean = sum(own.values()) / len(own)
            for e in basic:
                total[e] += part.weight * own.get(e, mean)
    return total


def _merge(parts: Sequence[ModalityEvidence], basic: Sequence[str]) -> tuple[dict[str, float], float]:
    """The modalities' weighted geometric mean over `basic` (normalised) and their summed weight: the same product
    (weighted_logs divided by the weight)."""
    informative = [m for m in parts if m.emotions and m.weight > 0 and any(e in m.emotions for e in basic)]
    weight = sum(m.weight for m in informative)
    if not informative:
        return {}, 0.0
    logs = {e: v / weight for e, v in weighted_logs(informative, basic).items()}
    top = max(logs.values())
    total = sum(math.exp(v - top) for v in logs.values())
    return {e: round(math.exp(v - top) / total, 4) for e, v in logs.items()}, round(weight, 4)


def _lean(emotions: Mapping[str, float]) -> str | None:
    if not emotions:
        return None
    ranked = sorted(emotions, key=lambda e: -emotions[e])
    return ranked[0] if emotions[ranked[0]] - emotions[ranked[1]] > 0.02 else None


def said_emotion_words(text: str) -> list[str]:
    """Emotion-wheel words in an English text (not negated within the three words before), in the form said
    ("furious", not the wheel's "fury"), one per wheel word."""
    from emer.pipeline.records.text import negations

    wheel = default_wheel()
    tokens = [t.lower() for t in re.findall(r"[a-zA-Z']+", text)]
    out: list[str] = []
    seen: set[str] = set()  # the wheel words said so far
    for i, tok in enumerate(tokens):
        if len(tok) > 2 and basic_of_wheel_word(tok) not in (None, "neutral") \
                and not negations() & set(tokens[max(0, i - 3): i]) and wheel.normalise(tok) not in seen:
            seen.add(wheel.normalise(tok))
            out.append(tok)
    return out


def _words(parts: Sequence[ModalityEvidence], speech: Any) -> tuple[list[ChannelCue], WordsReading, str]:
    text = next((m for m in parts if m.modality == "text"), None)
    conveys: list[str] = []
    script_line = next((o for o in text.observations if o.cue == "script_line"), None) if text is not None else None
    if text is not None and text.emotions and text.observations and text.observations[0].category != "neutral" \
            and script_line is None:
        conveys = [e for e in sorted(text.emotions, key=lambda e: -text.emotions[e])
                   if e != "neutral" and text.emotions[e] >= 0.2][:2]
    data = neutralised_speech(speech.model_dump(mode="json")) if speech is not None else {}
    quote = (data.get("text") or "").strip() or None
    translation = getattr(speech, "translation", None)
    named = said_emotion_words(quote or "") if (getattr(speech, "language", "en") == "en") \
        else said_emotion_words(translation or "")
    cues: list[ChannelCue] = []
    if conveys:
        cues.append(ChannelCue(text=f"what is said conveys {' and '.join(conveys)}", signs=conveys, names=True))
    elif script_line is not None:  # the evidence gave these words no weight: their reading is no evidence either
        cues.append(ChannelCue(text=phrases()["script_line"]))
    elif text is not None:
        cues.append(ChannelCue(text="the words themselves express no particular emotion"))
    if named:
        signs = sorted({b for w in named if (b := basic_of_wheel_word(w))})
        cues.append(ChannelCue(text=f"the speaker uses emotion words ({', '.join(named)})", signs=signs,
                               names=True))
    if speech is not None and speech.instructions_detected:
        cues.append(ChannelCue(text="part of what was said addressed an AI model (an attempt to instruct it); it "
                               "was removed and is no evidence"))
    words = WordsReading(quote=quote, language=getattr(speech, "language", None), translation=translation,
                         translated_by=getattr(speech, "translated_by", None), conveys=conveys, named=named)
    summary = (f"the words' reading: {' and '.join(conveys)}" if conveys
               else "the words' reading: not evidence (a script line)" if script_line is not None
               else "the words' reading: no particular emotion" if text is not None else "")
    return cues, words, summary


def channel_readings(modalities: Sequence[ModalityEvidence], clues: Mapping[str, Any], reference_kind: str,
                     basic: Sequence[str] | None = None) -> list[ChannelReading]:
    """The four channels of a clip from its evidence modalities and clues (kind -> clue), shares filled in.
    `basic`: the emotions scored (default: every basic emotion; evidence.build_evidence passes the label set's,
    contempt folded into disgust where the labels lack it)."""
    basic = list(basic) if basic is not None else basic_emotions()
    usual = phrases()["usual"].get(reference_kind, "usual")
    missing = phrases()["missing"]
    out: list[ChannelReading] = []
    for channel in CHANNELS:
        parts = [m for m in modalities if m.modality in SOURCES[channel]]
        clue = clues.get(_CLUE_OF[channel])
        status = getattr(getattr(clue, "status", None), "value", getattr(clue, "status", None))
        data = getattr(clue, "data", None)
        if channel == "words" and data is not None and not data.reliable:
            out.append(ChannelReading(channel=channel, status="unreliable", note=phrases()["unreliable"],
                                      modalities=[m.modality for m in parts]))
            continue
        if not parts and status == "unsupported":  # an audio file has no face: nothing to explain away
            out.append(ChannelReading(channel=channel, status="absent",
                                      note=phrases()["absent"].get(_CLUE_OF[channel], "not in the recording")))
            continue
        if not parts:
            note = missing.get(_CLUE_OF[channel], f"no {channel} was measured")
            out.append(ChannelReading(channel=channel, status="missing",
                                      note=note + (f" ({status})" if clue is not None else "")))
            continue
        if channel == "voice" and all(_no_speech(m) for m in parts):
            out.append(ChannelReading(channel=channel, status="missing", note=missing["no_speech"],
                                      modalities=[m.modality for m in parts]))
            continue
        emotions, weight = _merge(parts, basic)
        cues: list[ChannelCue] = []
        words = None
        summary = ""
        for m in parts:
            for o in m.observations:
                cue = (face_cue(o) if channel == "face" else voice_cue(o, usual) if channel == "voice"
                       else body_cue(o) if o.cue in _BODY_CUES or o.category == "seen" else None)
                if cue is not None and cue.text not in [c.text for c in cues]:
                    cues.append(cue)
        if channel == "words":
            cues, words, summary = _words(parts, data)
        # the learned voice reading only splits its classes' share, so it neither stands for the voice's measures
        # nor sums up the channel (its emotion need not be the channel's lean)
        measured = [c for c in cues if not (channel == "voice" and c.names)]
        if channel == "voice" and not measured and any(o.category == "usual" for m in parts for o in m.observations):
            measured = [ChannelCue(text=f"the voice is as {usual} in pitch, loudness and pace", key="voice_usual")]
            cues = measured + cues
        reliability = min((m.reliability for m in parts), default=1.0)
        lean = _lean(emotions)
        if not summary:
            summary = "; ".join(c.text for c in measured[:2])
        out.append(ChannelReading(channel=channel, modalities=[m.modality for m in parts], reading=summary,
                                  lean=lean, emotions=emotions, weight=weight, reliability=reliability, cues=cues,
                                  words=words))
    set_shares(out)
    return out


def _no_speech(m: ModalityEvidence) -> bool:
    """The voice modality only says that no speech was found, so its measures (of noise or music) are not read
    (pipeline/evidence/summary.py): the voice channel is then missing, not read."""
    return not m.emotions and bool(m.observations) and all(o.cue == "speech" and o.category == "none"
                                                           for o in m.observations)


def fused_scores(channels: Sequence[ChannelReading], basic: Sequence[str] | None = None) -> dict[str, float]:
    """The fusion's log-scores over `basic` (default: every basic emotion): weighted_logs of the channels."""
    return weighted_logs(channels, basic if basic is not None else basic_emotions())


def set_shares(channels: Sequence[ChannelReading]) -> None:
    """Each channel's part of the fused evidence's pull (see the module doc)."""
    pulls = {}
    for c in channels:
        if c.emotions and c.weight > 0:
            logs = [math.log(max(p, _FLOOR)) for p in c.emotions.values()]
            pulls[c.channel] = c.weight * (max(logs) - sum(logs) / len(logs))
    total = sum(pulls.values())
    for c in channels:
        c.share = round(pulls.get(c.channel, 0.0) / total, 3) if total > 0 else 0.0
