"""The overlapped run loop (extraction ahead of the reasoning) and the machine-wide LLM slots."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from emer.pipeline.inputs.datasets import fetch_sample_set
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.runloop import speaker_groups
from emer.pipeline.run.runner import Pipeline
from emer.pipeline.run.threads import configure_process, cpu_slot, slots

FAST_LLM = {"model": "smollm2-135m", "max_open_vocab": 2, "max_evidence": 1}


def test_clips_are_grouped_by_speaker_in_first_appearance_order():
    clips = [(c, Path(c)) for c in ("1002_a", "x", "1001_a", "1002_b", "y", "1001_b")]
    speakers = {"1002_a": "1002", "1002_b": "1002", "1001_a": "1001", "1001_b": "1001", "x": None, "y": None}
    groups = [(s, [c for c, _ in members]) for s, members in speaker_groups(clips, speakers)]
    assert groups == [("1002", ["1002_a", "1002_b"]), (None, ["x"]), ("1001", ["1001_a", "1001_b"]),
                      (None, ["y"])]


def test_one_slot_makes_threads_take_turns(tmp_path, monkeypatch):
    monkeypatch.setenv("EMER_SLOTS", "1")
    inside, most = [0], [0]
    lock = threading.Lock()

    def job() -> None:
        with cpu_slot(2, tmp_path):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.1)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=job) for _ in range(3)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and time.perf_counter() - start >= 0.3


def test_a_slot_held_by_another_process_is_waited_for(tmp_path, monkeypatch):
    monkeypatch.setenv("EMER_SLOTS", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from pathlib import Path; from emer.pipeline.run.threads import cpu_slot\n"
         f"with cpu_slot(1, Path({str(tmp_path)!r})):\n    print('in', flush=True); time.sleep(0.6)"],
        stdout=subprocess.PIPE, text=True, env={**__import__("os").environ, "EMER_SLOTS": "1"})
    assert holder.stdout is not None and holder.stdout.readline().strip() == "in"
    start = time.perf_counter()
    with cpu_slot(1, tmp_path):
        waited = time.perf_counter() - start
    holder.wait()
    assert waited > 0.3


def test_slots_default_to_cpus_per_llm_and_the_budget_is_checked(monkeypatch):
    monkeypatch.delenv("EMER_SLOTS", raising=False)
    assert slots(10_000) == 1
    monkeypatch.setenv("EMER_THREADS", "zero")
    from emer.pipeline.records.errors import ConfigError

    with pytest.raises(ConfigError, match="EMER_THREADS"):
        configure_process()


def _comparable(path: Path) -> dict:
    data = json.loads(path.read_text())
    for key in ("timings", "reused", "created_at"):
        data.pop(key, None)
    if data.get("generation"):  # times, and how much KV state was reused, depend on what ran before
        data["generation"] = {k: v for k, v in data["generation"].items()
                              if not k.endswith("seconds") and k not in ("passes", "evaluated_tokens")}
    return data


@pytest.mark.slow
def test_overlapped_run_gives_the_sequential_results(tmp_path):
    """Real clips, a real LLM: one speaker with two clips (a speaker reference) and one clip of another
    speaker; the overlapped loop's evidence, prompts, results and references equal the sequential run's."""
    folder = tmp_path / "clips"
    folder.mkdir()
    crema = fetch_sample_set("crema-d") / "audio"
    for emotion in ("ANG", "HAP"):
        shutil.copy(crema / f"1002_DFA_{emotion}_XX.mp3", folder)
    shutil.copy(fetch_sample_set("emodb") / "audio" / "03a01Fa.wav", folder)
    config = RunConfig(label_set="crema-d", llm=FAST_LLM, evidence={"min_speaker_clips": 2},
                       extractors=[{"name": "praat-prosody"}])
    outs = {}
    for overlap in (False, True):
        pipeline = Pipeline(config)
        pipeline.overlap = overlap
        outs[overlap] = tmp_path / f"out-{overlap}"
        summary = pipeline.run(folder, outs[overlap])
        assert summary.ok == 3, summary
    seq, ovl = outs[False], outs[True]
    assert (json.loads((seq / "references.json").read_text())
            == json.loads((ovl / "references.json").read_text()))
    assert "1002" in json.loads((ovl / "references.json").read_text())["speakers"]
    for clip in sorted(p.name for p in seq.iterdir() if (p / "result.json").is_file()):
        assert (seq / clip / "evidence.json").read_text() == (ovl / clip / "evidence.json").read_text(), clip
        assert (seq / clip / "prompt.txt").read_text() == (ovl / clip / "prompt.txt").read_text(), clip
        assert _comparable(seq / clip / "result.json") == _comparable(ovl / clip / "result.json"), clip
    ids = [json.loads(line)["clip_id"] for line in (ovl / "results.jsonl").read_text().splitlines()]
    assert ids == sorted(ids)  # the listing order, not the order the clips finished in


def test_each_clips_reference_features_are_computed_once_in_either_loop(tmp_path, audio_paths, monkeypatch):
    """The CLI's loop and the flow's steps (one extractor task per clip, references from the clues on disk, then
    the reasoning step) read a clip's reference features once, for its speaker's reference and its evidence."""
    from emer.pipeline.run import clip_evidence
    from emer.pipeline.store.outputs import OutputLayout

    calls: list[str] = []
    real = clip_evidence.clip_features
    monkeypatch.setattr(clip_evidence, "clip_features", lambda cid, clues: calls.append(cid) or real(cid, clues))
    folder = tmp_path / "clips"
    folder.mkdir()
    for emotion in ("ANG", "HAP"):
        shutil.copy(audio_paths[emotion], folder)
    config = RunConfig(extractors=[{"name": "praat-prosody"}], reason=False, evidence={"min_speaker_clips": 2})
    ids = sorted(p.stem for p in folder.iterdir())
    assert Pipeline(config).run(folder, tmp_path / "cli").ok == 2
    assert sorted(calls) == ids

    calls.clear()
    steps, out = Pipeline(config), tmp_path / "flow"
    clips = [(cid, folder / f"{cid}.mp3") for cid in ids]
    for cid, path in clips:
        steps.extract_clue(path, OutputLayout(out), cid, "praat-prosody")
    assert "1002" in steps.prepare_references(clips, out).speakers
    for cid, path in clips:
        assert steps.run_clip(path, out, cid, computed=["praat-prosody"]).status == "ok"
    assert sorted(calls) == ids
    for cid in ids:
        assert (tmp_path / "cli" / cid / "evidence.json").read_text() == (out / cid / "evidence.json").read_text()


def test_an_unreadable_references_file_is_one_warning_line_and_the_clip_is_read_against_itself(tmp_path, caplog):
    """OUT/references.json is read the one way stored records are (pipeline/store/io.py read_record); one that does
    not read back (another schema, not JSON) is tolerated as before, but the warning is one line naming the file and
    the cause (pydantic's multi-line ValidationError before)."""
    import logging

    from emer.pipeline.evidence.references import SpeakerReferences
    from emer.pipeline.run.clip_evidence import ClipEvidence
    from emer.pipeline.store.models import ModelStore
    from emer.pipeline.store.outputs import OutputLayout

    layout = OutputLayout(tmp_path)
    refs = SpeakerReferences(source="none", min_speaker_clips=2, speakers={}, clip_speakers={"a": None},
                             features_key="k")
    evidence = ClipEvidence(RunConfig(), [], None, ModelStore(), threading.Lock(), 1)
    for text, cause in ((json.dumps({**refs.model_dump(mode="json"), "schema_version": "0.9"}),
                         "a speaker reference file of schema 0.9, written by another emer version"),
                        ("{", "not a readable speaker reference file: invalid JSON")):
        layout.references.write_text(text)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="emer.pipeline.run.clip_evidence"):
            assert evidence.reference_for(layout, "a") is None
        [message] = [r.getMessage() for r in caplog.records]
        assert message.startswith(f"ignoring unreadable speaker references: {layout.references}: {cause}")
        assert "\n" not in message
