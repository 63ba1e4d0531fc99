"""`emer export`: each format read back the way its reader reads it (Emotion-LLaMA's MERR loader, LLaMA-Factory's
ShareGPT converter and placeholder check, MERTools' CSV readers through `emer evaluate --gold`, SubRip and WebVTT
parsing by their specs, py-feat's and OpenFace's column layouts), on a real run of two CREMA-D clips (a video and
an audio-only one) plus a file that fails; and the gold CSV layouts of EMER and OV-MERD."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from emer.pipeline.cli import main
from emer.pipeline.evaluation.gold import load_gold_csv
from emer.pipeline.evaluation.metrics import load_report
from emer.pipeline.export.mertools import openset_cell
from emer.pipeline.export.subtitles import srt_text, vtt_text

VIDEO, AUDIO = "1001_DFA_ANG_XX", "1002_DFA_SAD_XX"
MERR_CLASSES = {"neutral", "angry", "happy", "sad", "worried", "surprise", "fear", "contempt", "doubt"}
PYFEAT_AUS = {f"AU{n:02d}" for n in (1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 17, 20, 23, 24, 25, 26, 28, 43)}
OPENFACE_R = {f"AU{n:02d}_r" for n in (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45)}
OPENFACE_C = {f"AU{n:02d}_c" for n in (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45)}


# --- gold CSVs in the published layouts (quick) -------------------------------------------------------


def test_gold_in_the_emer_layout_reads_emotions_as_the_label(tmp_path):
    # the header and quoting of AffectGPT's EMER dataset-v1 gt-eng.csv
    path = tmp_path / "gt-eng.csv"
    path.write_text('names,emotions,subtitles,reasons\n'
                    'sample_00000648,angry,Don\'t talk to me about feelings anymore.,"In the video, he roared, '
                    'spoke quickly. Therefore, it is inferred that his emotional state is anger."\n'
                    'sample_00004422,happy,,"His mouth corners lifted,\nshowing his teeth."\n', encoding="utf-8")
    gold = load_gold_csv(path)
    assert gold["sample_00000648"].label == "anger" and gold["sample_00000648"].open_vocab == []
    assert gold["sample_00000648"].reference.startswith("In the video, he roared")
    assert gold["sample_00004422"].label == "happiness"
    assert gold["sample_00004422"].reference == "His mouth corners lifted,\nshowing his teeth."  # a quoted line break


def test_gold_in_the_ov_merd_layout_reads_list_literals_and_plain_lists(tmp_path):
    # rows as MERTools' check-openset.csv writes them, and a plain comma-separated list
    path = tmp_path / "openset.csv"
    path.write_text("name,openset\n"
                    "sample_00000000,\"['pleasurable', 'self-deprecating', 'relaxed']\"\n"
                    "sample_00000220,['surprised']\n"
                    "sample_00001774,\"[\"\"don't believe\"\", 'doubt']\"\n"
                    "sample_00000258,[]\n"
                    "sample_x,\"worried, sad\"\n", encoding="utf-8")
    gold = load_gold_csv(path)
    assert gold["sample_00000000"].open_vocab == ["pleasurable", "self-deprecating", "relaxed"]
    assert gold["sample_00000220"].open_vocab == ["surprised"]
    assert gold["sample_00001774"].open_vocab == ["don't believe", "doubt"]
    assert gold["sample_00000258"].open_vocab == [] and gold["sample_x"].open_vocab == ["worried", "sad"]
    assert all(g.label is None for g in gold.values())


def test_an_emotions_column_outside_the_emer_layout_stays_emotion_words(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("clip_id,label,emotions\na,sad,sad; lonely\n", encoding="utf-8")
    item = load_gold_csv(path)["a"]
    assert item.label == "sadness" and item.open_vocab == ["sad", "lonely"]


# --- how single fields are written (quick) ------------------------------------------------------------


def _mertools_words(cell: str) -> list[str]:
    """MERTools' string_to_list, as its MER2025 toolkit reads an `openset` cell: brackets off, split on quotes and
    commas."""
    if cell.startswith("["):
        cell = cell[1:]
    if cell.endswith("]"):
        cell = cell[:-1]
    return [w.strip() for w in re.split(r"['\",]", cell) if w.strip() not in ("", ",")]


def test_openset_cells_read_back_whole_by_mertools():
    cell = openset_cell(["happy", "don't believe", "a, b", "happy", "[odd]"])
    assert cell == "['happy', 'dont believe', 'a b', 'odd']"
    assert _mertools_words(cell) == ["happy", "dont believe", "a b", "odd"]
    assert openset_cell([]) == "[]" and _mertools_words("[]") == []


def test_subtitle_text_follows_srt_and_webvtt():
    cues = [(0.02, 1.44, "Don't forget a jacket"), (3661.5, 3662.0, "a < b & c")]
    assert srt_text(cues) == ("1\n00:00:00,020 --> 00:00:01,440\nDon't forget a jacket\n\n"
                              "2\n01:01:01,500 --> 01:01:02,000\na < b & c\n\n")
    vtt = vtt_text(cues, "clip: a --> note")
    assert vtt.startswith("WEBVTT\n\nNOTE clip: a -> note\n\n")
    assert "01:01:01.500 --> 01:01:02.000\na &lt; b &amp; c\n\n" in vtt


# --- the exports of a real run ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory, samples):
    """A real run (the smallest LLM) of a CREMA-D video clip, an audio-only clip and a file that is no media."""
    root = tmp_path_factory.mktemp("export-run")
    clips = root / "clips"
    clips.mkdir()
    shutil.copy(samples / "video" / f"{VIDEO}.flv", clips)
    shutil.copy(samples / "audio" / f"{AUDIO}.mp3", clips)
    (clips / "broken.mp4").write_bytes(b"\x00\x01 this is no video " * 64)
    config = root / "fast.yaml"
    config.write_text("llm: {model: smollm2-135m, n_threads: 1}\n")
    out = root / "out"
    assert main(["run", str(clips), "-o", str(out), "--labels", "crema-d", "-q", "-c", str(config)]) == 3
    return out


def _export(out: Path, fmt: str, *extra: str) -> tuple[Path, dict]:
    dest = out / "exp" / fmt / "-".join(extra).replace("/", "_").strip("-")
    assert main(["export", str(out), "--format", fmt, "-o", str(dest), *extra]) == 0
    assert not list(dest.glob(".*.tmp")), "a temp file was left behind"
    return dest, json.loads((dest / "export.json").read_text(encoding="utf-8"))


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _skipped(manifest: dict) -> dict[str, str]:
    return {s["clip_id"]: s["reason"] for s in manifest["skipped"]}


@pytest.mark.slow
def test_merr_reads_as_emotion_llamas_loader_reads_it(run, capsys):
    code = main(["export", str(run), "--format", "merr", "-o", str(run / "exp" / "merr")])
    err = capsys.readouterr().err
    assert "skipped broken: no result (failed:" in err and f"skipped {AUDIO}: no video stream" in err
    dest = run / "exp" / "merr"
    if code == 3:  # the only video was predicted disgust
        assert f"skipped {VIDEO}: label 'disgust'" in err and not dest.exists()
        return
    manifest = json.loads((dest / "export.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"MERR_coarse_grained.json", "MERR_coarse_grained.txt",
                                      "MERR_fine_grained.json", "MERR_fine_grained.txt", "transcription_en_all.csv"}
    predicted = json.loads((run / VIDEO / "result.json").read_text())["prediction"]["label"]
    expected = {"anger": "angry", "disgust": None, "fear": "fear", "happiness": "happy", "neutral": "neutral",
                "sadness": "sad"}[predicted]
    # FeatureFaceDataset: one row per line split on single spaces; t[0] the name, t[2] one of its nine classes
    for grain, caption in (("coarse", "caption"), ("fine", "smp_reason_caption")):
        text = (dest / f"MERR_{grain}_grained.txt").read_text(encoding="utf-8")
        rows = [line.strip().split(" ") for line in io.StringIO(text)]  # as iterating the open file yields lines
        assert [r[0] for r in rows] == [VIDEO] and all(len(r) == 3 for r in rows)
        name, frames, label = rows[0]
        assert label == expected  # the prediction, in Emotion-LLaMA's words
        assert 60 <= int(frames) <= 70  # 2.24 s at 29.97 fps
        entry = json.loads((dest / f"MERR_{grain}_grained.json").read_text(encoding="utf-8"))[name]
        assert isinstance(entry[caption], str) and entry[caption]
        assert all(isinstance(entry[k], list) and all(isinstance(x, str) for x in entry[k])
                   for k in ("AU_list", "visual_prior_list", "peak_AU_list"))
        assert isinstance(entry["audio_prior_list"], str) and entry["audio_prior_list"]
        assert entry["peak_index"].isdigit() and int(entry["peak_index"]) < int(frames)
        assert entry["pseu_emotion"] in MERR_CLASSES
        assert all(re.fullmatch(r"AU\d\d", au) for au in entry["AU_list"] + entry["peak_AU_list"])
        assert len(entry["visual_prior_list"]) == len(entry["peak_AU_list"])
    fine = json.loads((dest / "MERR_fine_grained.json").read_text(encoding="utf-8"))[VIDEO]
    assert fine["text"] and "text" not in json.loads((dest / "MERR_coarse_grained.json").read_text())[VIDEO]
    assert not (dest / "MERR_fine_grained.txt").read_text(encoding="utf-8").endswith("\n")  # no empty last row
    # the transcript CSV: the `sentence` of the row whose `name` is the video
    sentences = {r["name"]: r["sentence"] for r in _rows(dest / "transcription_en_all.csv")}
    assert sentences == {VIDEO: fine["text"]}


def _sharegpt_ok(sample: dict) -> None:
    """LLaMA-Factory's SharegptDatasetConverter (default tags) and mm_plugin placeholder check, on one sample."""
    messages = sample["conversations"]
    accept = (("human", "observation"), ("gpt", "function_call"))
    assert all(m["from"] in accept[i % 2] for i, m in enumerate(messages)) and len(messages) % 2 == 0
    text = "".join(m["value"] for m in messages)
    assert text.count("<video>") == len(sample["videos"]) and text.count("<audio>") == len(sample["audios"])
    assert text.count("<image>") == 0
    assert all(Path(p).is_file() for p in sample["videos"] + sample["audios"])


