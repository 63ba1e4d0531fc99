"""Speaker assignment, reference levels and the deterministic evidence summary."""

from __future__ import annotations

import pytest

from emer.pipeline.evidence.modalities import prosody_evidence, speech_evidence
from emer.pipeline.evidence.references import (
    MIN_SCALE,
    ClipFeatures,
    FaceFeatures,
    VoiceFeatures,
    build_references,
    clip_reference,
    face_features,
)
from emer.pipeline.evidence.speakers import assign_speakers, check_speaker_source
from emer.pipeline.evidence.summary import build_evidence, combine, fused_labels, label_distribution
from emer.pipeline.records.clues import FaceData, FaceFrame, FaceSummary
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.evidence import EvidenceConfig, ModalityEvidence
from emer.pipeline.records.vocab import basic_of_wheel_word, label_weights, load_label_set, wheel_words_by_basic


def test_speakers_from_dataset_file_names_mapping_or_pattern(tmp_path):
    ids = ["1001_DFA_ANG_XX", "1002_IEO_HAP_HI", "03a01Fa", "03-01-05-01-02-01-12", "interview"]
    assert assign_speakers(ids, "auto") == {"1001_DFA_ANG_XX": "1001", "1002_IEO_HAP_HI": "1002", "03a01Fa": "03",
                                            "03-01-05-01-02-01-12": "12", "interview": None}
    assert set(assign_speakers(ids, "none").values()) == {None}
    mapping = tmp_path / "speakers.csv"
    mapping.write_text("clip_id,speaker\ninterview.mp4,anna\n")
    assert assign_speakers(["interview"], str(mapping)) == {"interview": "anna"}
    assert assign_speakers(["m1.a_nie_1"], r"^(?P<speaker>m\d+)\.") == {"m1.a_nie_1": "m1"}
    with pytest.raises(ConfigError, match="named group"):
        check_speaker_source(r"^(m\d+)\.")
    with pytest.raises(ConfigError, match="does not exist"):
        check_speaker_source(str(tmp_path / "missing.csv"))


def _voice(**kw) -> ClipFeatures:
    return ClipFeatures(clip_id=kw.pop("clip_id"), speaker="s1", voice=VoiceFeatures(**kw))


def test_speaker_reference_is_the_median_with_a_floored_spread():
    clips = [_voice(clip_id=f"c{i}", loudness_db=-30.0 + i, pitch_st=10.0) for i in range(5)]
    refs = build_references(clips, min_speaker_clips=3)
    ref = refs["s1"]
    assert ref.kind == "speaker" and ref.clips == [f"c{i}" for i in range(5)]
    assert ref.voice["loudness_db"][0] == pytest.approx(-28.0)
    assert ref.voice["pitch_st"] == (10.0, MIN_SCALE["pitch_st"])  # identical clips: the floor, not zero
    assert build_references(clips[:2], min_speaker_clips=3) == {}


def _frame(t: float, smile: float, brow: float) -> FaceFrame:
    return FaceFrame(t=t, faces=1, aus={"AU12": smile, "AU4": brow},
                     expression={"happy": smile, "neutral": 1 - smile, "angry": 0.0, "sad": 0.0, "fear": 0.0,
                                 "disgust": 0.0, "surprise": 0.0})


