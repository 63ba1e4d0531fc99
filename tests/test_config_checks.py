"""Configuration is checked before any clip runs (exit 2, one line naming the option and the valid values), and
what goes wrong on a clip is reported: a failed extractor (status degraded, exit 3), a decoding warning, and
why a clip has no label. Runs the `emer run` command in-process on real clips with light extractors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from schema_check import validate_output

from emer import extractors
from emer.extractors.base import Extractor
from emer.pipeline.cli import main
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.run.config import RunConfig

LIGHT = "opencv-scene,praat-prosody"


class BrokenScene(Extractor):
    """A scene extractor registered like a real one that always raises."""

    name, version, kind = "broken-scene", "0.1.0", "scene"

    def extract(self, clip):
        raise RuntimeError("deliberate failure")


extractors.register(BrokenScene)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["run", *args, "-q"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _config_error(capsys, video: Path, out: Path, *options: str) -> str:
    """Run with options that must be refused: exit 2, one line on stderr, nothing written."""
    code, stdout, stderr = _run(capsys, str(video), "-o", str(out), *options)
    assert code == 2, stderr
    assert stderr.startswith("emer: error: ") and stderr.count("\n") == 1, stderr
    assert not out.exists(), "a clip ran before the config was checked"
    return stderr


# --- checked up front --------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "expected"), [
    ("no-such-model", "unknown whisper-ct2 model 'no-such-model'; valid: whisper-tiny.en, whisper-base"),
    ("smollm2-135m", "'smollm2-135m' is a llm-gguf model, not a whisper-ct2; whisper-ct2 models: whisper-tiny.en"),
])
def test_a_wrong_whisper_model_stops_the_run_before_any_clip(capsys, tmp_path, video_paths, model, expected):
    stderr = _config_error(capsys, video_paths["NEU"], tmp_path / "out", "--no-reason",
                           "--extractors", "faster-whisper", "--set", f"faster-whisper.model={model}")
    assert "extractor 'faster-whisper': option model=" in stderr and expected in stderr


@pytest.mark.parametrize(("option", "expected"), [
    ("praat-prosody.pitch_floor_hz=-5", "option pitch_floor_hz=-5: Input should be greater than 0"),
    ("opencv-scene.min_face=1.5", "option min_face=1.5: Input should be less than 1"),
    ("faster-whisper.compute_type=int4", "option compute_type='int4': Input should be 'int8', 'int8_float32' or "
                                         "'float32'"),
    ("opencv-scene.no_such_option=1", "unknown option 'no_such_option'; options: analysis_height, face_frames"),
])
def test_invalid_extractor_options_stop_the_run_before_any_clip(capsys, tmp_path, video_paths, option, expected):
    stderr = _config_error(capsys, video_paths["NEU"], tmp_path / "out", "--no-reason",
                           "--extractors", f"{LIGHT},faster-whisper", "--set", option)
    assert f"extractor '{option.split('.')[0]}'" in stderr and expected in stderr


def test_a_model_path_that_is_not_gguf_stops_the_run_naming_the_file(capsys, tmp_path, video_paths):
    stderr = _config_error(capsys, video_paths["NEU"], tmp_path / "out", "--extractors", LIGHT,
                           "--model", "/etc/passwd")
    assert "llm.model (--model): /etc/passwd is not a GGUF file: it is a text file beginning 'root:" in stderr
    stderr = _config_error(capsys, video_paths["NEU"], tmp_path / "out", "--extractors", LIGHT,
                           "--model", "whisper-base")
    assert "'whisper-base' is a whisper-ct2 model, not a llm-gguf; llm-gguf models: smollm2-135m" in stderr


def test_model_paths_are_checked_for_what_the_model_loads(tmp_path):
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    cases = {
        "smollm2-135m": (empty, f"model_paths.smollm2-135m: {empty} is not a GGUF file: it is empty"),
        "qwen2.5-0.5b": (Path(__file__), f"{Path(__file__)} is not a GGUF file: it is a text file beginning"),
        "qwen2.5-1.5b": (tmp_path / "missing.gguf", f"{tmp_path / 'missing.gguf'} does not exist"),
        "whisper-base": (tmp_path, f"model_paths.whisper-base: {tmp_path} is not a folder holding model.bin"),
    }
    for name, (path, expected) in cases.items():
        with pytest.raises(ConfigError) as e:
            RunConfig(model_paths={name: str(path)}, reason=False).validate_names()
        assert expected in str(e.value)
    zipped = tmp_path / "model.zip"
    zipped.write_bytes(b"PK\x03\x04" + bytes(60))
    with pytest.raises(ConfigError, match="is not a GGUF file: it is a binary file beginning 50 4b 03 04"):
        RunConfig(llm={"model": str(zipped)}).validate_names()
    gguf = tmp_path / "own.gguf"
    gguf.write_bytes(b"GGUF" + bytes(60))  # the header is what is checked up front; the sha256 when loaded
    RunConfig(llm={"model": str(gguf)}, model_paths={"smollm2-135m": str(gguf)}).validate_names()


# --- reported per clip -------------------------------------------------------------------------------


def test_a_failed_extractor_is_reported_in_table_summary_results_and_exit_code(capsys, tmp_path, video_paths):
    out = tmp_path / "out"
    code, stdout, _ = _run(capsys, str(video_paths["ANG"]), "-o", str(out), "--no-reason",
                           "--extractors", "praat-prosody,broken-scene")
    assert code == 3
    problem = "extractor broken-scene failed: RuntimeError: deliberate failure"
    assert f"! DEGRADED: {problem}" in stdout
    assert "0 ok, 1 degraded (an extractor failed), 0 failed" in stdout

    summary = RunSummary.model_validate_json((out / "summary.json").read_text())
    assert (summary.ok, summary.degraded, summary.failed) == (0, 1, 0)
    row = summary.clips[0]
    assert row.status == "degraded" and row.error == problem and row.clues["broken-scene"] == "failed"
    assert row.label is not None  # the voice still gave a label
    result = Result.model_validate_json((out / "1001_DFA_ANG_XX" / "result.json").read_text())
    assert result.status == "degraded" and result.error == problem
    assert [c.detail for c in result.clues if c.status == "failed"] == ["RuntimeError: deliberate failure"]
    assert Result.model_validate_json((out / "results.jsonl").read_text()) == result
    [csv_row] = csv.DictReader((out / "results.csv").open())
    assert csv_row["status"] == "degraded" and csv_row["error"] == problem
    for file, schema in ((out / "summary.json", "run-summary"), (out / "1001_DFA_ANG_XX" / "result.json", "result")):
        validate_output(file, schema)


def test_a_truncated_clip_shows_its_warning_in_the_table_and_summary(capsys, tmp_path, video_paths):
    data = video_paths["HAP"].read_bytes()
    clip = tmp_path / "in" / "truncated.flv"
    clip.parent.mkdir()
    clip.write_bytes(data[: len(data) // 3])
    out = tmp_path / "out"
    code, stdout, _ = _run(capsys, str(clip), "-o", str(out), "--no-reason", "--extractors", LIGHT)
    assert code == 0  # a warning, not a failure
    row = RunSummary.model_validate_json((out / "summary.json").read_text()).clips[0]
    assert row.status == "ok" and any("truncated" in w for w in row.warnings), row.warnings
    assert f"! warning: {row.warnings[0]}" in stdout
    [csv_row] = csv.DictReader((out / "results.csv").open())
    assert "truncated" in csv_row["warnings"]


def write_silent_black_video(path: Path, seconds: float = 2.0) -> Path:
    """A video of black frames with a silent audio track: nothing to see or hear."""
    import av

    rate, fps = 16000, 10
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = container.add_stream("pcm_s16le", rate=rate, layout="mono")
        for _ in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.zeros((120, 160, 3), np.uint8), format="rgb24")
            container.mux(video.encode(frame))
        sound = av.AudioFrame.from_ndarray(np.zeros((1, int(seconds * rate)), np.int16), format="s16", layout="mono")
        sound.sample_rate = rate
        container.mux(audio.encode(sound))
        container.mux(video.encode())
        container.mux(audio.encode())
    return path


def test_a_clip_with_nothing_to_read_says_why_it_has_no_label(capsys, tmp_path):
    clip = write_silent_black_video(tmp_path / "black.mkv")
    out = tmp_path / "out"
    code, stdout, _ = _run(capsys, str(clip), "-o", str(out), "--no-reason", "--extractors", LIGHT)
    assert code == 0
    row = RunSummary.model_validate_json((out / "summary.json").read_text()).clips[0]
    assert row.label is None and row.note is not None
    assert row.note == ("no emotion evidence: prosody: silence: loudest frame -200.0 dBFS is below -60.0 dBFS; "
                        "no face or speech extractor chosen")
    [line] = [ln for ln in stdout.splitlines() if ln.startswith("black ")]
    assert line.split()[1] == "-" and line.endswith(row.note)
    assert Result.model_validate_json((out / "black" / "result.json").read_text()).note == row.note


@pytest.mark.slow
def test_no_face_and_no_speech_is_stated_in_the_result_and_table(capsys, tmp_path):
    clip = write_silent_black_video(tmp_path / "black.mkv")
    out = tmp_path / "out"
    code, stdout, _ = _run(capsys, str(clip), "-o", str(out), "--no-reason",
                           "--extractors", "mediapipe-face,faster-whisper")
    assert code == 0
    result = Result.model_validate_json((out / "black" / "result.json").read_text())
    assert result.prediction is None and result.note is not None
    assert result.note.startswith("no emotion evidence: face: no face found in ")
    assert "; speech: " in result.note and result.note in stdout