@pytest.mark.slow
def test_sharegpt_samples_pass_llama_factorys_checks(run, samples):
    dest, manifest = _export(run, "sharegpt", "--gold", str(samples / "labels.csv"))
    info = json.loads((dest / "dataset_info.json").read_text(encoding="utf-8"))
    (name, entry), = info.items()
    assert entry["formatting"] == "sharegpt" and entry["columns"]["messages"] == "conversations"
    data = json.loads((dest / entry["file_name"]).read_text(encoding="utf-8"))
    assert len(data) == 2 and manifest["clips"] == [VIDEO, AUDIO] and manifest["gold_used"] == 2
    for sample in data:
        _sharegpt_ok(sample)
        assert set(sample) == set(entry["columns"].values()) == {"conversations", "videos", "audios"}
    video, audio = data
    assert video["videos"] and not video["audios"] and audio["audios"] and not audio["videos"]
    assert video["conversations"][1]["value"].endswith("the emotional state is: anger.")  # the gold label
    assert audio["conversations"][1]["value"].endswith("the emotional state is: sadness.")


@pytest.mark.slow
def test_emer_and_ov_csvs_read_back_through_evaluate(run, samples, capsys):
    emer_dest, _ = _export(run, "emer-csv")
    emer_csv = emer_dest / "emer.csv"
    rows = _rows(emer_csv)
    assert list(rows[0]) == ["names", "emotions", "subtitles", "reasons"] and [r["names"] for r in rows] == [VIDEO,
                                                                                                        AUDIO]
    assert main(["evaluate", str(run), "--gold", str(emer_csv), "--no-embed"]) == 0  # predictions vs themselves
    report = load_report(run / "evaluation.json")
    assert report.classification.clips == 2 and report.classification.accuracy == 1.0
    assert report.reference is not None and report.reference.clips == 2
    # with gold, `emotions` holds the gold label: evaluating against the export equals evaluating against the gold
    gold_dest, manifest = _export(run, "emer-csv", "--gold", str(samples / "labels.csv"))
    assert manifest["gold_used"] == 2
    assert main(["evaluate", str(run), "--gold", str(gold_dest / "emer.csv"), "--no-embed"]) == 0
    via_export = load_report(run / "evaluation.json").classification
    assert main(["evaluate", str(run), "--gold", str(samples / "labels.csv"), "--no-embed"]) == 0
    assert load_report(run / "evaluation.json").classification == via_export
    ov_dest, _ = _export(run, "ov-csv")
    rows = _rows(ov_dest / "ov_merd.csv")
    assert list(rows[0]) == ["name", "openset"] and all(_mertools_words(r["openset"]) for r in rows)
    assert main(["evaluate", str(run), "--gold", str(ov_dest / "ov_merd.csv"), "--ov-level", "word",
                 "--no-embed"]) == 0
    ov = load_report(run / "evaluation.json").open_vocab
    assert ov.clips == 2 and ov.precision == ov.recall == 1.0
    capsys.readouterr()


