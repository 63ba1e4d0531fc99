"""Bad inputs and bad output folders: a corpus of broken, colliding and unlistable files run through `emer
run`; two runs into one folder; file modes; a folder that cannot be used; a disk that fills up mid-run."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emer.pipeline.cli import main
from emer.pipeline.records.errors import OutputError
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.store.io import write_text_atomic
from emer.pipeline.store.lock import LOCK_NAME, RunLock

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ["--no-reason", "-q", "--extractors", "opencv-scene,praat-prosody"]  # no LLM, light extractors
SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def emer(capsys: pytest.CaptureFixture[str], *args: str | Path, umask: int = 0o022) -> tuple[int, str]:
    """Run `emer ARGS` in this process under `umask`: (exit code, stderr)."""
    old = os.umask(umask)
    try:
        code = main([str(a) for a in args])
    finally:
        os.umask(old)
    return code, capsys.readouterr().err


def one_error_line(err: str) -> str:
    """The run's single error line (no traceback, no second error)."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("emer: error: ")]
    assert len(lines) == 1, err
    return lines[0]


def snapshot(root: Path, *, outside: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` except under `outside`, with its size and mtime (links not followed)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) != outside]
        for name in dirnames + filenames:
            st = Path(dirpath, name).lstat()
            found[str(Path(dirpath, name).relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return found


def summary_of(out: Path) -> RunSummary:
    return RunSummary.model_validate_json((out / "summary.json").read_text())


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str, str], Path]]:
    """mount("name", "size=64k") -> a fresh tmpfs under tmp_path, unmounted afterwards; skips the test where
    mounting is not permitted (it needs root or CAP_SYS_ADMIN)."""
    mounted: list[Path] = []

    def mount(name: str, options: str) -> Path:
        where = tmp_path / name
        where.mkdir()
        try:
            proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                                  capture_output=True, text=True)
        except FileNotFoundError:
            pytest.skip("no mount command here, so no small tmpfs to fill")
        if proc.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here (needs root): {proc.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", str(where)], check=False)


def make_corpus(folder: Path, video: Path) -> dict[str, Path]:
    """Broken, colliding and unlistable entries made from real CREMA-D clips (`video`: their folder)."""
    folder.mkdir(parents=True)
    clip = {e: (video / f"1001_DFA_{e}_XX.flv") for e in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")}
    files = {
        "empty": folder / "empty.mp4", "text": folder / "notes.mp4", "truncated": folder / "truncated.flv",
        "zeroed": folder / "zeroed.flv", "space": folder / "a b.flv", "underscore": folder / "a_b.flv",
        "plus": folder / "a+b.flv", "dots": folder / "...flv", "crema": folder / "1001_DFA_NEU_XX.flv",
        "sub": folder / "sub", "in_sub": folder / "sub" / "1001_DFA_DIS_XX.flv", "loop": folder / "loop.mp4",
        "up": folder / "sub" / "up",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("These are notes, not a video.\n")
    data = clip["DIS"].read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 3])
    data = clip["HAP"].read_bytes()
    files["zeroed"].write_bytes(bytes(4096) + data[4096:])
    shutil.copy(clip["ANG"], files["space"])
    shutil.copy(clip["HAP"], files["underscore"])
    shutil.copy(clip["SAD"], files["plus"])
    shutil.copy(clip["FEA"], files["dots"])
    shutil.copy(clip["NEU"], files["crema"])
    files["sub"].mkdir()
    shutil.copy(clip["DIS"], files["in_sub"])
    files["loop"].symlink_to("loop.mp4")
    files["up"].symlink_to("..", target_is_directory=True)
    return files


# --- the corpus ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bad_input_corpus_completes_with_safe_unique_ids_and_each_problem_named(tmp_path, samples, capsys):
    files = make_corpus(tmp_path / "in", samples / "video")
    out = tmp_path / "out"
    before = snapshot(tmp_path, outside=out)

    code, err = emer(capsys, "run", tmp_path / "in", "-o", out, *LIGHT)
    assert code == 3, err
    assert snapshot(tmp_path, outside=out) == before, "something was written outside OUT"
    assert f"skipped {files['dots']}: hidden" in err
    assert f"skipped {files['loop']}: symlink loop" in err
    assert f"skipped {files['sub']}: a folder (use --recursive)" in err
    assert "Traceback" not in err

    summary = summary_of(out)
    by_source = {Path(c.source_path).name: c for c in summary.clips}
    assert set(by_source) == {"empty.mp4", "notes.mp4", "truncated.flv", "zeroed.flv", "a b.flv", "a_b.flv",
                              "a+b.flv", "1001_DFA_NEU_XX.flv"}
    ids = [c.clip_id for c in summary.clips]
    assert len(set(ids)) == len(ids) == len({i.casefold() for i in ids}) == 8
    assert all(SAFE_ID.fullmatch(i) for i in ids), ids
    # The readable stem stays the id where it is safe and unique (gold labels and speakers parse from it).
    assert by_source["1001_DFA_NEU_XX.flv"].clip_id == "1001_DFA_NEU_XX"
    assert by_source["a_b.flv"].clip_id == "a_b"
    assert re.fullmatch(r"a_b-[0-9a-f]{6}", by_source["a b.flv"].clip_id)
    assert re.fullmatch(r"a_b-[0-9a-f]{6}", by_source["a+b.flv"].clip_id)
    index = json.loads((out / "clips.json").read_text())["clips"]
    assert index == {c.clip_id: str(Path(c.source_path).resolve()) for c in summary.clips}
    for c in summary.clips:  # each clip's outputs are its own: the result in its folder names its source
        assert Result.model_validate_json((out / c.clip_id / "result.json").read_text()).source_path == c.source_path

    assert [c.status for c in summary.clips].count("ok") == 5
    for key, cause in (("empty", "empty"), ("text", ""), ("zeroed", "")):
        row = by_source[files[key].name]
        assert row.status == "failed" and str(files[key]) in row.error, row
        assert len(row.error.split(str(files[key]), 1)[1].strip(" :")) > 5, f"no cause in {row.error!r}"
        assert cause in row.error.lower()
    truncated = json.loads((out / by_source["truncated.flv"].clip_id / "clip.json").read_text())
    assert any("truncated" in w for w in truncated["warnings"])
    modes = {p.relative_to(out): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*") if p.is_file()}
    assert set(modes.values()) == {0o644}, modes  # umask 022, as a plain open() would give
    assert not (out / LOCK_NAME).exists() and not list(out.rglob("*.tmp"))

    # A rerun finds the same ids and reuses every clue; clips.json is unchanged.
    code, err = emer(capsys, "run", tmp_path / "in", "-o", out, *LIGHT)
    assert code == 3, err
    again = summary_of(out)
    assert [c.clip_id for c in again.clips] == ids
    assert again.reused_clues == 2 * 5
    assert json.loads((out / "clips.json").read_text())["clips"] == index

    # Another folder whose file would take an id OUT holds for another source: refused, nothing replaced.
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(samples / "video" / "1001_DFA_SAD_XX.flv", other / "a_b.flv")
    held = (out / "a_b" / "result.json").read_bytes()
    code, err = emer(capsys, "run", other, "-o", out, *LIGHT)
    line = one_error_line(err)
    assert code == 2 and f"{out / 'a_b'}: holds the outputs of {files['underscore'].resolve()}" in line, line
    assert (out / "a_b" / "result.json").read_bytes() == held

    # --recursive: the subfolder's clip keeps its dataset id; the link back up is reported as a loop.
    out_r = tmp_path / "out-recursive"
    code, err = emer(capsys, "run", tmp_path / "in", "-o", out_r, "--recursive", *LIGHT)
    assert code == 3, err
    assert f"skipped {files['up']}: symlink loop (leads back to {(tmp_path / 'in').resolve()})" in err
    recursive = {Path(c.source_path).relative_to(tmp_path / "in").as_posix(): c.clip_id
                 for c in summary_of(out_r).clips}
    assert recursive["sub/1001_DFA_DIS_XX.flv"] == "1001_DFA_DIS_XX" and len(set(recursive.values())) == 9

    # `...flv` named on its own: a safe id, and its outputs inside OUT.
    out_d = tmp_path / "out-dots"
    before = snapshot(tmp_path, outside=out_d)
    code, err = emer(capsys, "run", files["dots"], "-o", out_d, *LIGHT)
    assert code == 0, err
    (row,) = summary_of(out_d).clips
    assert re.fullmatch(r"clip-[0-9a-f]{6}", row.clip_id) and (out_d / row.clip_id / "result.json").is_file()
    assert snapshot(tmp_path, outside=out_d) == before


# --- two runs into one folder -------------------------------------------------------------------------


def _good_folder(tmp_path: Path, samples: Path, name: str = "good") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(samples / "video" / "1001_DFA_NEU_XX.flv", folder)
    return folder


def test_a_run_is_refused_while_another_process_holds_the_lock_and_takes_a_stale_one_over(
        tmp_path, samples, capsys, caplog):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from emer.pipeline.store.lock import RunLock; "
         "RunLock(sys.argv[1]).acquire(); print('held', flush=True); sys.stdin.read()", str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, err = emer(capsys, "run", _good_folder(tmp_path, samples), "-o", out, "--no-reason", "-q",
                         "--extractors", "opencv-scene")
        line = one_error_line(err)
        assert code == 2 and f"another emer run is writing here (pid {holder.pid} on {socket.gethostname()}" in line
        assert not (out / "clips.json").exists(), "the refused run wrote into OUT"
    finally:
        holder.kill()  # SIGKILL: the lock file stays behind, stale
        holder.wait()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == holder.pid
    code, err = emer(capsys, "run", tmp_path / "good", "-o", out, "--no-reason", "-q", "--extractors", "opencv-scene")
    assert code == 0, err
    assert f"taking over a stale lock of pid {holder.pid}" in caplog.text
    assert not (out / LOCK_NAME).exists()


def test_the_lock_refuses_a_second_holder_in_the_same_process_and_names_another_host(tmp_path):
    with RunLock(tmp_path), pytest.raises(OutputError, match=f"pid {os.getpid()}"):
        RunLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_NAME).exists()
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere.example"}))
    with pytest.raises(OutputError, match="pid 1 on elsewhere.example.*remove"):
        RunLock(tmp_path).acquire()  # its pid cannot be checked from here: never taken over


@pytest.mark.slow
def test_two_emer_runs_into_one_folder_the_second_is_refused(tmp_path, samples, capsys):
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "emer.pipeline.cli", "run", str(samples / "video"), "-o", str(out),
                              *LIGHT], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if (out / LOCK_NAME).exists() or first.poll() is not None:
                break
            __import__("time").sleep(0.05)
        assert (out / LOCK_NAME).exists(), "the first run never took the lock"
        code, err = emer(capsys, "run", _good_folder(tmp_path, samples), "-o", out, *LIGHT)
        assert code == 2 and f"(pid {first.pid} on" in one_error_line(err)
    finally:
        stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    summary = summary_of(out)
    assert summary.ok == 6 and {Path(c.source_path).parent for c in summary.clips} == {samples / "video"}
    assert not (out / LOCK_NAME).exists()


# --- file modes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077, 0o002])
def test_atomic_writes_get_the_mode_a_plain_open_gives(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "atomic.json", "{}\n")
        write_text_atomic(tmp_path / "atomic.json", "{}\n")  # replacing keeps the mode too
        with open(tmp_path / "plain.json", "w") as f:
            f.write("{}\n")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "atomic.json").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.json").stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic.json", "plain.json"]


# --- output folders and configs that cannot be used: one line, exit 2, before any clip ----------------


def test_unusable_output_config_or_input_fails_in_one_line_before_any_clip(tmp_path, samples, capsys):
    good = _good_folder(tmp_path, samples)
    a_file = tmp_path / "a-file"
    a_file.write_text("in the way\n")
    listed = tmp_path / "list.yaml"
    listed.write_text("- extractors\n- opencv-scene\n")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("opencv-scene\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    nested = tmp_path / "nested"
    (nested / "Actor_01").mkdir(parents=True)
    (nested / "readme.txt").write_text("clips are in the actor folders\n")
    cases = [
        (["run", good, "-o", a_file], f"emer: error: {a_file}: output folder is a file"),
        (["run", good, "-o", a_file / "out"], f"emer: error: {a_file / 'out'}: cannot create the output folder: "
                                               f"{a_file} is a file"),
        (["run", good, "-o", tmp_path / "o1", "-c", listed], f"emer: error: {listed}: a run config is a mapping "
                                                             "of settings (key: value lines), not a list"),
        (["run", good, "-o", tmp_path / "o2", "-c", scalar], f"emer: error: {scalar}: a run config is a mapping"),
        (["run", good, "-o", tmp_path / "o3", "-c", tmp_path / "none.yaml"],
         f"emer: error: {tmp_path / 'none.yaml'}: cannot read the config file (no such file or directory)"),
        (["run", tmp_path / "no-such-folder", "-o", tmp_path / "o4"],
         f"emer: error: {tmp_path / 'no-such-folder'}: no such file or folder"),
        (["run", empty, "-o", tmp_path / "o5"], f"emer: error: {empty}: no media files in this folder"),
        (["run", nested, "-o", tmp_path / "o6"], f"emer: error: {nested}: no media files in this folder (skipped "
                                                 f"{nested / 'Actor_01'}: a folder (use --recursive); "
                                                 f"{nested / 'readme.txt'}: not a media file extension (.txt))"),
    ]
    for args, expected in cases:
        code, err = emer(capsys, *args, "--no-reason", "-q", "--extractors", "opencv-scene")
        assert code == 2 and one_error_line(err).startswith(expected), (args, err)
        assert err.strip() == one_error_line(err), err  # nothing else: no skipped lines, no progress
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 7)), "an output folder was made for a bad run"


def test_an_output_folder_error_prints_alone_without_a_progress_bar(tmp_path, samples, capsys):
    good = _good_folder(tmp_path, samples)
    a_file = tmp_path / "a-file"
    a_file.write_text("in the way\n")
    code, err = emer(capsys, "run", good, "-o", a_file, "--no-reason", "--extractors", "opencv-scene")
    assert code == 2 and err == f"emer: error: {a_file}: output folder is a file\n", err  # no bar: it is drawn
    # at the first clip, after the output folder was claimed


def test_an_output_folder_that_cannot_be_written_fails_in_one_line(tmp_path, samples, capsys, tmpfs):
    """A read-only file system stops root too (a chmod would not)."""
    good = _good_folder(tmp_path, samples)
    read_only = tmpfs("read-only", "ro,size=64k")
    for out, expected in ((read_only, f"{read_only}: output folder not writable (read-only file system)"),
                          (read_only / "out", f"{read_only / 'out'}: cannot create the output folder "
                                              "(read-only file system)")):
        code, err = emer(capsys, "run", good, "-o", out, "--no-reason", "-q", "--extractors", "opencv-scene")
        assert code == 2 and err.strip() == one_error_line(err) == f"emer: error: {expected}", err


# --- a full disk -------------------------------------------------------------------------------------------


def test_a_write_to_a_full_disk_names_the_file_and_leaves_the_old_one(tmpfs):
    disk = tmpfs("tiny", "size=16k")
    target = disk / "clue.json"
    write_text_atomic(target, "old\n")
    with pytest.raises(OutputError, match=re.escape(f"{target}: cannot write (no space left on device)")):
        write_text_atomic(target, "x" * 64_000)
    assert target.read_text() == "old\n"
    assert [p.name for p in disk.iterdir()] == ["clue.json"], "a temp file was left behind"


@pytest.mark.slow
def test_a_disk_that_fills_mid_run_stops_cleanly_and_a_rerun_resumes(tmp_path, samples, capsys, tmpfs):
    videos = samples / "video"
    code, err = emer(capsys, "run", videos, "-o", tmp_path / "measure", *LIGHT)
    assert code == 0, err
    need = sum(-(-p.stat().st_size // 4096) * 4096 for p in (tmp_path / "measure").rglob("*") if p.is_file())
    disk = tmpfs("small", f"size={need // 2 // 4096 * 4096}")  # half of what the run writes (in pages)
    out = disk / "out"

    code, err = emer(capsys, "run", videos, "-o", out, *LIGHT)
    line = one_error_line(err)
    assert code == 3, err
    assert re.search(rf"emer: error: {re.escape(str(out))}/\S+: cannot write \(no space left on device\); "
                     r"the run stopped with \d of 6 clips done", line), line
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp")), "a temp file was left behind"
    assert not (out / LOCK_NAME).exists()
    written = [p for p in out.rglob("*.json") if p.is_file()]
    assert written, "nothing was written before the disk filled"
    for p in written:  # everything written is whole
        json.loads(p.read_text())
    clues_before = {p: p.read_bytes() for p in out.rglob("clues/*.json")}

    subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)
    code, err = emer(capsys, "run", videos, "-o", out, *LIGHT)
    assert code == 0, err
    summary = summary_of(out)
    assert summary.ok == 6 and summary.reused_clues == len(clues_before) > 0
    assert all(p.read_bytes() == data for p, data in clues_before.items())
    assert [c.clip_id for c in summary.clips] == [c.clip_id for c in summary_of(tmp_path / "measure").clips]


def test_the_table_after_a_run_names_a_bad_results_line_in_one_error(tmp_path, capsys):
    """The table printed after a run reads the reasons from results.jsonl the one way (read_record_lines): a line
    that does not read back is one InputError naming the file and the line (a pydantic traceback before)."""
    from datetime import UTC, datetime

    from emer.pipeline.records.errors import InputError
    from emer.pipeline.records.results import Prediction
    from emer.pipeline.run.config import RunConfig
    from emer.pipeline.run.progress import print_table
    from emer.pipeline.run.runinfo import run_summary

    ok = Result(clip_id="a", source_path="a.mp4", status="ok", prediction=Prediction(
        reasoning="The voice is loud and sharp. More.", reasoning_truncated=False, label="anger", confidence=0.6,
        open_vocab=["angry"], evidence=[]))
    summary = run_summary(RunConfig(), tmp_path, tmp_path, [ok], datetime.now(UTC), 1.0)
    (tmp_path / "results.jsonl").write_text(ok.model_dump_json() + "\n")
    print_table(summary, tmp_path)
    assert "The voice is loud and sharp." in capsys.readouterr().out
    (tmp_path / "results.jsonl").write_text(ok.model_dump_json() + "\n" + ok.model_dump_json()[:40] + "\n")
    with pytest.raises(InputError, match=r"results\.jsonl line 2: not a readable result: invalid JSON"):
        print_table(summary, tmp_path)