def test_calm_frames_are_the_least_active_and_a_resting_frown_is_not_anger():
    # A face that frowns at rest (AU4 0.6 throughout) and smiles late: against its calm frames the smile is
    # raised and the frown usual, so the face points to happiness, not anger.
    frames = [_frame(i / 10, 0.05, 0.6) for i in range(12)] + [_frame(1.2 + i / 10, 0.9, 0.6) for i in range(4)]
    data = FaceData(frames_sampled=16, frames_with_face=16, max_faces=1, au_mapping="arkit-facs-v1",
                    timeline=frames, summary=FaceSummary(peak_time=1.2, top_aus=[], prototypes=[],
                                                         expression_mean=None, expression_top=None))
    whole, calm = face_features(data)
    assert calm.frames == 4 and calm.au_mean["AU12"] == pytest.approx(0.05)
    features = ClipFeatures(clip_id="c", face=whole, face_calm=calm)
    ev = build_evidence("c", features, {}, load_label_set("crema-d"), None, EvidenceConfig())
    assert ev.reference_kind == "clip"
    face = ev.modality("face")
    assert face.reference == "this clip's own calmest frames"
    au = {o.cue: o.category for o in face.observations if o.cue.startswith("AU")}
    assert au == {"AU12": "raised", "AU4": "usual"}
    assert max(face.emotions, key=face.emotions.get) == "happiness"
    assert ev.label == "happiness"


def test_voice_against_a_speaker_reference_matches_the_vocal_profiles():
    ref = {"loudness_db": (-30.0, 3.0), "pitch_st": (10.0, 1.5), "pitch_range_st": (5.0, 1.5), "rate": (4.5, 0.5),
           "alpha_ratio_db": (-12.0, 2.0), "hnr_db": (12.0, 2.0)}
    loud = VoiceFeatures(loudness_db=-24.0, pitch_st=11.0, pitch_range_st=7.0, rate=5.2, alpha_ratio_db=-8.0,
                         hnr_db=10.0)
    soft = VoiceFeatures(loudness_db=-36.0, pitch_st=9.0, pitch_range_st=3.5, rate=3.8, alpha_ratio_db=-15.0,
                         hnr_db=11.0)
    same = VoiceFeatures(loudness_db=-30.0, pitch_st=10.0, pitch_range_st=5.0, rate=4.5, alpha_ratio_db=-12.0,
                         hnr_db=12.0)
    cfg = EvidenceConfig(voice_model_weight=0.0)  # the profiles alone (the learned model: test_voice_model.py)
    top = {name: max(ev.emotions, key=ev.emotions.get)
           for name, ev in (("loud", prosody_evidence(loud, ref, "x", cfg)),
                            ("soft", prosody_evidence(soft, ref, "x", cfg)),
                            ("same", prosody_evidence(same, ref, "x", cfg)))}
    assert top == {"loud": "anger", "soft": "sadness", "same": "neutral"}
    cats = {o.cue: o.category for o in prosody_evidence(loud, ref, "x", cfg).observations}
    assert cats["loudness"] == "loud" and cats["rate"] == "fast" and cats["pitch"] == "usual"


def test_voice_without_a_speaker_reference_reads_only_speaker_free_measures():
    features = _voice(clip_id="c", loudness_db=-20.0, pitch_st=20.0, rate=6.0, pitch_range_st=5.0)
    ref = clip_reference(features)
    ev = prosody_evidence(features.voice, ref.voice, ref.describe("voice"), EvidenceConfig())
    cats = {o.cue: o.category for o in ev.observations}
    assert cats["loudness"] == "unreferenced" and cats["pitch"] == "unreferenced"
    assert cats["rate"] == "fast"


def test_emotion_words_in_speech_count_unless_negated():
    cfg = EvidenceConfig()
    angry = speech_evidence("I am so furious with you.", cfg)
    assert angry.observations[0].category == "anger" and max(angry.emotions, key=angry.emotions.get) == "anger"
    assert speech_evidence("Don't forget a jacket.", cfg).emotions == {}
    assert speech_evidence("I am not happy about it.", cfg).emotions == {}


def test_labels_spread_over_basic_emotions_and_unknown_labels_fail():
    assert label_weights("worried") == {"fear": 1.0}
    assert label_weights("Happy") == {"happiness": 1.0}
    with pytest.raises(ConfigError, match="label_emotions"):
        label_weights("schadenfreude")
    dist = label_distribution({"fear": 0.5, "happiness": 0.3, "neutral": 0.2}, load_label_set("mer2023"))
    assert max(dist, key=dist.get) == "worried" and sum(dist.values()) == pytest.approx(1.0, abs=1e-3)