_CUE_TIME = r"(\d\d):(\d\d):(\d\d){sep}(\d\d\d)"


def _cues(text: str, sep: str) -> list[tuple[float, float, str]]:
    """Cues of a SubRip (sep ',') or WebVTT (sep '.') file: blocks separated by blank lines; a timing line
    'start --> end'; the lines after it are the text."""
    timing = re.compile(_CUE_TIME.format(sep=re.escape(sep)) + " --> " + _CUE_TIME.format(sep=re.escape(sep)) + "$")
    cues = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if at is None:
            continue
        m = timing.match(lines[at])
        assert m, lines[at]
        g = [int(x) for x in m.groups()]
        start, end = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000, g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        assert end > start and lines[at + 1:]
        cues.append((start, end, "\n".join(lines[at + 1:])))
    return cues


@pytest.mark.slow
def test_srt_and_vtt_follow_their_specs_and_carry_the_transcript(run):
    speech = json.loads((run / VIDEO / "clues" / "faster-whisper.json").read_text())["data"]
    srt_dest, _ = _export(run, "srt")
    vtt_dest, _ = _export(run, "vtt")
    for clip in (VIDEO, AUDIO):
        srt = (srt_dest / f"{clip}.srt").read_text(encoding="utf-8")
        blocks = srt.strip("\n").split("\n\n")
        assert [b.split("\n")[0] for b in blocks] == [str(i) for i in range(1, len(blocks) + 1)]  # numbered from 1
        vtt = (vtt_dest / f"{clip}.vtt").read_text(encoding="utf-8")
        assert vtt.startswith("WEBVTT\n\n") and "NOTE " in vtt
        assert _cues(srt, ",") == _cues(vtt, ".") and _cues(srt, ",")
    cues = _cues((srt_dest / f"{VIDEO}.srt").read_text(encoding="utf-8"), ",")
    assert [c[2] for c in cues] == [s["text"].strip() for s in speech["segments"]]
    assert cues[0][0] == pytest.approx(speech["segments"][0]["start"], abs=1e-3)


