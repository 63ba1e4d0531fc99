"""The Prefect flow: a real server and a served deployment triggered with `prefect deployment run`, resume
after kill -9, and the same folder through prefect-dask on a local multi-process Dask cluster.

Every process started here runs in its own session and is killed (with its children) on teardown, also when
a test fails. PREFECT_HOME is a temporary folder, analytics are off, the server listens on a free loopback
port.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("prefect", reason="the flows extra is not installed (pip install -e '.[flows]')")

from emer import extractors  # noqa: E402
from emer.extractors.base import Extractor  # noqa: E402
from emer.pipeline.records.clues import ClueStatus, SceneData  # noqa: E402

BIN = Path(sys.executable).parent
# one LLM thread: Dask runs two worker processes on two cores; every run here uses the same config
FAST = {"llm": {"model": "smollm2-135m", "n_threads": 1}}
CLIPS = ("HAP", "NEU", "SAD")
BAD = "empty.mp4"  # a zero-byte file among the clips: it fails, the others go on


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a process started in its own session, and everything it started."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[Any]:
    with open(log, "ab") as f:
        return subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(check: Any, timeout: float, what: str, procs: tuple[subprocess.Popen[Any], ...] = (),
              log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"{what}: process exited with {p.returncode}\n{log.read_text() if log else ''}")
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}\n{log.read_text()[-3000:] if log and log.exists() else ''}")


def _get(url: str) -> Any:
    import httpx

    try:
        r = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None
    return r.json() if r.status_code == 200 else None


def _post(url: str, body: dict[str, Any]) -> Any:
    import httpx

    r = httpx.post(url, json=body, timeout=10)
    r.raise_for_status()
    return r.json()


@pytest.fixture(scope="module")
def folder(tmp_path_factory, video_paths) -> Path:
    d = tmp_path_factory.mktemp("clips")
    for e in CLIPS:
        shutil.copy(video_paths[e], d / video_paths[e].name)
    (d / BAD).write_bytes(b"")
    return d


@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """A real `prefect server start` (SQLite, loopback, free port); yields the environment pointing at it."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    log = home / "server.log"
    server = _start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        _wait_for(lambda: _get(f"{env['PREFECT_API_URL']}/health") is True, 90, "prefect server", (server,), log)
        yield env
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def deployment_run(prefect_env, folder, tmp_path_factory) -> dict[str, Any]:
    """`emer serve`, then `prefect deployment run emer/process-folder` on the folder, watched to the end."""
    api = prefect_env["PREFECT_API_URL"]
    work = tmp_path_factory.mktemp("served")
    out = work / "out"
    log = work / "serve.log"
    serve = _start([str(BIN / "emer"), "serve"], prefect_env, log)
    try:
        _wait_for(lambda: _get(f"{api}/deployments/name/emer/process-folder"), 90, "deployment", (serve,), log)
        cmd = [str(BIN / "prefect"), "deployment", "run", "emer/process-folder", "--param", f"folder={folder}",
               "--param", f"out={out}", "--param", "label_set=crema-d", "--param", f"overrides={json.dumps(FAST)}",
               "--param", "concurrency=2", "--watch", "--watch-timeout", "600"]
        proc = subprocess.run(cmd, env=prefect_env, capture_output=True, text=True, timeout=660)
    finally:
        _stop(serve)
    text = proc.stdout + proc.stderr
    match = re.search(r"UUID:\s*([0-9a-f-]{36})", text)
    assert match and "Flow run finished" in text, text + log.read_text()[-4000:]
    run_id = match.group(1)
    return {"api": api, "run_id": run_id, "out": out}


def _labels(out: Path) -> dict[str, tuple[str, float]]:
    summary = json.loads((out / "summary.json").read_text())
    return {c["clip_id"]: (c["label"], c["confidence"]) for c in summary["clips"]}


