"""The decision's deterministic parts: fusion, agreement, the self-check's sentence dropping, emotion words."""

from __future__ import annotations

import pytest

from emer.pipeline.evidence.channels import channel_readings
from emer.pipeline.reasoning.checker import check_reasoning
from emer.pipeline.reasoning.decision import agreement_note, evidence_items, evidence_prediction, fuse
from emer.pipeline.reasoning.repairs import drop_failing
from emer.pipeline.records.evidence import EvidenceSummary, ModalityEvidence, Observation


def _evidence(pitch: str = "low", loudness: str = "loud") -> EvidenceSummary:
    obs = [
        Observation(modality="prosody", cue="pitch", category=pitch, value=1.0, reference_value=2.0,
                    text=f"pitch {pitch}: 150 Hz, usually 180 (-1.5 spreads)", supports=["sadness"]),
        Observation(modality="prosody", cue="loudness", category=loudness, value=-20.0, reference_value=-30.0,
                    text=f"loudness {loudness}: -20 dB, usually -30 (+2.0 spreads)", supports=["anger"]),
    ]
    prosody = ModalityEvidence(modality="prosody", reference="this speaker's usual level", weight=1.0,
                               emotions={"anger": 0.7, "sadness": 0.3}, labels={"anger": 0.7, "sadness": 0.3},
                               observations=obs)
    return EvidenceSummary(clip_id="c", config={}, reference_kind="speaker", speaker="s", modalities=[prosody],
                           emotions={"anger": 0.7, "sadness": 0.3}, labels={"anger": 0.7, "sadness": 0.3},
                           label="anger", confidence=0.7)


def test_fusion_weighs_the_llm_and_falls_back_to_either_side():
    ev = {"anger": 0.6, "sadness": 0.4}
    llm = {"anger": 0.1, "sadness": 0.9}
    fused, by = fuse(ev, llm, "fused", 1.0)
    assert by == "fused" and max(fused, key=fused.get) == "sadness"
    fused, _ = fuse(ev, llm, "fused", 0.1)  # a light LLM weight only breaks near-ties
    assert max(fused, key=fused.get) == "anger"
    assert fuse(ev, llm, "evidence", 1.0) == (ev, "evidence")
    assert fuse(ev, llm, "llm", 1.0) == (llm, "llm")
    assert fuse(None, llm, "fused", 1.0) == (llm, "llm")
    assert fuse(ev, None, "fused", 1.0) == (ev, "evidence")
    assert sum(fuse(ev, llm, "fused", 0.5)[0].values()) == pytest.approx(1.0, abs=1e-3)


def test_agreement_says_who_decided_when_they_differ():
    assert agreement_note("anger", "anger", "anger", "fused") == "the LLM and the evidence summary agree on anger"
    note = agreement_note("sadness", "anger", "anger", "fused")
    assert "LLM says sadness" in note and "evidence summary anger" in note and "fused: anger" in note
    assert agreement_note(None, "anger", "anger", "evidence") is None


def test_self_check_drops_contradicting_and_repeated_sentences():
    ev = _evidence()
    text = ("The voice is loud, which points to anger. The pitch is high. "
            "The voice is loud, which points to anger.")
    check = check_reasoning(text, ev)
    assert check.contradictions >= 1
    cleaned, dropped = drop_failing(text, check)
    assert cleaned == "The voice is loud, which points to anger." and dropped == 2
    assert check_reasoning(cleaned, ev).ok


def test_evidence_items_are_the_observations_supporting_the_label():
    items = evidence_items(_evidence(), "anger", limit=3, max_chars=30)
    assert [i.modality for i in items] == ["prosody"] and items[0].clue.startswith("loudness loud")
    assert len(items[0].clue) <= 30
    assert evidence_items(_evidence(), "sadness", 3, 80)[0].clue.startswith("pitch low")


def test_a_blended_labels_evidence_comes_from_the_modality_holding_more_of_its_emotions():
    """Boredom is neutral and sadness: the voice (0.3 + 0.5) comes before the face (0.6 + 0), whichever of the
    two emotions a set would give first."""
    def modality(name: str, emotions: dict[str, float], text: str) -> ModalityEvidence:
        obs = [Observation(modality=name, cue="expression", category="neutral", text=text,
                           supports=["neutral", "sadness"])]
        return ModalityEvidence(modality=name, reference="usual", weight=1.0, emotions=emotions, labels=emotions,
                                observations=obs)

    face = modality("face", {"neutral": 0.6, "sadness": 0.0, "anger": 0.4}, "the face is still")
    voice = modality("prosody", {"neutral": 0.3, "sadness": 0.5, "anger": 0.2}, "the voice is low and flat")
    evidence = EvidenceSummary(clip_id="c", config={}, reference_kind="speaker", speaker="s",
                               modalities=[face, voice], emotions={}, labels={}, label="boredom", confidence=0.5)
    assert [i.modality for i in evidence_items(evidence, "boredom", 3, 80)] == ["prosody", "face"]