def test_a_blended_label_wins_on_its_blend_and_single_labels_keep_their_argmax():
    """EmoDB's boredom (0.6 neutral, 0.4 sadness) decides a reading that is mostly neutral with substantial
    sadness, which a weighted mean of neutral and sadness never could; a mostly neutral or mostly sad reading
    keeps its own label; on a set of single-emotion labels each label scores its emotion's probability."""
    emodb = load_label_set("emodb")

    def decided(reading: dict[str, float]) -> str:
        dist = label_distribution(reading, emodb)
        assert sum(dist.values()) == pytest.approx(1.0, abs=1e-3)
        return max(dist, key=dist.get)

    bored = {"neutral": 0.46, "sadness": 0.24, "fear": 0.1, "disgust": 0.08, "anger": 0.05, "happiness": 0.04,
             "surprise": 0.03}
    assert decided(bored) == "boredom"
    mean = {lab: sum(w * bored.get(b, 0.0) for b, w in label_weights(lab).items()) for lab in emodb.labels}
    assert max(mean, key=mean.get) == "neutral"  # the weighted mean: boredom (0.372) below neutral (0.46)
    assert decided({"neutral": 0.62, "sadness": 0.05, "fear": 0.12, "disgust": 0.08, "anger": 0.06,
                    "happiness": 0.05, "surprise": 0.02}) == "neutral"
    assert decided({"sadness": 0.58, "neutral": 0.09, "fear": 0.14, "disgust": 0.1, "anger": 0.04,
                    "happiness": 0.03, "surprise": 0.02}) == "sadness"
    assert decided({"neutral": 0.6, "sadness": 0.4}) == "boredom"  # the label's own profile
    # the voice of EmoDB's sad utterance 03a02Ta (a real reading, at the voice's fitted weight 0.266): sadness.
    # Scored after the product it would read boredom: the weight flattens sadness 1.8 times neutral to 1.17 times,
    # inside boredom's band, so a blend is judged on each modality's own reading (fused_labels)
    voice = ModalityEvidence(modality="prosody", weight=0.266, emotions={
        "anger": 0.0866, "disgust": 0.16, "fear": 0.135, "happiness": 0.0022, "neutral": 0.2155, "sadness": 0.39,
        "surprise": 0.0107})
    fused, readings = fused_labels([voice], emodb)
    assert max(fused, key=fused.get) == "sadness" and max(readings[0], key=readings[0].get) == "sadness"
    flat = label_distribution(combine([voice], list(voice.emotions)), emodb)
    assert max(flat, key=flat.get) == "boredom"
    # the fused reading of a real run (the spoken set's de_sadness_1, evidence 1.6.0, mer2023 labels) and the
    # label scores the weighted mean gave it then: unchanged
    real = {"anger": 0.0545, "disgust": 0.104, "fear": 0.0414, "happiness": 0.0221, "neutral": 0.2788,
            "sadness": 0.4691, "surprise": 0.03}
    assert label_distribution(real, load_label_set("mer2023")) == {
        "neutral": 0.3112, "angry": 0.0608, "happy": 0.0247, "sad": 0.5236, "worried": 0.0462, "surprise": 0.0335}


def test_open_vocabulary_words_follow_the_wheel():
    assert basic_of_wheel_word("furious") == "anger"
    assert basic_of_wheel_word("disgusted") == "disgust"
    words = wheel_words_by_basic()
    assert "cheerfulness" in words["happiness"] and "grief" in words["sadness"]
    assert not set(words["anger"]) & set(words["happiness"])


def test_face_features_need_a_face():
    data = FaceData(frames_sampled=3, frames_with_face=0, max_faces=0, au_mapping="x",
                    timeline=[FaceFrame(t=0.0, faces=0)],
                    summary=FaceSummary(peak_time=None, top_aus=[], prototypes=[], expression_mean=None,
                                        expression_top=None))
    assert face_features(data) is None
    assert FaceFeatures().expression is None


