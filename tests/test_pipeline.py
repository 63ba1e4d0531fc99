"""The pipeline end to end: folders with bad inputs, reuse of finished work, outputs and their schemas."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from media import make_bad_folder
from schema_check import validate_output

from emer import extractors
from emer.extractors.base import Extractor, ExtractorConfig
from emer.pipeline.records.clues import ClueStatus, SceneData
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.records.vocab import default_wheel
from emer.pipeline.run.config import RunConfig, load_config
from emer.pipeline.run.runner import Pipeline
from emer.pipeline.store.cached import cached_info
from emer.pipeline.store.io import load_clue

# The fast model with short answers: these tests check the plumbing, not the reasoning.
FAST_LLM = {"model": "smollm2-135m", "max_open_vocab": 2, "max_evidence": 1}


class CountingScene(Extractor):
    """A small fake registered like a real extractor: counts its calls, fails on request."""

    name, version, kind = "counting-scene", "0.1.0", "scene"
    calls = 0

    class Config(ExtractorConfig):
        fail: bool = False

    def extract(self, clip):
        type(self).calls += 1
        if self.config.fail:
            raise RuntimeError("deliberate failure")
        data = SceneData(brightness=0.5, contrast=0.1, colourfulness=10.0, warmth=0.0, motion_energy=0.0,
                         faces=1, face_height_ratio=0.3, shot_scale="medium close-up", description="test scene")
        return self.make_clue(clip, ClueStatus.ok, data, timings={"total": 0.0})


extractors.register(CountingScene)


def test_rerun_reuses_clues_and_a_config_change_recomputes(tmp_path, video_paths):
    config = RunConfig(extractors=[{"name": "counting-scene"}], reason=False)
    CountingScene.calls = 0
    first = Pipeline(config).run(video_paths["NEU"], tmp_path)
    assert CountingScene.calls == 1 and first.reused_clues == 0
    probe = tmp_path / "1001_DFA_NEU_XX" / "clip.json"
    validate_output(probe, "clip")  # versioned like every other output file
    assert json.loads(probe.read_text())["schema_version"] == "1.0"
    unversioned = {k: v for k, v in json.loads(probe.read_text()).items() if k != "schema_version"}
    probe.write_text(json.dumps(unversioned))  # a probe written before clip.json had a version is still reused
    assert cached_info(probe, unversioned["sha256"]) is not None
    second = Pipeline(config).run(video_paths["NEU"], tmp_path)
    assert CountingScene.calls == 1 and second.reused_clues == 1
    changed = config.model_copy(update={"decode": config.decode.model_copy(update={"frame_rate": 5.0})})
    Pipeline(changed).run(video_paths["NEU"], tmp_path)
    assert CountingScene.calls == 2


def test_an_extractor_that_raises_gives_a_failed_clue_and_is_retried(tmp_path, video_paths):
    config = RunConfig(extractors=[{"name": "counting-scene", "config": {"fail": True}}], reason=False)
    summary = Pipeline(config).run(video_paths["NEU"], tmp_path)
    assert (summary.ok, summary.degraded) == (0, 1)
    assert summary.clips[0].error == "extractor counting-scene failed: RuntimeError: deliberate failure"
    clue = load_clue(tmp_path / "1001_DFA_NEU_XX" / "clues" / "counting-scene.json")
    assert clue.status == ClueStatus.failed and "RuntimeError: deliberate failure" in clue.detail
    CountingScene.calls = 0
    Pipeline(config).run(video_paths["NEU"], tmp_path)
    assert CountingScene.calls == 1  # failed clues are not reused


@pytest.mark.slow
def test_folder_with_bad_inputs_completes_and_reports_each(tmp_path, video_paths, audio_paths):
    files = make_bad_folder(tmp_path / "in", video_paths["HAP"], audio_paths["SAD"])
    out = tmp_path / "out"
    config = load_config(overrides={"label_set": "crema-d", "llm": FAST_LLM})
    summary = Pipeline(config).run(tmp_path / "in", out)
    by_id = {c.clip_id: c for c in summary.clips}
    assert set(by_id) == {"empty", "truncated", "notes", "audio_only", "no_audio", "good"}
    assert "readme.txt" in json.dumps(json.loads((out / "run.json").read_text())["skipped"])

    assert by_id["empty"].status == "failed" and "empty.mp4: file is empty" in by_id["empty"].error
    assert by_id["notes"].status == "failed" and "notes.mp4: not a readable media file" in by_id["notes"].error
    assert by_id["truncated"].status == "ok"
    truncated = Result.model_validate_json((out / "truncated" / "result.json").read_text())
    assert any("truncated" in w for w in truncated.clip.warnings)
    assert by_id["audio_only"].clues == {"mediapipe-face": "unsupported", "faster-whisper": "ok",
                                         "praat-prosody": "ok", "opencv-scene": "unsupported"}
    assert by_id["no_audio"].clues["faster-whisper"] == "unsupported"
    assert by_id["no_audio"].clues["praat-prosody"] == "unsupported"
    assert by_id["no_audio"].clues["mediapipe-face"] == "ok"
    assert summary.ok == 4 and summary.failed == 2

    labels = {"anger", "disgust", "fear", "happiness", "neutral", "sadness"}
    for clip_id, row in by_id.items():
        result_file = out / clip_id / "result.json"
        validate_output(result_file, "result")
        if row.status == "ok":
            assert row.label in labels
            assert (out / clip_id / "prompt.txt").read_text().startswith("[system]")
            for clue_file in (out / clip_id / "clues").glob("*.json"):
                validate_output(clue_file, f"clue-{load_clue(clue_file).kind}")
    validate_output(out / "summary.json", "run-summary")
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 6 and all(Result.model_validate_json(line) for line in lines)
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert {r["clip_id"] for r in rows} == set(by_id)
    assert not list(out.rglob("*.tmp")), "a temp file was left behind"
    assert files["text"].exists()


@pytest.mark.slow
def test_rerun_with_another_label_set_redoes_only_reasoning(tmp_path, video_paths):
    config = load_config(overrides={"label_set": "crema-d", "llm": FAST_LLM})
    first = Pipeline(config).run(video_paths["HAP"], tmp_path)
    assert first.ok == 1 and first.reused_clues == 0
    again = Pipeline(config).run(video_paths["HAP"], tmp_path)
    assert again.reused_clues == 4 and again.reused_results == 1
    other = load_config(overrides={"label_set": "mer2023", "llm": FAST_LLM})
    third = Pipeline(other).run(video_paths["HAP"], tmp_path)
    assert third.reused_clues == 4 and third.reused_results == 0
    result = Result.model_validate_json((tmp_path / "1001_DFA_HAP_XX" / "result.json").read_text())
    assert result.prediction.label in {"neutral", "angry", "happy", "sad", "worried", "surprise"}
    assert set(result.prediction.open_vocab) <= set(default_wheel().vocabulary())  # taxonomy words only
    assert result.reasoner.model.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert result.generation.prompt_tokens > 100


@pytest.mark.slow
def test_cli_runs_a_folder_and_prints_the_table(tmp_path, samples):
    out = tmp_path / "out"
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps({"llm": FAST_LLM}))  # JSON is YAML
    proc = subprocess.run(
        [sys.executable, "-m", "emer.pipeline.cli", "run", str(samples / "video"), "-o", str(out), "--labels",
         "crema-d", "-c", str(config), "-q"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    for emotion in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD"):
        assert f"1001_DFA_{emotion}_XX" in proc.stdout
    assert "6 ok, 0 failed" in proc.stdout
    summary = RunSummary.model_validate_json((out / "summary.json").read_text())
    assert all(c.label in {"anger", "disgust", "fear", "happiness", "neutral", "sadness"} for c in summary.clips)
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["llm"]["model"] == "smollm2-135m" and "llama-cpp-python" in run["packages"]


def test_cli_rejects_unknown_names_fast(tmp_path, video_paths):
    proc = subprocess.run(
        [sys.executable, "-m", "emer.pipeline.cli", "run", str(video_paths["NEU"]), "-o", str(tmp_path),
         "--labels", "nope"], capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "unknown label set 'nope'" in proc.stderr and "crema-d" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_explain_gold_needs_gold_and_prediction_prompts_never_see_it(tmp_path, video_paths):
    with pytest.raises(ConfigError, match="needs gold labels"):
        Pipeline(RunConfig(explain_gold=True))
    predict = Pipeline(RunConfig(extractors=[{"name": "counting-scene"}]), gold={"1001_DFA_HAP_XX": "anger"})
    assert predict.gold == {}  # gold is dropped unless the run explains it


@pytest.mark.slow
def test_explain_gold_writes_reasoning_for_the_given_label(tmp_path, samples):
    out = tmp_path / "out"
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps({"llm": FAST_LLM, "extractors": [{"name": "mediapipe-face"}]}))
    proc = subprocess.run(
        [sys.executable, "-m", "emer.pipeline.cli", "run", str(samples / "video" / "1001_DFA_SAD_XX.flv"),
         "-o", str(out),
         "-c", str(config), "--gold", str(samples / "labels.csv"), "--explain-gold", "-q"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    result = Result.model_validate_json((out / "1001_DFA_SAD_XX" / "result.json").read_text())
    assert result.mode == "explain-gold" and result.gold_label == "sadness"
    assert result.prediction.label == "sadness" and result.prediction.reasoning
    prompt = (out / "1001_DFA_SAD_XX" / "prompt.txt").read_text()
    assert "Annotators labelled this clip as sadness." in prompt and "Possible labels" not in prompt


@pytest.mark.slow
def test_folder_run_reads_each_clip_against_its_speaker(tmp_path, samples):
    """Two passes over the CREMA-D folder: the speaker reference of actor 1001 from all six clips, then each
    clip's evidence against it. Without an LLM the evidence summary's own label is the prediction."""
    config = RunConfig(label_set="crema-d", reason=False,
                       extractors=[{"name": "mediapipe-face"}, {"name": "praat-prosody"}])
    summary = Pipeline(config).run(samples / "video", tmp_path)
    assert summary.ok == 6
    refs = json.loads((tmp_path / "references.json").read_text())
    assert list(refs["speakers"]) == ["1001"] and len(refs["speakers"]["1001"]["clips"]) == 6
    validate_output(refs, "references")
    for clip in ("1001_DFA_NEU_XX", "1001_DFA_HAP_XX"):
        evidence = json.loads((tmp_path / clip / "evidence.json").read_text())
        validate_output(evidence, "evidence")
        assert evidence["reference_kind"] == "speaker" and evidence["speaker"] == "1001"
        result = Result.model_validate_json((tmp_path / clip / "result.json").read_text())
        assert result.prediction.decided_by == "evidence" and result.prediction.label in config_labels(config)
    neutral = json.loads((tmp_path / "1001_DFA_NEU_XX" / "evidence.json").read_text())
    face = {o["cue"]: o["category"] for m in neutral["modalities"] if m["modality"] == "face"
            for o in m["observations"]}
    assert face.get("AU4") in (None, "usual")  # this actor's resting brow lowerer is not read as a frown
    single = tmp_path / "single"
    Pipeline(config).run(samples / "video" / "1001_DFA_HAP_XX.flv", single)
    alone = json.loads((single / "1001_DFA_HAP_XX" / "evidence.json").read_text())
    assert alone["reference_kind"] == "clip"  # one clip: read against its own calm frames
    # the same label alone as in the folder: the clip's own calm frames are not the expression classifier's prior
    folder = json.loads((tmp_path / "1001_DFA_HAP_XX" / "evidence.json").read_text())
    assert alone["label"] == folder["label"] == "happiness", (alone["labels"], folder["labels"])


def config_labels(config: RunConfig) -> list[str]:
    from emer.pipeline.records.vocab import load_label_set

    return list(load_label_set(config.label_set).labels)