@pytest.mark.slow
def test_deployment_run_on_a_real_server(deployment_run, folder):
    api, run_id, out = deployment_run["api"], deployment_run["run_id"], deployment_run["out"]
    run = _get(f"{api}/flow_runs/{run_id}")
    assert run["state"]["type"] == "FAILED"  # the final state lists the failed clip with its error
    assert "1 of 4 clips failed: empty: " in run["state"]["message"] and "empty" in run["state"]["message"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ok"] == len(CLIPS) and summary["failed"] == 1
    assert summary["reused_clues"] == 0 and summary["reused_results"] == 0  # a fresh folder computes all
    for clip in folder.glob("*.flv"):
        result = json.loads((out / clip.stem / "result.json").read_text())
        assert result["status"] == "ok" and result["prediction"]["label"]
        assert len(list((out / clip.stem / "clues").glob("*.json"))) == 4
    tasks = _post(f"{api}/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})
    names = sorted(t["name"] for t in tasks)
    assert len(names) == (len(CLIPS) + 1) * 5, names  # one per clip and extractor, one reasoning per clip
    assert {n.split(" · ")[0] for n in names} == {"mediapipe-face", "faster-whisper", "praat-prosody",
                                                  "opencv-scene", "reason"}
    artifacts = _post(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    table = [a for a in artifacts if a["key"] == "emer-summary"]
    assert table and table[0]["type"] == "table"
    rows = json.loads(table[0]["data"])
    assert {r["clip"] for r in rows} == {p.stem for p in folder.iterdir()}
    assert all(r["status"] == "ok" and r["label"] for r in rows if r["clip"] != "empty")
    assert [r["error"] for r in rows if r["clip"] == "empty"][0].endswith("file is empty (0 bytes)")
    report = [a for a in artifacts if a["key"] == "emer-report"]  # the HTML report, linked
    index = out / "report" / "index.html"
    assert report and report[0]["type"] == "markdown" and index.resolve().as_uri() in report[0]["data"]
    assert all(f'id="clip-{p.stem}"' in index.read_text() for p in folder.iterdir())


@pytest.mark.slow
def test_resume_after_kill_redoes_only_unfinished_work(prefect_env, video_paths, tmp_path):
    """Without a server (Prefect's ephemeral mode): kill -9 the run part way, run again, compare."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for e in CLIPS[:2]:
        shutil.copy(video_paths[e], folder / video_paths[e].name)
    env = {k: v for k, v in prefect_env.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    out = tmp_path / "out"
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps(FAST))
    cmd = [str(BIN / "emer"), "flow-run", str(folder), "-o", str(out), "-c", str(config), "--labels", "crema-d",
           "--concurrency", "1"]
    log = tmp_path / "first.log"
    first = _start(cmd, env, log)
    try:
        _wait_for(lambda: any(out.glob("*/result.json")), 300, "a first finished clip", (first,), log)
    finally:
        with contextlib.suppress(ProcessLookupError):  # already gone: let _wait_for's error speak
            os.killpg(first.pid, signal.SIGKILL)  # kill -9 in the middle of the folder
        first.wait(timeout=10)
    finished = {p.parent.name: json.loads(p.read_text())["created_at"] for p in out.glob("*/result.json")}
    assert len(finished) == 1, "the run should have been interrupted part way"
    for p in out.rglob("*.json"):
        json.loads(p.read_text())  # nothing half-written
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stdout + second.stderr
    summary = json.loads((out / "summary.json").read_text())
    by_id = {c["clip_id"]: c for c in summary["clips"]}
    assert summary["ok"] == 2
    for clip_id, created in finished.items():
        assert by_id[clip_id]["reused_result"] and by_id[clip_id]["reused_clues"] == 4
        assert json.loads((out / clip_id / "result.json").read_text())["created_at"] == created
    assert summary["reused_results"] == len(finished)
    for p in out.rglob("*.json"):
        json.loads(p.read_text())


@pytest.mark.slow
def test_dask_runner_on_a_local_cluster_gives_the_same_results(prefect_env, folder, deployment_run, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = tmp_path / "dask.log"
    scheduler = _start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--no-dashboard"], prefect_env, log)
    workers = _start([str(BIN / "dask"), "worker", address, "--nworkers", "2", "--nthreads", "1",
                      "--no-dashboard", "--host", "127.0.0.1"], prefect_env, log)
    try:
        _wait_for(lambda: log.exists() and log.read_text().count("Registered to:") >= 2, 90, "2 dask workers",
                  (scheduler, workers), log)
        out = tmp_path / "out"
        config = tmp_path / "run.yaml"
        config.write_text(json.dumps(FAST))
        proc = subprocess.run([str(BIN / "emer"), "flow-run", str(folder), "-o", str(out), "-c", str(config),
                               "--labels", "crema-d", "--dask-address", address, "--concurrency", "3"],
                              env=prefect_env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 3, proc.stdout + proc.stderr + log.read_text()[-4000:]  # 3: a clip failed
        from distributed import Client

        with Client(address, timeout=30) as client:  # each worker process built its own pipeline (and models)
            per_worker = client.run(lambda: __import__("emer.flows.workers").flows.workers.loaded_pipelines())
        assert len(per_worker) == 2 and all(n >= 1 for n in per_worker.values()), per_worker
    finally:
        _stop(workers)
        _stop(scheduler)
    assert _labels(out) == _labels(deployment_run["out"])
    assert json.loads((out / "summary.json").read_text())["reused_clues"] == 0  # computed on the workers


def test_a_bad_clip_is_not_retried_but_other_errors_are():
    from prefect.states import Failed

    from emer.flows.emer_flow import is_transient
    from emer.pipeline.records.errors import InputError

    assert not is_transient(None, None, Failed(data=InputError("x.mp4: file is empty")))  # type: ignore[arg-type]
    assert is_transient(None, None, Failed(data=OSError("disk full")))  # type: ignore[arg-type]


def test_flow_parameters_resolve_to_one_checked_config(tmp_path):
    from emer.flows.emer_flow import resolve_config
    from emer.pipeline.records.errors import ConfigError

    config = resolve_config(extractors="mediapipe-face, opencv-scene", model="smollm2-135m", label_set="crema-d",
                            overrides={"llm": {"max_explanation_tokens": 64}})
    assert [c.name for c in config.extractors] == ["mediapipe-face", "opencv-scene"]
    assert config.llm.model == "smollm2-135m" and config.llm.max_explanation_tokens == 64
    with pytest.raises(ConfigError, match="opencv-scene"):
        resolve_config(extractors=["no-such-extractor"])


class _CountingScene(Extractor):
    """A small fake registered like a real extractor, for the per-extractor entry points of the core."""

    name, version, kind = "flows-counting-scene", "0.1.0", "scene"
    calls = 0

    def extract(self, clip):
        type(self).calls += 1
        data = SceneData(brightness=0.5, contrast=0.1, colourfulness=10.0, warmth=0.0, motion_energy=0.0,
                         faces=1, face_height_ratio=0.3, shot_scale="medium close-up", description="test scene")
        return self.make_clue(clip, ClueStatus.ok, data, timings={"total": 0.0})


def test_one_extractor_per_task_then_reasoning_over_clues_on_disk(tmp_path, video_paths):
    from emer.flows.workers import pipeline_for
    from emer.pipeline.run.config import RunConfig
    from emer.pipeline.store.outputs import OutputLayout

    extractors.register(_CountingScene)
    config = RunConfig(extractors=[{"name": "flows-counting-scene"}], reason=False)
    pipeline = pipeline_for(config)
    assert pipeline_for(config.model_copy(deep=True)) is pipeline  # one pipeline (and its models) per process
    layout, path = OutputLayout(tmp_path), video_paths["NEU"]
    _CountingScene.calls = 0
    clue, reused = pipeline.extract_clue(path, layout, "neu", "flows-counting-scene")
    assert not reused and clue.cache_key and _CountingScene.calls == 1
    assert pipeline.extract_clue(path, layout, "neu", "flows-counting-scene")[1]  # second time: from disk
    result = pipeline.run_clip(path, tmp_path, "neu", computed=["flows-counting-scene"])
    assert _CountingScene.calls == 1 and result.status == "ok"
    assert [c.reused for c in result.clues] == [False]  # written by this run's extractor task, not an earlier one
    assert pipeline.run_clip(path, tmp_path, "neu").clues[0].reused


@pytest.mark.slow
def test_the_flow_gives_the_command_lines_results_and_logs_the_cores_warnings(prefect_env, tmp_path):
    """One run loop: the flow's tasks and `emer run` write the same references, evidence, prompts and results.
    With PREFECT_LOGGING_EXTRA_LOGGERS as prefect.yaml sets it, a warning of the core (an unreadable cached clue,
    logged by emer.pipeline.store.cached) is in the flow run's log on the server."""
    import yaml
    from test_runloop import _comparable

    from emer.pipeline.inputs.datasets import fetch_sample_set
    from emer.pipeline.run.config import RunConfig
    from emer.pipeline.run.runner import Pipeline

    folder = tmp_path / "clips"
    folder.mkdir()
    crema = fetch_sample_set("crema-d") / "audio"
    for emotion in ("ANG", "HAP"):  # one speaker with two clips: a speaker reference
        shutil.copy(crema / f"1002_DFA_{emotion}_XX.mp3", folder)
    shutil.copy(fetch_sample_set("emodb") / "audio" / "03a01Fa.wav", folder)
    settings = {"label_set": "crema-d", "llm": FAST["llm"], "evidence": {"min_speaker_clips": 2},
                "extractors": [{"name": "praat-prosody"}]}
    cli = tmp_path / "cli"
    assert Pipeline(RunConfig.model_validate(settings)).run(folder, cli).ok == 3

    flow = tmp_path / "flow"
    (flow / "03a01Fa" / "clues").mkdir(parents=True)
    (flow / "03a01Fa" / "clues" / "praat-prosody.json").write_text("{not json")
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps(settings))
    root = Path(__file__).resolve().parents[1]
    deployment = yaml.safe_load((root / "prefect.yaml").read_text())["deployments"][0]
    env = {**prefect_env, "PREFECT_LOGGING_EXTRA_LOGGERS":
           deployment["work_pool"]["job_variables"]["env"]["PREFECT_LOGGING_EXTRA_LOGGERS"]}
    proc = subprocess.run([str(BIN / "emer"), "flow-run", str(folder), "-o", str(flow), "-c", str(config)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    assert json.loads((cli / "references.json").read_text()) == json.loads((flow / "references.json").read_text())
    for clip in ("1002_DFA_ANG_XX", "1002_DFA_HAP_XX", "03a01Fa"):
        for name in ("evidence.json", "prompt.txt"):
            assert (cli / clip / name).read_text() == (flow / clip / name).read_text(), (clip, name)
        assert _comparable(cli / clip / "result.json") == _comparable(flow / clip / "result.json"), clip
    logs = _post(f"{prefect_env['PREFECT_API_URL']}/logs/filter", {"logs": {"level": {"ge_": 30}}, "limit": 200})
    core = [log for log in logs if "ignoring unreadable cached clue" in log["message"]]
    assert core and core[0]["name"] == "emer.pipeline.store.cached" and core[0]["task_run_id"], logs