def test_contempt_is_its_own_label_where_the_set_has_it_and_disgust_where_not():
    # A late one-sided lip corner (AU14 dimple on one side): contempt with affectnet-8, disgust with crema-d,
    # and a channel that does not score contempt gives it nothing to fold into disgust.
    frames = [FaceFrame(t=i / 10, faces=1, aus={"AU12": 0.05, "AU14": 0.02}, asymmetry={"AU12": 0.0, "AU14": 0.0})
              for i in range(12)]
    frames += [FaceFrame(t=1.2 + i / 10, faces=1, aus={"AU12": 0.15, "AU14": 0.35},
                         asymmetry={"AU12": 0.2, "AU14": 0.65}) for i in range(4)]
    data = FaceData(frames_sampled=16, frames_with_face=16, max_faces=1, au_mapping="arkit-facs-v1",
                    timeline=frames, summary=FaceSummary(peak_time=1.2, top_aus=[], prototypes=[],
                                                         expression_mean=None, expression_top=None))
    whole, calm = face_features(data)
    features = ClipFeatures(clip_id="c", face=whole, face_calm=calm)
    eight = build_evidence("c", features, {}, load_label_set("affectnet-8"), None, EvidenceConfig())
    assert eight.label == "contempt"
    assert any(o.cue == "AU14" and o.category == "one-sided" and "contempt" in o.supports
               for o in eight.modality("face").observations)
    six = build_evidence("c", features, {}, load_label_set("crema-d"), None, EvidenceConfig())
    assert six.label == "disgust" and "contempt" not in six.emotions
    # a voice (no contempt profile) alone with crema-d labels: nothing reaches disgust through contempt
    voice = VoiceFeatures(pitch_st=0.0, pitch_range_st=5.5, loudness_db=-20.0, rate=4.6)
    alone = build_evidence("v", ClipFeatures(clip_id="v", voice=voice), {}, load_label_set("crema-d"), None,
                           EvidenceConfig())
    assert "contempt" not in alone.emotions
    ratio = alone.labels["disgust"] / alone.labels["anger"]
    assert ratio == pytest.approx(alone.emotions["disgust"] / alone.emotions["anger"], rel=0.02)


def test_each_reading_is_scored_on_the_labels_once(monkeypatch):
    """The modality's label scores it shows and the ones the product combines are one scoring (rounded for the
    record), not two computations that could drift apart."""
    from emer.pipeline.evidence import summary

    calls = []
    real = summary.label_distribution
    monkeypatch.setattr(summary, "label_distribution", lambda *a, **kw: calls.append(a[0]) or real(*a, **kw))
    face = FaceFeatures(expression={"happy": 0.6, "neutral": 0.3, "sad": 0.1}, frames=10)
    voice = VoiceFeatures(pitch_st=0.0, pitch_range_st=5.5, loudness_db=-20.0, rate=4.6)
    features = ClipFeatures(clip_id="c", face=face, face_calm=FaceFeatures(frames=3), voice=voice)
    ev = build_evidence("c", features, {}, load_label_set("emodb"), None, EvidenceConfig())
    read = [m for m in ev.modalities if m.emotions]
    assert len(read) == 2 and len(calls) == len(read)
    for m in read:
        assert m.labels == {k: round(v, 4) for k, v in real(m.emotions, load_label_set("emodb"), None).items()}


def test_fusing_the_labels_reads_the_modalities_without_changing_them():
    """fused_labels returns each modality's label reading beside the fused one; build_evidence writes them into the
    modalities (fused_labels used to set them itself)."""
    emodb = load_label_set("emodb")
    voice = ModalityEvidence(modality="prosody", weight=0.266, emotions={"neutral": 0.3, "sadness": 0.6, "anger": 0.1})
    silent = ModalityEvidence(modality="scene", weight=0.1)
    before = [voice.model_copy(deep=True), silent.model_copy(deep=True)]
    fused, readings = fused_labels([voice, silent], emodb)
    assert [voice, silent] == before and voice.labels == {}
    assert readings[1] is None
    assert readings[0] == {k: round(v, 4) for k, v in label_distribution(voice.emotions, emodb, None).items()}
    assert set(fused) == set(emodb.labels) and max(fused, key=fused.get) == "sadness"