def test_the_evidence_alone_makes_a_prediction_without_text():
    p = evidence_prediction(_evidence(), max_evidence=1)
    assert p is not None and (p.label, p.confidence, p.decided_by) == ("anger", 0.7, "evidence")
    assert p.llm_label is None and p.agreement is None and p.reasoning == "" and p.open_vocab == []
    assert [e.modality for e in p.evidence] == ["prosody"] and p.evidence_scores == p.label_scores
    assert evidence_prediction(_evidence().model_copy(update={"label": None})) is None


def test_plain_cues_describe_the_evidence_in_words_with_the_tables_readings():
    import re

    from emer.pipeline.reasoning.cues import au_readings, plain_cues, voice_readings

    ev = _evidence()
    face_obs = [
        Observation(modality="face", cue="AU10", category="raised", value=0.57, reference_value=0.13,
                    text="AU10 upper lip raiser raised: peak 0.57, usually 0.13"),
        Observation(modality="face", cue="AU12", category="raised", value=0.74, reference_value=0.48,
                    text="AU12 lip corner puller raised: peak 0.74, usually 0.48", supports=["happiness"]),
    ]
    face = ModalityEvidence(modality="face", reference="this speaker's usual level", weight=1.0,
                            emotions={"disgust": 0.6, "happiness": 0.4}, observations=face_obs)
    modalities = [face, *ev.modalities]
    ev = ev.model_copy(update={"modalities": modalities,
                               "channels": channel_readings(modalities, {}, "speaker")})
    plain = plain_cues(ev, ["anger", "sadness"])
    text = " ".join(plain.face + plain.voice + plain.words)
    assert not re.search(r"\d+(\.\d+)?\s*(%|hz|db|spreads)|\d\.\d", text, re.I), text  # no measurements
    assert "the upper lip is raised more than usual (in the cue tables a sign of disgust)" in text
    assert "lip corners are pulled up more than usual (a smile) (in the cue tables a sign of happiness" in text
    assert "the voice is louder than this speaker's usual" in text and "anger" in text
    assert plain.leans == {"face": "disgust", "voice": "anger"} and plain.combined == ["anger", "sadness"]
    assert plain.missing == {"words": "no speech was transcribed", "body": "no body or setting was measured"}
    assert "disgust" in au_readings()["AU10"] and "sadness" in au_readings()["AU15"]
    assert "anger" in voice_readings()[("loudness", "loud")] and "sadness" in voice_readings()[("rate", "slow")]


def test_emotion_words_come_from_the_channels_that_decided():
    from emer.pipeline.reasoning.checker.coherence import label_basics
    from emer.pipeline.reasoning.cues import evidence_words
    from emer.pipeline.records.channel import ChannelReading, WordsReading

    def ch(name, emotions, share, words=None):
        return ChannelReading(channel=name, emotions=emotions, share=share, weight=1.0,
                              lean=max(emotions, key=emotions.get), words=words)

    face = ch("face", {"anger": 0.5, "disgust": 0.3, "neutral": 0.2}, 0.6)
    words = ch("words", {"anger": 0.4, "sadness": 0.4, "neutral": 0.2}, 0.3,
               WordsReading(conveys=["anger", "sadness"], named=["furious"]))
    got = evidence_words("anger", label_basics("anger"), [face, words], 6)
    assert got[:2] == ["angry", "furious"] and "irritated" in got  # family, the word said, the family's second
    assert "disgusted" in got and "sad" in got  # secondary emotions with real weight in a weighty channel
    assert 1 <= len(got) <= 6
    happy = evidence_words("happiness", label_basics("happiness"), [ch("face", {"happiness": 0.7, "neutral": 0.3},
                                                                           1.0)], 6)
    assert happy == ["happy", "excited"]  # nothing against the label's valence without a channel reading it
    weak = ch("voice", {"sadness": 0.5, "happiness": 0.5}, 0.1)
    assert "sad" not in evidence_words("happiness", label_basics("happiness"), [weak], 6)
    labels = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]
    first = {tuple(evidence_words(x, label_basics(x), [], 6)) for x in labels}
    assert len(first) == len(labels)  # distinct labels, distinct words


def test_the_disgust_family_has_no_word_of_contempt():
    """Contempt is its own emotion in 8-class sets: a disgust label gets no "contemptuous", and the checker still
    reads "contemptuous" as contempt."""
    from emer.pipeline.reasoning.checker.coherence import label_basics
    from emer.pipeline.reasoning.checker.lexicon import _emotion
    from emer.pipeline.reasoning.cues import evidence_words
    from emer.pipeline.records.vocab import basic_of_wheel_word, load_data_yaml

    family = load_data_yaml("evidence", "emotion_words.yaml")["family"]
    assert all(_emotion(w) == "contempt" for w in family["contempt"][:1])
    assert [_emotion(w) for w in family["disgust"]] == ["disgust", "disgust"]
    assert all(basic_of_wheel_word(w) == "disgust" for w in family["disgust"])
    assert "contemptuous" not in evidence_words("disgust", label_basics("disgust"), [], 6)
    assert _emotion("contemptuous") == "contempt"
