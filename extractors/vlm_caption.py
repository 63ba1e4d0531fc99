"""Key-frame captions from a vision-language model (GGUF + its multimodal projector) through
llama-cpp-python's multimodal chat handlers (libmtmd).

No VLM weights install from a package registry (none is published in one), and the project's default build of
llama-cpp-python (scripts/install_llama.sh) leaves libmtmd out to save build time. So this backend is for users
who build llama-cpp-python with it and bring the two GGUF files; everywhere else it fails before any clip with a
message that says which of the two is missing and how to get it.

The model is loaded where the reasoner's is (pipeline/reasoning/reasoner.py `load_llama`: the child-process check
that the build runs on this CPU, the thread settings, one copy per process). It is called through llama-cpp-python's
`create_chat_completion`, not the reasoner's `LlamaSession`: the session evaluates token lists formatted from text
messages with KV reuse, while an image reaches the model as projector embeddings that only the chat handler's libmtmd
path evaluates (and it clears the KV cache on each call).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np

from emer.pipeline.records.errors import ModelUnavailableError

# handler name -> class in llama_cpp.llama_chat_format. "auto" uses the chat template stored in the GGUF
# (SmolVLM, Gemma 3, Qwen2.5-VL, ... as converted by llama.cpp); the others are the fixed-format handlers.
HANDLERS = {
    "auto": "MTMDChatHandler",
    "llava-1.5": "Llava15ChatHandler",
    "llava-1.6": "Llava16ChatHandler",
    "moondream2": "MoondreamChatHandler",
    "nanollava": "NanoLlavaChatHandler",
    "qwen2.5-vl": "Qwen25VLChatHandler",
    "minicpm-v2.6": "MiniCPMv26ChatHandler",
}

REBUILD = ("rebuild it with the flags of scripts/install_llama.sh but -DLLAVA_BUILD=ON (CMAKE_ARGS=... pip install "
           "--force-reinstall --no-cache-dir --no-binary llama-cpp-python llama-cpp-python==0.3.36)")


def mtmd_problem() -> str | None:
    """Why this llama-cpp-python cannot run a VLM (not installed, or built without libmtmd); None if it can."""
    try:
        import llama_cpp
    except ImportError:
        return "llama-cpp-python is not installed (see scripts/install_llama.sh)"
    try:
        import llama_cpp.mtmd_cpp  # noqa: F401  (loads libmtmd)
    except (OSError, FileNotFoundError, ImportError) as e:
        return f"llama-cpp-python {llama_cpp.__version__} has no multimodal library ({e}); {REBUILD}"
    return None


class VLMCaptioner:
    """A GGUF vision-language model that describes images in a sentence or two."""

    def __init__(self, model_path: str, projector_path: str, handler: str = "auto", threads: int = 2,
                 n_ctx: int = 4096, max_tokens: int = 80) -> None:
        missing = [f"{path} (the {what})" for what, path in (("VLM weights", model_path),
                                                              ("VLM projector, mmproj", projector_path))
                   if not Path(path).is_file()]
        if missing:
            raise ModelUnavailableError(f"no such file: {' and '.join(missing)}. No VLM installs from a package "
                                        "registry: download a GGUF model and its mmproj file (e.g. "
                                        "SmolVLM-256M-Instruct from ggml-org) and give both paths")
        if handler not in HANDLERS:
            raise ModelUnavailableError(f"unknown VLM chat handler {handler!r}; valid: {', '.join(HANDLERS)}")
        if problem := mtmd_problem():
            raise ModelUnavailableError(problem)
        from emer.pipeline.reasoning.reasoner import load_llama

        try:
            self._llm, self.load_seconds = load_llama(model_path, n_ctx, threads, (HANDLERS[handler], projector_path))
        except (ValueError, RuntimeError) as e:
            raise ModelUnavailableError(f"{model_path} + {projector_path}: llama.cpp cannot load the VLM: {e}") from e
        self.max_tokens = max_tokens

    def caption(self, images: list[np.ndarray], prompt: str) -> str:
        """The model's answer to `prompt` about the BGR images (greedy decoding)."""
        import cv2

        content: list[dict[str, Any]] = []
        for image in images:
            ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if not ok:
                raise ValueError("cannot encode a key frame as JPEG")
            url = "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")
            content.append({"type": "image_url", "image_url": {"url": url}})
        content.append({"type": "text", "text": prompt})
        out = self._llm.create_chat_completion(messages=[{"role": "user", "content": content}],
                                               max_tokens=self.max_tokens, temperature=0.0)
        return " ".join(str(out["choices"][0]["message"]["content"] or "").split())
