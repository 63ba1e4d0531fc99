"""The openai-whisper backend: the CTranslate2 -> openai-whisper conversion (numpy only, on the installed
whisper-base weights), and transcription with the extra installed (skipped where it is not: CI does not install
torch)."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from media import synthetic_clip

from emer import extractors
from emer.extractors.speech_openai_whisper import OpenAIWhisperSpeechExtractor
from emer.extractors.whisper_convert import read_ct2, to_openai_whisper
from emer.pipeline.inputs.clip import AUDIO_RATE
from emer.pipeline.records.clues import ClueStatus
from emer.pipeline.records.errors import ModelUnavailableError

# openai-whisper's `Whisper(ModelDimensions(n_audio_layer=6, n_text_layer=6, ...)).state_dict()` keys of one
# encoder block, one decoder block and the rest (whisper/model.py: ResidualAttentionBlock, AudioEncoder,
# TextDecoder; `mask` and `alignment_heads` are non-persistent buffers, not in a checkpoint).
ENCODER_BLOCK = ["attn.query.weight", "attn.query.bias", "attn.key.weight", "attn.value.weight", "attn.value.bias",
                 "attn.out.weight", "attn.out.bias", "attn_ln.weight", "attn_ln.bias", "mlp.0.weight", "mlp.0.bias",
                 "mlp.2.weight", "mlp.2.bias", "mlp_ln.weight", "mlp_ln.bias"]
DECODER_BLOCK = ENCODER_BLOCK + [f"cross_attn.{k}" for k in ("query.weight", "query.bias", "key.weight",
                                 "value.weight", "value.bias", "out.weight", "out.bias")] + [
                 "cross_attn_ln.weight", "cross_attn_ln.bias"]
OTHERS = ["encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
          "encoder.positional_embedding", "encoder.ln_post.weight", "encoder.ln_post.bias",
          "decoder.token_embedding.weight", "decoder.positional_embedding", "decoder.ln.weight", "decoder.ln.bias"]
# openai-whisper's published dimensions of "base" (whisper/__init__.py checkpoints, ModelDimensions)
BASE_DIMS = {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8, "n_audio_layer": 6,
             "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512, "n_text_head": 8, "n_text_layer": 6}


@pytest.fixture(scope="module")
def whisper_base(model_store):
    path = model_store.resolve("whisper-base").path
    return read_ct2(f"{path}/model.bin")


def test_registered_under_its_name():
    assert extractors.get("openai-whisper") is OpenAIWhisperSpeechExtractor


def test_conversion_gives_openai_whispers_names_shapes_and_values(whisper_base):
    dims, state = to_openai_whisper(whisper_base)
    assert dims == BASE_DIMS
    expected = set(OTHERS) | {f"encoder.blocks.{i}.{k}" for i in range(6) for k in ENCODER_BLOCK} | {
        f"decoder.blocks.{i}.{k}" for i in range(6) for k in DECODER_BLOCK}
    assert set(state) == expected
    d = 512
    assert state["encoder.conv1.weight"].shape == (d, 80, 3)
    for side in ("encoder", "decoder"):
        for part in ("query", "key", "value"):
            assert state[f"{side}.blocks.0.attn.{part}.weight"].shape == (d, d)
    # the fused q/k/v rows are split in order: query first, and the key's (zero) bias is dropped
    fused = whisper_base["encoder/layer_3/self_attention/linear_0/weight"]
    assert np.array_equal(state["encoder.blocks.3.attn.query.weight"], fused[:d])
    assert np.array_equal(state["encoder.blocks.3.attn.value.weight"], fused[2 * d:])
    assert not whisper_base["encoder/layer_3/self_attention/linear_0/bias"][d:2 * d].any()
    kv = whisper_base["decoder/layer_5/attention/linear_1/weight"]
    assert np.array_equal(state["decoder.blocks.5.cross_attn.key.weight"], kv[:d])
    assert np.array_equal(state["decoder.blocks.5.cross_attn.value.weight"], kv[d:])
    # the output projection is tied to the token embedding, as in openai-whisper
    assert np.array_equal(whisper_base["decoder/projection/weight"], state["decoder.token_embedding.weight"])
    # the encoder's positional embedding is openai-whisper's sinusoids(1500, 512) (float16)
    half = d // 2
    scaled = np.arange(1500)[:, None] * np.exp(-np.log(10000) / (half - 1) * np.arange(half))[None, :]
    sinusoids = np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1)
    assert np.abs(state["encoder.positional_embedding"].astype(np.float64) - sinusoids).max() < 2e-3


def test_a_quantised_or_foreign_model_is_refused(tmp_path):
    path = tmp_path / "model.bin"
    name = b"TransformerSpec"
    path.write_bytes(struct.pack("I", 6) + struct.pack("H", len(name) + 1) + name + b"\0" + struct.pack("II", 1, 0))
    with pytest.raises(ModelUnavailableError, match="TransformerSpec, not a Whisper model"):
        read_ct2(path)
    path.write_bytes(struct.pack("I", 6))
    with pytest.raises(ModelUnavailableError, match="truncated"):
        read_ct2(path)


@pytest.fixture(scope="module")
def speech(model_store):
    pytest.importorskip("whisper", reason="the openai-whisper extra is not installed "
                        "(pip install -e '.[openai-whisper]')")
    return OpenAIWhisperSpeechExtractor(models=model_store)


@pytest.mark.slow
def test_transcribes_the_crema_d_sentence(speech, decoded):
    clue = speech.extract(decoded("ANG"))
    assert clue.status == ClueStatus.ok and clue.data.language == "en"
    assert clue.data.text.lower().strip(" .!") in ("don't forget a jacket", "don't forget the jacket")
    assert clue.data.words == 4 and 0 < clue.data.speech_seconds < 2.5
    ct2, converted = clue.models
    assert ct2.name == "whisper-base" and converted.name.endswith(".pt") and len(converted.sha256) == 64


@pytest.mark.slow
def test_silence_is_no_signal_without_decoding(speech):
    clue = speech.extract(synthetic_clip(np.zeros(2 * AUDIO_RATE, dtype=np.float32)))
    assert clue.status == ClueStatus.no_signal and "voice activity detection on" in clue.detail
    assert "transcribe" not in clue.timings  # the VAD found no speech: Whisper never ran


def test_a_converted_checkpoints_record_that_does_not_read_back_means_converting_again(tmp_path):
    """The record beside a converted checkpoint is read the one way (pipeline/store/io.py read_json): missing, not
    JSON or without a sha256 it means converting again (a JSONDecodeError stopped the extractor before); the CT2
    model's config.json that does not read is an InputError naming it."""
    from emer.extractors.speech_openai_whisper import _alignment_heads, _recorded_sha256
    from emer.pipeline.records.errors import InputError

    record = tmp_path / "whisper-base-0123.json"
    assert _recorded_sha256(record) is None
    for bad in ("{not json", '{"sha256": null}', "[]"):
        record.write_text(bad)
        assert _recorded_sha256(record) is None
    record.write_text('{"sha256": "ab12"}')
    assert _recorded_sha256(record) == "ab12"
    (tmp_path / "config.json").write_text('{"alignment_heads": [[1, 2]]')
    with pytest.raises(InputError, match=r"config\.json: not a readable CTranslate2 model config: invalid JSON"):
        _alignment_heads(tmp_path)
    (tmp_path / "config.json").write_text('{"alignment_heads": [[1, 2]]}')
    assert _alignment_heads(tmp_path) == [[1, 2]]
