"""The channel records (pipeline/evidence/channels.py):
the fusion over them is the fusion over the modalities, the words'
reading carries the English emotion words said as cues, shares say which channel carried the decision, and a
missing channel says so."""

from __future__ import annotations

import pytest

from emer.pipeline.evidence.channels import channel_readings, fused_scores
from emer.pipeline.evidence.modalities import softmax
from emer.pipeline.evidence.summary import combine
from emer.pipeline.records.evidence import ModalityEvidence, Observation
from emer.pipeline.records.vocab import basic_emotions


def _m(kind: str, emotions: dict[str, float], weight: float, obs: list[Observation] | None = None):
    return ModalityEvidence(modality=kind, weight=weight, emotions=emotions, observations=obs or [])


FACE = _m("face", {"anger": 0.5, "neutral": 0.3, "sadness": 0.2}, 1.0,
          [Observation(modality="face", cue="expression", category="anger", value=0.5, text="expression anger",
                       supports=["anger"]),
           Observation(modality="face", cue="AU4", category="raised", value=0.6, reference_value=0.1,
                       text="AU4 raised", supports=["anger"])])
VOICE = _m("prosody", {"neutral": 0.3, "sadness": 0.25, "anger": 0.25, "fear": 0.2}, 0.3,
           [Observation(modality="prosody", cue="loudness", category="loud", value=-20, text="loud")])
TEXT = _m("text", {"sadness": 0.6, "fear": 0.2, "anger": 0.1, "neutral": 0.1}, 2.0,
          [Observation(modality="speech", cue="meaning", category="sadness", value=0.6, text="expresses sadness",
                       supports=["sadness"])])
SPEECH = _m("speech", {"sadness": 0.8, "anger": 0.2}, 1.0,
            [Observation(modality="speech", cue="words", category="sadness", text="emotion words said: 'miss'",
                         supports=["sadness"])])


def test_the_fusion_over_the_channels_is_the_fusion_over_the_modalities():
    modalities = [FACE, VOICE, TEXT, SPEECH]
    channels = channel_readings(modalities, {}, "speaker")
    assert softmax(fused_scores(channels)) == pytest.approx(combine(modalities), abs=2e-3)
    words = next(c for c in channels if c.channel == "words")
    assert words.modalities == ["text", "speech"] and words.weight == pytest.approx(3.0)


def test_each_channel_reads_in_plain_words_with_its_share():
    channels = {c.channel: c for c in channel_readings([FACE, VOICE, TEXT], {}, "speaker")}
    face, words = channels["face"], channels["words"]
    assert face.cues[0].text == "the expression classifier reads the face as anger" and face.lean == "anger"
    assert "brows are lowered" in face.cues[1].text and "anger" in face.cues[1].signs
    assert words.words is not None and words.words.conveys[0] == "sadness"
    assert words.cues[0].text.startswith("what is said conveys sadness")
    assert words.share > face.share > channels["voice"].share and sum(c.share for c in channels.values()) == \
        pytest.approx(1.0, abs=1e-2)
    assert channels["body"].status == "missing" and channels["body"].note


def test_a_flat_channel_pulls_nothing():
    flat = _m("prosody", dict.fromkeys(basic_emotions(), round(1 / len(basic_emotions()), 4)), 1.0)
    channels = {c.channel: c for c in channel_readings([FACE, flat], {}, "speaker")}
    assert channels["voice"].share == 0.0 and channels["voice"].lean is None and channels["face"].share == 1.0


def test_a_one_sided_action_unit_reads_as_one_side_and_a_sign_of_its_prototype():
    """The 8-class face reading's category `one-sided` (contempt's lip corner) is described as what it is, with
    the emotions the reading gave it, not dropped nor worded as a smile."""
    face = _m("face", {"contempt": 0.6, "happiness": 0.4}, 1.0, [
        Observation(modality="face", cue="AU12", category="one-sided", value=0.41, reference_value=0.03,
                    text="AU12 lip corner puller on one side of the face", supports=["contempt"])])
    reading = next(c for c in channel_readings([face], {}, "speaker", [*basic_emotions()]) if c.channel == "face")
    assert [(c.text, c.signs) for c in reading.cues] == [("one lip corner is pulled up (a one-sided smile)",
                                                          ["contempt"])]