def test_a_script_line_the_speaker_says_in_several_clips_is_no_text_evidence():
    # EmoDB-style: one speaker says "Der Lappen liegt auf dem Eisschrank" in several emotions; the LLM reads fear
    # into it every time, which cannot tell those clips apart. A line said once still counts.
    from emer.pipeline.evidence.channels import phrases
    from emer.pipeline.evidence.references import transcript_line
    from emer.pipeline.reasoning.cues import evidence_words
    from emer.pipeline.records.evidence import ModalityEvidence, Observation

    assert transcript_line("Der Lappen liegt auf dem Eisschrank!") == "der lappen liegt auf dem eisschrank"
    lines = {"a": "Der Lappen liegt auf dem Eisschrank.", "b": "der Lappen liegt auf dem Eisschrank!",
             "c": "Das will sie am Mittwoch abgeben."}
    clips = [ClipFeatures(clip_id=c, speaker="03", line=transcript_line(t),
                          voice=VoiceFeatures(pitch_st=10.0 + i, loudness_db=-30.0, rate=4.0))
             for i, (c, t) in enumerate(lines.items())]
    ref = build_references(clips, min_speaker_clips=3)["03"]
    assert ref.repeated_lines == ["der lappen liegt auf dem eisschrank"]
    # ASR writes one line differently in two emotions (EmoDB 03a04Ad / 03a04Lc, faster-whisper base); everyday
    # lines that only share a start, and short lines that differ in a word, stay apart
    from emer.pipeline.evidence.references import said_again, same_line
    two = [transcript_line(t) for t in ("Heute Abend könnte ich es ihm sagen.", "Heute Abend könnte ich sie sagen.")]
    speaker = [ClipFeatures(clip_id=c, speaker="03", line=line)
               for c, line in zip("xyz", [*two, "das will sie am mittwoch abgeben"], strict=True)]
    assert same_line(*two) and said_again(two[1], build_references(speaker, min_speaker_clips=3)["03"])
    assert not same_line("i don t know what to do", "i don t know what you mean")
    assert not same_line("ich sage nein", "ich sage ja")
    fear = {e: 0.05 for e in ("anger", "disgust", "happiness", "neutral", "sadness", "surprise")} | {"fear": 0.7}
    weights, conveys, said, emotion_words = {}, {}, {}, {}
    for f in clips:
        text = ModalityEvidence(modality="text", weight=0.4, emotions=fear, observations=[Observation(
            modality="speech", cue="meaning", category="fear", text="what was said expresses fear (0.70)")])
        ev = build_evidence(f.clip_id, f, {}, load_label_set("emodb"), ref, EvidenceConfig(), text=text)
        weights[f.clip_id] = ev.modality("text").weight
        if f.clip_id != "c":
            assert any(o.cue == "script_line" for o in ev.modality("text").observations)
        # the words channel shows the reading the evidence used: none for a script line (it said "conveys fear"
        # beside a weight of 0, and "afraid" reached the emotion words of every EmoDB clip)
        words = next(c for c in ev.channels if c.channel == "words")
        conveys[f.clip_id] = words.words.conveys
        said[f.clip_id] = [q.text for q in words.cues]
        emotion_words[f.clip_id] = evidence_words("neutral", {"neutral"}, ev.channels, 5)
    assert weights == {"a": 0.0, "b": 0.0, "c": 0.4}
    assert conveys == {"a": [], "b": [], "c": ["fear"]}
    assert said["a"] == [phrases()["script_line"]] and said["c"] == ["what is said conveys fear"]
    assert "afraid" not in emotion_words["a"] and "afraid" in emotion_words["c"]
