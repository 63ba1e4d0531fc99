"""`emer report`: the HTML report of real runs (the real pipeline on a CREMA-D video and an audio-only clip),
loaded in a real headless Chromium over the DevTools protocol: the page loads without console errors or failed
loads, every image decodes, and the screenshot shows the key frame and the plots as the files hold them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from browser import Browser, find_chromium  # tests/browser.py

from emer.pipeline.cli import main
from emer.pipeline.reasoning.checker import check_reasoning
from emer.pipeline.records.results import Prediction, Result
from emer.pipeline.report.explain import explanation
from emer.pipeline.report.load import load_run
from emer.pipeline.report.media import BOX_COLOUR_BGR, decode_source, prosody_curves
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.runner import Pipeline

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: apt-get install chromium (or `make system-deps` as root)")
FAST_LLM = {"model": "smollm2-135m", "max_open_vocab": 2, "max_evidence": 1}
VIDEO, AUDIO = "1001_DFA_ANG_XX", "1002_DFA_SAD_XX"
IMAGES_JS = """[...document.images].map(i => { const r = i.getBoundingClientRect();
  return {src: i.getAttribute('src'), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
          x: r.left + scrollX, y: r.top + scrollY, cw: r.width, ch: r.height}; })"""


@pytest.fixture(scope="module")
def clips(tmp_path_factory, video_paths, audio_paths) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    shutil.copy(video_paths["ANG"], folder)
    shutil.copy(audio_paths["SAD"], folder)
    return folder


@pytest.fixture(scope="module")
def quick_run(clips, tmp_path_factory) -> Path:
    """Prosody and scene only, no LLM: seconds, no model."""
    out = tmp_path_factory.mktemp("quick") / "out"
    config = RunConfig(extractors=[{"name": "praat-prosody"}, {"name": "opencv-scene"}], reason=False,
                       label_set="crema-d")
    Pipeline(config).run(clips, out)
    return out


@pytest.fixture(scope="module")
def full_run(clips, tmp_path_factory) -> Path:
    """Every extractor and the small LLM (about 30 s on 2 cores)."""
    out = tmp_path_factory.mktemp("full") / "out"
    config = RunConfig(extractors=[{"name": "mediapipe-face"},
                                   {"name": "faster-whisper", "config": {"model": "whisper-tiny.en"}},
                                   {"name": "praat-prosody"}, {"name": "opencv-scene"}],
                       label_set="crema-d", llm=FAST_LLM)
    Pipeline(config).run(clips, out)
    return out


@pytest.fixture
def browser(tmp_path):
    pytest.importorskip("websockets", reason="the DevTools client needs the websockets package")
    with Browser(CHROMIUM, tmp_path / "profile") as b:
        yield b


def _report(out: Path, *extra: str) -> Path:
    assert main(["report", str(out), "-q", *extra]) == 0
    return out / "report" / "index.html"


def _decode(data: bytes) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _shown_as(browser: Browser, image: dict, file: Path) -> float:
    """Mean absolute difference (0-255) between the image as the page shows it and the file, scaled alike."""
    import cv2

    shot = _decode(browser.screenshot(image["x"], image["y"], image["cw"], image["ch"]))
    expected = cv2.resize(cv2.imread(str(file)), (shot.shape[1], shot.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.abs(shot.astype(float) - expected.astype(float)).mean())


def _loaded(browser: Browser, index: Path) -> list[dict]:
    browser.load(index.as_uri())
    assert browser.errors() == []
    images = browser.evaluate(IMAGES_JS)
    assert images and all(i["complete"] and i["w"] > 0 and i["h"] > 0 for i in images), images
    return images


@needs_chromium
def test_report_of_a_run_without_llm_loads_whole_in_chromium(quick_run, browser):
    import cv2

    index = _report(quick_run, "--gold-from-names", "crema-d")
    images = _loaded(browser, index)
    srcs = sorted(i["src"] for i in images)
    assert srcs == sorted([f"images/{VIDEO}.keyframe.jpg", f"images/{VIDEO}.prosody.png", f"images/{VIDEO}.labels.png",
                           f"images/{AUDIO}.prosody.png", f"images/{AUDIO}.labels.png"])
    key = next(i for i in images if i["src"].endswith("keyframe.jpg"))
    file = index.parent / key["src"]
    assert _shown_as(browser, key, file) < 6
    flipped = index.parent / "images" / "flipped.png"  # the control: the same pixels upside down do not match
    cv2.imwrite(str(flipped), cv2.flip(cv2.imread(str(file)), 0))
    assert _shown_as(browser, key, flipped) > 25
    page = browser.evaluate("""({confusion: [...document.querySelectorAll('table.confusion tbody th')]
            .map(th => th.textContent),
        misses: [...document.querySelectorAll('ul.misses a')].map(a => a.getAttribute('href')),
        anchors: [...document.querySelectorAll('section.clip')].map(s => s.id),
        placeholder: document.querySelector('#clip-""" + AUDIO + """ .placeholder').textContent})""")
    assert {"anger", "sadness"} <= set(page["confusion"])  # the gold labels are rows of the confusion matrix
    assert page["anchors"] == [f"clip-{VIDEO}", f"clip-{AUDIO}"]
    assert set(page["misses"]) <= {f"#{a}" for a in page["anchors"]}
    assert page["placeholder"] == "audio only: no video stream"


def test_claims_are_marked_and_dropped_sentences_struck_through(quick_run, tmp_path):
    """A reasoning with one supported sentence kept and two dropped, checked by the real checker on the run's
    real evidence, as the self-check leaves it: the report puts the dropped sentences back, struck through."""
    out = tmp_path / "out"
    shutil.copytree(quick_run, out)
    record = next(r for r in load_run(out).clips if r.clip_id == VIDEO)
    attempt = "The pitch range is usual. The scene is dark and the person smiles broadly. The speech rate is fast."
    final = "The pitch range is usual."
    check = check_reasoning(final, record.evidence, record.clues)
    assert [c.verdict for c in check.claims] == ["supported"]
    prediction = record.result.prediction.model_copy(update={
        "reasoning": final, "check": check, "dropped_sentences": 2, "decided_by": "fused"})
    result = record.result.model_copy(update={"prediction": Prediction.model_validate(prediction.model_dump())})
    (out / VIDEO / "result.json").write_text(result.model_dump_json())
    (out / VIDEO / "response.json").write_text(json.dumps({"reasoning_attempts": [attempt],
                                                           "reasoning_finish": "stop"}))
    (out / "results.jsonl").unlink()  # the report then reads each <clip>/result.json
    record = next(r for r in load_run(out).clips if r.clip_id == VIDEO)
    assert Result.model_validate(record.result.model_dump()).prediction.reasoning == final

    shown = explanation(record)
    assert [s.dropped for s in shown.sentences] == [False, True, True]
    assert shown.counts == {"supported": 1, "contradicted": 2, "invented": 1, "dropped": 2}
    marks = [(p.verdict, p.text) for s in shown.sentences for p in s.pieces if p.verdict]
    assert marks == [("supported", "pitch range is usual"), ("contradicted", "scene is dark"),
                     ("invented", "smiles"), ("contradicted", "speech rate is fast")]
    html = _report(out).read_text()
    assert re.search(r'<span class="sentence dropped">The <mark class="contradicted" title="contradicted: You wrote '
                     r'that the image is dark[^"]*">scene is dark</mark>', html)
    assert '<mark class="supported"' in html and 'class="chip dropped">dropped 2<' in html


@needs_chromium
def test_a_moved_source_gives_a_note_not_a_broken_image(quick_run, clips, browser, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(quick_run, out)
    index = _report(out)
    assert (index.parent / "images" / f"{VIDEO}.keyframe.jpg").is_file()
    moved = tmp_path / "moved.flv"
    shutil.move(clips / f"{VIDEO}.flv", moved)
    try:
        index = _report(out)
    finally:
        shutil.move(moved, clips / f"{VIDEO}.flv")
    assert not (index.parent / "images" / f"{VIDEO}.keyframe.jpg").exists()  # the former report's, removed
    images = _loaded(browser, index)
    assert {i["src"] for i in images} == {f"images/{VIDEO}.labels.png", f"images/{AUDIO}.prosody.png",
                                          f"images/{AUDIO}.labels.png"}
    text = browser.evaluate(f"document.querySelector('#clip-{VIDEO}').innerText")
    assert f"source file not found: {clips / VIDEO}.flv" in text


def test_the_curves_are_the_ones_the_prosody_clue_summarises(quick_run):
    run = load_run(quick_run)
    record = next(r for r in run.clips if r.clip_id == VIDEO)
    clip, why = decode_source(record.result.source_path, run.decode)
    assert why is None
    curves, why = prosody_curves(clip, record.clues["prosody"])
    data = record.clues["prosody"].data
    assert why is None and curves.source.startswith("computed at report time by praat-prosody")
    assert round(float(np.median(curves.pitch_hz[np.isfinite(curves.pitch_hz)])), 1) == data.pitch_median_hz
    assert round(float(curves.loud_db.max()), 2) == data.loudness_max_db
    assert curves.loud_t[-1] == pytest.approx(data.duration_s, abs=0.02)


def test_a_folder_without_results_is_one_line_naming_it(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emer: error: ") and str(tmp_path) in err and "no results" in err


def test_an_unreadable_evidence_file_is_one_problem_naming_it_once_and_a_bad_evaluation_one_line(tmp_path, capsys):
    """The clip's evidence summary is listed among its problems with its path once (it was written twice: 'PATH:
    PATH: cannot read ...'); an unreadable evaluation.json is a one-line error naming it, not a traceback."""
    from emer.pipeline.store.outputs import OutputLayout

    layout = OutputLayout(tmp_path)
    layout.results_jsonl.write_text(Result(clip_id="a", source_path="a.mp4", status="failed",
                                           error="decode failed").model_dump_json() + "\n")
    layout.evidence("a").parent.mkdir(parents=True)
    layout.evidence("a").write_text('{"schema_version": "1.0"}')
    problems = load_run(tmp_path).clips[0].problems
    assert len(problems) == 1 and problems[0].startswith(f"{layout.evidence('a')}: an evidence summary of schema 1.0")
    assert problems[0].count(str(layout.evidence("a"))) == 1
    layout.evidence("a").write_text("{")
    assert load_run(tmp_path).clips[0].problems == [f"{layout.evidence('a')}: not a readable evidence summary: "
                                                    "invalid JSON (Expecting property name enclosed in double quotes: "
                                                    "line 1 column 2 (char 1))"]
    (tmp_path / "evaluation.json").write_text('{"run": 1}')
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"emer: error: {tmp_path / 'evaluation.json'}: not a valid evaluation report: run: ")