def test_emotion_words_said_keep_the_form_said():
    """The words channel lists "furious" as said, not the wheel's noun "fury" (which reached the emotion words of
    en_anger_1 beside "angry" and "irritated"); one entry per wheel word, negated words left out."""
    from emer.pipeline.evidence.channels import said_emotion_words

    assert said_emotion_words("I am furious that you lied to me, furious!") == ["furious"]
    assert said_emotion_words("I feel so lonely and worried, not happy.") == ["lonely", "worried"]


def test_the_learned_voice_reading_is_a_cue_named_only_where_it_fits_the_label():
    """EmoDB 03a04Lc: the Whisper-encoder probe read fear (0.81) and decided, while the table cues (a lower, clearer
    voice) are no sign of fear, so the explanation said "the voice points to fear" with nothing to show why. The
    probe's reading is now a cue of its own, like the face classifier's, shown only under a label it fits."""
    from emer.pipeline.reasoning.checker.coherence import label_basics
    from emer.pipeline.reasoning.cues import PlainCues, explain_notes

    probe = Observation(modality="prosody", cue="voice_probe", category="fear", value=0.81,
                        text="voice probe ... : fear 0.81, neutral 0.12, anger 0.07", supports=["fear"])
    low = Observation(modality="prosody", cue="pitch", category="low", value=10.0, reference_value=12.0,
                      text="pitch low")
    voice = _m("prosody", {"fear": 0.5, "disgust": 0.3, "sadness": 0.2}, 0.3, [low, probe])
    channels = channel_readings([voice], {}, "speaker")
    cues = next(c for c in channels if c.channel == "voice").cues
    learned = [q for q in cues if q.names]
    assert [(q.text, q.signs) for q in learned] == [
        ("a voice model trained on acted speech reads the voice as fear", ["fear"])]
    plain = PlainCues(channels=channels, clip_id="03a04Lc")
    assert any("reads the voice as fear" in n for n in explain_notes(plain, "fear", label_basics("fear"))["voice"])
    assert not any("reads the voice" in n
                   for n in explain_notes(plain, "sadness", label_basics("sadness"))["voice"])
    # it splits only its classes' share, so it does not sum up the channel, nor stand for measures at their usual
    assert next(c for c in channels if c.channel == "voice").reading == "the voice is lower than this speaker's usual"
    usual = Observation(modality="prosody", cue="pitch", category="usual", value=12.0, reference_value=12.0,
                        text="pitch usual")
    flat = next(c for c in channel_readings([_m("prosody", {"fear": 0.5, "disgust": 0.5}, 0.3, [usual, probe])], {},
                                            "speaker") if c.channel == "voice")
    assert flat.reading == "the voice is as this speaker's usual in pitch, loudness and pace"
    assert [q.names for q in flat.cues] == [False, True]


def test_a_named_reading_of_a_channel_leaning_elsewhere_is_left_to_the_disagreement():
    """CREMA-D demo ANG: the voice leaned disgust (share 0.20) while its learned model read anger; the notes gave
    "a voice model ... reads the voice as anger" and the disagreement sentence "the voice alone would suggest
    disgust", so the explanation had the voice say both. A channel leaning elsewhere is named only in the
    disagreement."""
    from emer.pipeline.reasoning.checker.coherence import label_basics
    from emer.pipeline.reasoning.cues import PlainCues, explain_notes

    probe = Observation(modality="prosody", cue="voice_probe", category="anger", value=0.6, text="probe: anger 0.6",
                        supports=["anger"])
    falling = Observation(modality="prosody", cue="pitch_contour", category="falling", value=-5.0,
                          text="pitch contour falling")
    voice = _m("prosody", {"disgust": 0.6, "anger": 0.2, "neutral": 0.2}, 0.3, [falling, probe])
    channels = channel_readings([FACE, voice], {}, "speaker")
    notes = explain_notes(PlainCues(channels=channels, clip_id="1001_DFA_ANG_XX"), "anger", label_basics("anger"))
    assert "disgust" in notes["disagree"]
    assert not any("reads the voice as anger" in n for n in notes["voice"])
    agreeing = channel_readings([FACE, voice.model_copy(update={"emotions": {"anger": 0.6, "disgust": 0.4}})], {},
                                "speaker")
    notes = explain_notes(PlainCues(channels=agreeing, clip_id="x"), "anger", label_basics("anger"))
    assert any("reads the voice as anger" in n for n in notes["voice"])
