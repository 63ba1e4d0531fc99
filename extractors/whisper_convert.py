"""Turning a CTranslate2 Whisper model (the registry's `whisper-ct2` models) back into an openai-whisper
checkpoint, with numpy alone: read `model.bin`, split the fused attention projections, rename, and give the
`{"dims", "model_state_dict"}` that `whisper.load_model(path)` reads. The caller turns the arrays into tensors.

The CTranslate2 copies were converted from Hugging Face's Whisper (CTranslate2 `WhisperLoader`), which holds
openai-whisper's weights renamed, so the arrays are the original checkpoint's float16 values. CTranslate2 fuses
query/key/value of self-attention (`linear_0`, 3 x d rows) and key/value of cross-attention (`linear_1`,
2 x d rows); Whisper's key projection has no bias, so CTranslate2 stores zeros there, which are dropped.

`model.bin` layout (CTranslate2 `specs/model_spec.py`, `_serialize`, binary version 6): uint32 version, string
spec name, uint32 revision, uint32 variable count, then per variable: string name, uint8 rank, uint32 dims,
uint8 dtype (0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16), uint32 byte count, the bytes; then
uint32 alias count and (alias, target) string pairs. A string is a uint16 length (with the NUL), the bytes, NUL.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

from emer.pipeline.records.errors import ModelUnavailableError

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
SUPPORTED_BINARY_VERSIONS = (5, 6)


def read_ct2(path: Path) -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 `model.bin` (aliases resolved), as read-only arrays over the file bytes."""
    data = Path(path).read_bytes()
    offset = 0

    def unpack(fmt: str) -> int:
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return value

    def string() -> str:
        nonlocal offset
        n = unpack("H")
        value = data[offset:offset + n - 1].decode("utf-8")
        offset += n
        return value

    try:
        version = unpack("I")
        if version not in SUPPORTED_BINARY_VERSIONS:
            raise ModelUnavailableError(f"{path}: CTranslate2 binary version {version}; this reader knows "
                                        f"{SUPPORTED_BINARY_VERSIONS}")
        spec = string()
        if spec != "WhisperSpec":
            raise ModelUnavailableError(f"{path}: a CTranslate2 {spec}, not a Whisper model")
        unpack("I")  # spec revision
        variables: dict[str, np.ndarray] = {}
        for _ in range(unpack("I")):
            name = string()
            shape = [unpack("I") for _ in range(unpack("B"))]
            dtype_id, nbytes = unpack("B"), unpack("I")
            if dtype_id not in _DTYPES:
                raise ModelUnavailableError(f"{path}: variable {name} has data type {dtype_id} (quantised "
                                            "models cannot be converted back)")
            dtype = np.dtype(_DTYPES[dtype_id])
            variables[name] = np.frombuffer(data, dtype=dtype, count=nbytes // dtype.itemsize,
                                            offset=offset).reshape(shape)
            offset += nbytes
        for _ in range(unpack("I")):
            alias, target = string(), string()
            variables[alias] = variables[target]
    except struct.error as e:
        raise ModelUnavailableError(f"{path}: truncated or not a CTranslate2 model: {e}") from e
    return variables


def _linear(out: dict[str, np.ndarray], prefix: str, ct2: dict[str, np.ndarray], name: str,
            bias: bool = True) -> None:
    out[f"{prefix}.weight"] = ct2[f"{name}/weight"]
    if bias:
        out[f"{prefix}.bias"] = ct2[f"{name}/bias"]


def _norm(out: dict[str, np.ndarray], prefix: str, ct2: dict[str, np.ndarray], name: str) -> None:
    out[f"{prefix}.weight"] = ct2[f"{name}/gamma"]
    out[f"{prefix}.bias"] = ct2[f"{name}/beta"]