@pytest.mark.slow
def test_au_tables_use_py_feat_and_openface_columns(run):
    face = json.loads((run / VIDEO / "clues" / "mediapipe-face.json").read_text())
    timeline, thr = face["data"]["timeline"], face["extractor"]["config"]["au_active_threshold"]
    dest, manifest = _export(run, "au-csv")
    assert manifest["format"] == "au-csv/py-feat" and _skipped(manifest)[AUDIO].startswith("no video stream")
    rows = _rows(dest / f"{VIDEO}.csv")
    header = list(rows[0])
    aus = [h for h in header if "AU" in h]  # py-feat's read_feat: the AU columns are those named with "AU"
    assert set(aus) <= PYFEAT_AUS and {"AU04", "AU12"} <= set(aus) and header[0] == "frame"
    assert {"anger", "happiness", "neutral", "FaceRectX", "FaceScore", "approx_time", "input"} <= set(header)
    assert len(rows) == len(timeline)
    assert all(0 <= float(r[a]) <= 1 for r in rows for a in aus if r[a])
    assert float(rows[3]["AU04"]) == pytest.approx(timeline[3]["aus"]["AU4"], abs=1e-4)
    dest, manifest = _export(run, "au-csv", "--au-columns", "openface")
    lines = (dest / f"{VIDEO}.csv").read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split(",")]  # py-feat's read_openface strips the names
    assert header[:5] == ["frame", "face_id", "timestamp", "confidence", "success"]
    r_cols, c_cols = [h for h in header if h.endswith("_r")], [h for h in header if h.endswith("_c")]
    assert set(r_cols) <= OPENFACE_R and set(c_cols) <= OPENFACE_C and "AU04_r" in r_cols and "AU28_c" in c_cols
    table = [dict(zip(header, (float(v) for v in line.split(", ")), strict=True)) for line in lines[1:]]
    assert len(table) == len(timeline) and table[0]["frame"] >= 1
    assert [t["frame"] for t in table] == sorted(t["frame"] for t in table)
    for row, frame in zip(table, timeline, strict=True):
        for col in r_cols:
            assert 0 <= row[col] <= 5 and row[col] == pytest.approx(5 * frame["aus"][f"AU{int(col[2:4])}"], abs=0.01)
        for col in c_cols:
            assert row[col] == float(frame["aus"][f"AU{int(col[2:4])}"] >= thr)


@pytest.mark.slow
def test_an_unknown_format_is_one_line_and_exit_2(run, capsys):
    assert main(["export", str(run), "--format", "xlsx"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("emer: error: unknown export format 'xlsx'; choose one of merr, sharegpt, emer-csv, ov-csv, "
                   "srt, vtt, au-csv, label-studio")
    assert not (run / "export").exists()


def test_exporting_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope"), "--format", "srt"]) == 2
    assert capsys.readouterr().err.strip() == f"emer: error: {tmp_path / 'nope'}: no such output folder"