def test_a_clue_that_does_not_validate_is_one_problem_of_its_clip_not_a_traceback(tmp_path):
    """The report reads clues the one way (pipeline/store/io.py load_clue): a clue file whose data is not its kind's
    is listed among the clip's problems, naming the file (it raised pydantic's ValidationError through the report)."""
    from emer.pipeline.store.outputs import OutputLayout

    layout = OutputLayout(tmp_path)
    layout.results_jsonl.write_text(Result(clip_id="a", source_path="a.mp4", status="failed",
                                           error="decode failed").model_dump_json() + "\n")
    path = layout.clue("a", "praat-prosody")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"kind": "prosody", "clip_id": "a", "status": "ok", "data": {"duration_s": "long"}}))
    problems = load_run(tmp_path).clips[0].problems
    assert len(problems) == 1 and problems[0].startswith(f"{path}: not a valid prosody clue: "), problems


@pytest.mark.slow
@needs_chromium
def test_full_report_shows_key_frame_with_face_box_plots_and_marked_claims(full_run, browser, tmp_path):
    import cv2

    index = _report(full_run, "--gold-from-names", "crema-d")
    images = _loaded(browser, index)
    srcs = {i["src"] for i in images}
    assert srcs == {f"images/{VIDEO}.{part}" for part in ("keyframe.jpg", "aus.png", "prosody.png", "labels.png")} \
        | {f"images/{AUDIO}.prosody.png", f"images/{AUDIO}.labels.png"}
    by_src = {i["src"]: i for i in images}
    for src in (f"images/{VIDEO}.keyframe.jpg", f"images/{VIDEO}.aus.png", f"images/{VIDEO}.prosody.png"):
        # thin plot lines rescale with more noise than the photo: up to ~6.4 seen
        assert _shown_as(browser, by_src[src], index.parent / src) < (6 if src.endswith(".jpg") else 10), src

    # the box is drawn where the face clue put the face at the key frame's time
    record = next(r for r in load_run(full_run).clips if r.clip_id == VIDEO)
    face = record.clues["face"].data
    frame = cv2.imread(str(index.parent / f"images/{VIDEO}.keyframe.jpg"))
    h, w = frame.shape[:2]
    at = min(face.timeline, key=lambda f: abs(f.t - face.summary.peak_time))
    x, y, bw, bh = at.box
    top_edge = frame[round(y * h), round((x + 0.25 * bw) * w):round((x + 0.75 * bw) * w)].astype(float)
    assert np.abs(top_edge - np.array(BOX_COLOUR_BGR)).max(axis=1).mean() < 40
    centre = frame[round((y + bh / 2) * h), round((x + bw / 2) * w)].astype(float)
    assert np.abs(centre - np.array(BOX_COLOUR_BGR)).max() > 40  # the face itself is not painted over

    # every claim of the result's check whose words are in its sentence is marked with its verdict
    claims = record.result.prediction.check.claims
    marks = browser.evaluate(f"[...document.querySelectorAll('#clip-{VIDEO} .explanation mark')]"
                             ".map(m => [m.className, m.textContent.toLowerCase()])")
    expected = [[c.verdict, c.phrase.lower()] for c in claims if c.phrase and c.phrase.lower() in c.sentence.lower()]
    assert all(m in marks for m in expected), (marks, expected)

    # a screenshot of the clip's card: the key frame and the AU plot, as the files hold them
    card = browser.evaluate(f"(() => {{ const r = document.querySelector('#clip-{VIDEO}').getBoundingClientRect();"
                            " return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; })()")
    png = browser.screenshot(card["x"], card["y"], card["w"], card["h"])
    (tmp_path / "report-card.png").write_bytes(png)
    shot = _decode(png)
    assert shot.std() > 20 and len(np.unique(shot.reshape(-1, 3), axis=0)) > 1000
    for src in (f"images/{VIDEO}.keyframe.jpg", f"images/{VIDEO}.aus.png"):
        img = by_src[src]
        x0, y0 = round(img["x"] - card["x"]), round(img["y"] - card["y"])
        region = shot[y0:y0 + round(img["ch"]), x0:x0 + round(img["cw"])]
        expected = cv2.resize(cv2.imread(str(index.parent / src)), (region.shape[1], region.shape[0]),
                              interpolation=cv2.INTER_AREA)
        # blurred: the browser's and OpenCV's resampling of thin plot lines differ pixel by pixel, not in area
        region, expected = (cv2.GaussianBlur(a, (5, 5), 0).astype(float) for a in (region, expected))
        assert np.abs(region - expected).mean() < 8, src