def _split(ct2: dict[str, np.ndarray], name: str, parts: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A fused linear layer's (weight, bias) per part, split along the output rows."""
    weights = np.split(ct2[f"{name}/weight"], parts, axis=0)
    biases = np.split(ct2[f"{name}/bias"], parts, axis=0)
    return list(zip(weights, biases, strict=True))


def _attention(out: dict[str, np.ndarray], prefix: str, qkv: list[tuple[np.ndarray, np.ndarray]],
               ct2: dict[str, np.ndarray], out_name: str) -> None:
    for (w, b), part in zip(qkv, ("query", "key", "value"), strict=True):
        out[f"{prefix}.{part}.weight"] = w
        if part != "key":  # Whisper's key projection has no bias (CTranslate2 keeps zeros)
            out[f"{prefix}.{part}.bias"] = b
    _linear(out, f"{prefix}.out", ct2, out_name)


def _layers(ct2: dict[str, np.ndarray], side: str) -> int:
    found = {int(m.group(1)) for k in ct2 if (m := re.match(rf"{side}/layer_(\d+)/", k))}
    if not found or found != set(range(len(found))):
        raise ModelUnavailableError(f"CTranslate2 Whisper model without a contiguous {side} layer list")
    return len(found)


def to_openai_whisper(ct2: dict[str, np.ndarray]) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """openai-whisper's (dims, state dict) from a CTranslate2 Whisper model's variables."""
    try:
        n_audio_layer, n_text_layer = _layers(ct2, "encoder"), _layers(ct2, "decoder")
        state: dict[str, np.ndarray] = {}
        for i in (1, 2):
            _linear(state, f"encoder.conv{i}", ct2, f"encoder/conv{i}")
        state["encoder.positional_embedding"] = ct2["encoder/position_encodings/encodings"]
        for i in range(n_audio_layer):
            src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
            _attention(state, f"{dst}.attn", _split(ct2, f"{src}/self_attention/linear_0", 3), ct2,
                       f"{src}/self_attention/linear_1")
            _norm(state, f"{dst}.attn_ln", ct2, f"{src}/self_attention/layer_norm")
            _linear(state, f"{dst}.mlp.0", ct2, f"{src}/ffn/linear_0")
            _linear(state, f"{dst}.mlp.2", ct2, f"{src}/ffn/linear_1")
            _norm(state, f"{dst}.mlp_ln", ct2, f"{src}/ffn/layer_norm")
        _norm(state, "encoder.ln_post", ct2, "encoder/layer_norm")

        state["decoder.token_embedding.weight"] = ct2["decoder/embeddings/weight"]
        state["decoder.positional_embedding"] = ct2["decoder/position_encodings/encodings"]
        for i in range(n_text_layer):
            src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
            _attention(state, f"{dst}.attn", _split(ct2, f"{src}/self_attention/linear_0", 3), ct2,
                       f"{src}/self_attention/linear_1")
            _norm(state, f"{dst}.attn_ln", ct2, f"{src}/self_attention/layer_norm")
            query = (ct2[f"{src}/attention/linear_0/weight"], ct2[f"{src}/attention/linear_0/bias"])
            _attention(state, f"{dst}.cross_attn", [query, *_split(ct2, f"{src}/attention/linear_1", 2)], ct2,
                       f"{src}/attention/linear_2")
            _norm(state, f"{dst}.cross_attn_ln", ct2, f"{src}/attention/layer_norm")
            _linear(state, f"{dst}.mlp.0", ct2, f"{src}/ffn/linear_0")
            _linear(state, f"{dst}.mlp.2", ct2, f"{src}/ffn/linear_1")
            _norm(state, f"{dst}.mlp_ln", ct2, f"{src}/ffn/layer_norm")
        _norm(state, "decoder.ln", ct2, "decoder/layer_norm")

        conv1 = ct2["encoder/conv1/weight"]
        dims = {
            "n_mels": int(conv1.shape[1]),
            "n_audio_ctx": int(ct2["encoder/position_encodings/encodings"].shape[0]),
            "n_audio_state": int(conv1.shape[0]),
            "n_audio_head": int(ct2["encoder/num_heads"]),
            "n_audio_layer": n_audio_layer,
            "n_vocab": int(ct2["decoder/embeddings/weight"].shape[0]),
            "n_text_ctx": int(ct2["decoder/position_encodings/encodings"].shape[0]),
            "n_text_state": int(ct2["decoder/embeddings/weight"].shape[1]),
            "n_text_head": int(ct2["decoder/num_heads"]),
            "n_text_layer": n_text_layer,
        }
    except KeyError as e:
        raise ModelUnavailableError(f"CTranslate2 Whisper model lacks variable {e}") from None
    return dims, state
