"""The Whisper-encoder voice probe: the speech clue's pooled encoder states (taken from the transcription's own
encoder pass), the speaker reference's average of them, and the probe (prompts/evidence/voice_probe.yaml) that
reads a clip's states against its speaker's in the prosody evidence. Pooling and the probe's arithmetic are fast;
the real whisper-base on real Polish development words is slow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emer.extractors.speech_faster_whisper import FasterWhisperSpeechExtractor
from emer.pipeline.evidence.modalities import prosody_evidence
from emer.pipeline.evidence.references import build_references, clip_features
from emer.pipeline.evidence.voice_model import learned_reading, voice_model, voice_probe
from emer.pipeline.inputs.clip import decode_clip
from emer.pipeline.inputs.datasets import fetch_sample_set
from emer.pipeline.records.clues import EncoderPooling
from emer.pipeline.records.evidence import EvidenceConfig
from emer.pipeline.records.vocab import prompts_root
from emer.pipeline.store.io import sha256_file


def _pooling(seed: int, dims: int = 512, model: str = "whisper-base") -> EncoderPooling:
    rng = np.random.default_rng(seed)
    return EncoderPooling.pool(rng.normal(size=(80, dims)), model)


def test_pooling_keeps_mean_and_spread_in_float16_and_averages_part_by_part():
    frames = np.random.default_rng(0).normal(size=(120, 512)).astype(np.float32)
    pooled = EncoderPooling.pool(frames, "whisper-base", "ab" * 32)
    assert (pooled.frames, pooled.dims) == (120, 512) and len(pooled.model_dump_json()) < 3000
    v = pooled.vector()
    assert v.shape == (1024,)
    assert np.allclose(v[:512], frames.mean(axis=0), atol=2e-3) and np.allclose(v[512:], frames.std(axis=0), atol=2e-3)
    other = _pooling(1)
    avg = EncoderPooling.average([pooled, other])
    assert avg.frames == 200 and np.allclose(avg.vector(), (pooled.vector() + other.vector()) / 2, atol=2e-3)
    with pytest.raises(ValueError):
        EncoderPooling.pool(np.zeros((0, 512)), "whisper-base")
    with pytest.raises(ValueError):
        EncoderPooling.average([pooled, _pooling(2, dims=384, model="whisper-tiny.en")])


def test_the_shipped_probe_is_identified_and_reads_what_its_encoder_makes():
    probe = voice_probe()
    assert probe.sha256 == sha256_file(prompts_root() / "evidence" / "voice_probe.yaml")
    assert probe.encoder == "whisper-base" and probe.parts == ["mean", "std"]
    assert set(probe.classes) == set(voice_model().classes)
    assert {len(w) for w in probe.weights.values()} == {1024}
    assert "nkululeko" in str(probe.training["data"]) and 0 < float(probe.training["loso_accuracy"]) <= 1  # type: ignore[arg-type]
    clip, speaker = _pooling(3), _pooling(4)
    probs = probe.predict(clip, speaker)
    x = clip.vector() - speaker.vector()
    logits = {c: (probe.bias[c] + float(np.dot(probe.weights[c], x))) / probe.temperature for c in probe.classes}
    total = sum(math.exp(v) for v in logits.values())
    assert probs == pytest.approx({c: math.exp(v) / total for c, v in logits.items()}, abs=1e-3)
    assert probe.predict(speaker, speaker) == pytest.approx(
        {c: math.exp(probe.bias[c] / probe.temperature) / sum(math.exp(b / probe.temperature)
                                                                 for b in probe.bias.values()) for c in probe.classes},
        abs=1e-3)  # at the speaker's usual states, the bias alone


def test_the_probe_reads_only_with_a_speaker_reference_from_its_encoder():
    z = {"pitch_st": 1.0, "pitch_range_st": 1.5}
    clip, speaker = _pooling(5), _pooling(6)
    assert learned_reading(z, clip, speaker)[0] == "voice_probe"
    assert learned_reading(z, clip, None)[0] == "voice_model"   # no speaker reference: the z-score model
    assert learned_reading(z, clip, speaker, use_probe=False)[0] == "voice_model"
    tiny = _pooling(7, dims=384, model="whisper-tiny.en")
    assert learned_reading(z, tiny, _pooling(8, dims=384, model="whisper-tiny.en"))[0] == "voice_model"
    cue, probs, text = learned_reading(z, clip, speaker)
    assert voice_probe().sha256[:12] in text and set(probs) == set(voice_probe().classes)


@pytest.mark.slow
def test_real_polish_words_carry_encoder_states_from_one_encoder_pass_and_the_probe_reads_them(model_store):
    """One speaker's words (anger, fear, neutral; Polish development data): each speech clue carries the
    transcription's encoder states (one encoder pass per short clip, about 50 frames a second of speech), the
    speaker reference averages them, and the prosody evidence's learned split comes from the probe."""
    from emer.extractors.prosody_praat import PraatProsodyExtractor

    audio = fetch_sample_set("polish") / "audio"
    paths = [audio / f"m3.{c}_stop_{r}.wav" for c in "ans" for r in (2, 4)]
    speech = FasterWhisperSpeechExtractor({"translate": False}, models=model_store)
    prosody = PraatProsodyExtractor()
    model = speech.load()
    calls = []
    encode = model.encode
    model.encode = lambda features: calls.append(1) or encode(features)  # type: ignore[method-assign]
    try:
        feats = []
        for path in paths:
            clip = decode_clip(path)
            before = len(calls)
            clue = speech.extract(clip)
            assert len(calls) - before == 1, "the encoder ran more than once for a short clip"
            enc = clue.data.encoder
            assert enc is not None and enc.model == "whisper-base" and enc.dims == 512
            assert enc.model_sha256 == model_store.resolve("whisper-base").sha256
            assert 10 <= enc.frames <= 50 * clip.info.duration_s + 2
            feats.append(clip_features(path.stem, [clue, prosody.extract(clip)], speaker="m3"))
    finally:
        model.encode = encode  # type: ignore[method-assign]
    ref = build_references(feats)["m3"]
    assert ref.encoder is not None and ref.encoder.frames == sum(f.encoder.frames for f in feats)
    ev = prosody_evidence(feats[0].voice, ref.voice, "speaker m3", EvidenceConfig(), feats[0].encoder, ref.encoder)
    obs = next(o for o in ev.observations if o.cue == "voice_probe")
    assert voice_probe().sha256[:12] in obs.text and obs.category in voice_probe().classes
