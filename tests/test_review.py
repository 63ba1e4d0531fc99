"""A review round in Label Studio: `emer export --format label-studio` loaded into a real Label Studio server (the
project created from the exported config through its API, three CREMA-D demo clips' tasks imported with the model's
output as predictions), the labeling view opened in a real headless Chromium, annotations by two people submitted
through the API (a label changed, a sentence of an explanation edited, a clip marked unusable), the project exported
as Label Studio's JSON, and `emer import label-studio`, `emer export --gold`, `emer evaluate` and `emer evaluate
--agreement` reading it back. Agreement and the export's parsing are also checked by hand on small inputs."""

from __future__ import annotations

import base64
import json
import shutil
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from browser import Browser, find_chromium  # tests/browser.py
from label_studio import EMAIL, PASSWORD, LabelStudio, find_label_studio  # tests/label_studio.py

from emer.pipeline.cli import main
from emer.pipeline.evaluation import review as review_mod
from emer.pipeline.evaluation.agreement import agreement, fleiss_kappa
from emer.pipeline.evaluation.review import ReviewAnnotation, ReviewGold, load_gold, load_review, parse_annotation
from emer.pipeline.export.label_studio import FIELDS, labeling_config
from emer.pipeline.records.errors import InputError

LABEL_STUDIO = find_label_studio()
CHROMIUM = find_chromium()
needs_label_studio = pytest.mark.skipif(
    LABEL_STUDIO is None, reason="Label Studio is not installed: make review-install (its own venv, .venv-review)")
CLIPS = ("1001_DFA_ANG_XX", "1001_DFA_HAP_XX", "1001_DFA_SAD_XX")
SECOND = "second@emer.test"
NEW_SENTENCE = "The cheeks rise and the lip corners pull up together, a smile that reaches the eyes."


# --- agreement and parsing, by hand (quick) -----------------------------------------------------------


def test_fleiss_kappa_matches_fleiss_worked_example():
    # Fleiss (1971) as Wikipedia's "Fleiss' kappa" article works it: 10 subjects, 14 raters, 5 categories
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert fleiss_kappa(table) == pytest.approx(0.2099, abs=1e-4)
    assert fleiss_kappa([[2, 0], [2, 0]]) == 1.0  # unanimous, one category
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 0], [1, 0]])


def _ann(clip: str, who: str, label: str | None, words=(), unusable=False) -> ReviewAnnotation:
    return ReviewAnnotation(clip_id=clip, annotator=who, label=label, words=list(words), unusable=unusable,
                            updated_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_agreement_of_two_annotators_by_hand():
    # a: fear / fear; b: happiness / neutral; c: unusable / unusable.
    # Cohen: p_o = 2/3, p_e = (1/3)(1/3) [fear] + (1/3)(1/3) [unusable] = 2/9 -> (2/3 - 2/9) / (7/9) = 4/7.
    # Fleiss: P = (1 + 0 + 1) / 3 = 2/3; p_j = 2/6, 1/6, 1/6, 2/6 -> Pe = 10/36 -> (2/3 - 10/36) / (26/36) = 7/13.
    anns = [_ann("a", "x", "fear", ["afraid", "tense"]), _ann("a", "y", "fear", ["fearful", "tense"]),
            _ann("b", "x", "happiness", ["happy", "amused"]), _ann("b", "y", "neutral", ["calm"]),
            _ann("c", "x", None, unusable=True), _ann("c", "y", "anger", unusable=True), _ann("d", "x", "anger")]
    review = ReviewGold(run="r", source="s", source_sha256="0", annotations=anns, gold={})
    report = agreement(review)
    assert report.annotators == ["x", "y"] and report.clips == 3 and report.fleiss_clips == 3
    assert report.pairs[0].cohen_kappa == pytest.approx(4 / 7, abs=1e-4)
    assert report.fleiss_kappa == pytest.approx(7 / 13, abs=1e-4)
    assert report.pairs[0].agreed == 2
    # words after the wheel's normalisation: afraid and fearful are both "fear" -> a: 1.0; b: 0.0
    assert report.pairs[0].word_overlap == pytest.approx(0.5)
    assert [d.clip_id for d in report.disagreements] == ["b"]
    assert report.disagreements[0].labels == {"x": "happiness", "y": "neutral"}


def test_labeling_config_names_the_fields_the_import_reads():
    root = ET.fromstring(labeling_config(["anger", "happiness"]))
    names = {el.get("name") for el in root.iter() if el.get("name")}
    assert set(FIELDS.values()) <= names
    assert {review_mod.LABEL, review_mod.LABEL_OTHER, review_mod.WORDS, review_mod.EXPLANATION, review_mod.UNUSABLE,
            review_mod.UNUSABLE_REASON} == set(FIELDS.values())
    assert [c.get("value") for c in root.iter("Choice")] == ["anger", "happiness", "unusable"]
    open_set = ET.fromstring(labeling_config([]))
    assert not [c for c in open_set.iter("Choices") if c.get("name") == "label"]  # the free word only


def test_an_annotation_reads_back_with_the_free_word_first():
    # result items as Label Studio 1.23's JSON export writes them
    ann = {"id": 7, "completed_by": 2, "was_cancelled": False, "lead_time": 12.5,
           "created_at": "2026-12-06T06:51:16.363940Z", "updated_at": "2026-12-06T06:52:00.000000Z",
           "result": [{"from_name": "label", "to_name": "video", "type": "choices", "value": {"choices": ["anger"]}},
                      {"from_name": "label_other", "to_name": "video", "type": "textarea",
                       "value": {"text": ["contempt"]}},
                      {"from_name": "words", "to_name": "video", "type": "textarea",
                       "value": {"text": ["scornful; cold", "scornful"]}},
                      {"from_name": "unusable", "to_name": "video", "type": "choices",
                       "value": {"choices": ["unusable"]}},
                      {"from_name": "unusable_reason", "to_name": "video", "type": "textarea",
                       "value": {"text": ["two people talk"]}}]}
    a = parse_annotation("clip", {"id": 3}, ann, None, {2: "b@x.org"})
    assert (a.label, a.words, a.annotator, a.unusable, a.unusable_reason) == (
        "contempt", ["scornful", "cold"], "b@x.org", True, "two people talk")
    assert a.lead_time_s == 12.5 and a.updated_at.minute == 52 and a.task_id == 3 and a.annotation_id == 7
    assert parse_annotation("clip", {}, ann, None, {}).annotator == "user 2"


def test_an_export_that_is_not_label_studio_json_is_one_line_and_exit_2(tmp_path, capsys):
    minimal = tmp_path / "project.json"
    minimal.write_text('{"tasks": []}')  # JSON-MIN / CSV exports and other files are not tasks lists
    assert main(["import", "label-studio", str(minimal), str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"emer: error: {minimal}: not a Label Studio JSON export") and "\n" not in err


def test_a_review_gold_of_another_schema_or_not_valid_is_one_line_saying_what_to_do(tmp_path, capsys):
    """A review gold file is read the one way stored records are (pipeline/store/io.py): one of another schema says
    to import the review again, a field that does not validate is named, each on one line (pydantic's multi-line
    ValidationError text was in the message before)."""
    from emer.pipeline.records.results import Result

    (tmp_path / "results.jsonl").write_text(Result(clip_id="a", source_path="a.mp4", status="failed",
                                                   error="decode failed").model_dump_json() + "\n")
    gold = ReviewGold(run=str(tmp_path), source="export.json", source_sha256="0" * 64, annotations=[], gold={})
    path = tmp_path / "review" / "gold.json"
    path.parent.mkdir()
    path.write_text(json.dumps({**gold.model_dump(mode="json"), "schema_version": "0.9"}))
    assert main(["evaluate", str(tmp_path), "--gold", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"emer: error: {path}: a review gold of schema 0.9, written by another emer version; this one "
                   "reads schema 1.0. Import the review again with `emer import label-studio EXPORT.json OUT`")
    path.write_text(json.dumps({**gold.model_dump(mode="json"), "gold": {"a": "first"}}))
    for read in (load_review, lambda p: load_gold(p, tmp_path)):
        with pytest.raises(InputError) as e:
            read(path)
        assert str(e.value).startswith(f"{path}: not a valid review gold: gold.a: ") and "\n" not in str(e.value)


# --- the round trip through a real Label Studio (slow) ---------------------------------------------------


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, video_paths):
    """Label Studio starting (its first start migrates its database) while the pipeline runs on three clips with
    the small LLM; then the review export of the run, and a project made from it through the API."""
    root = tmp_path_factory.mktemp("review")
    server = LabelStudio(LABEL_STUDIO, root / "ls-data", root / "export").start()
    try:
        clips = root / "clips"
        clips.mkdir()
        for clip in CLIPS:
            shutil.copy(video_paths[clip.split("_")[2]], clips)
        config = root / "fast.yaml"
        config.write_text("extractors: [{name: mediapipe-face}, {name: faster-whisper, config: {model: "
                          "whisper-tiny.en}}, {name: praat-prosody}]\n"
                          "llm: {model: smollm2-135m, max_open_vocab: 2, n_threads: 1}\n")
        out = root / "out"
        assert main(["run", str(clips), "-o", str(out), "--labels", "crema-d", "-q", "-c", str(config)]) == 0
        export = root / "export"
        assert main(["export", str(out), "--format", "label-studio", "-o", str(export)]) == 0
        server.wait()
        project = server.api("POST", "/api/projects", {"title": "emer review",
                                                       "label_config": (export / "config.xml").read_text()})
        server.api("POST", "/api/storages/localfiles", {"project": project["id"], "path": str(export / "media"),
                                                        "title": "emer media", "use_blob_urls": False})
        tasks = json.loads((export / "tasks.json").read_text())
        imported = server.api("POST", f"/api/projects/{project['id']}/import", tasks)
        assert imported["task_count"] == 3 and imported["prediction_count"] == 3
        by_clip = {t["data"]["clip_id"]: t for t in server.api("GET", f"/api/projects/{project['id']}/tasks")}
        yield {"server": server, "out": out, "export": export, "project": project["id"], "tasks": by_clip,
               "root": root}
    finally:
        server.stop()


@pytest.mark.slow
@needs_label_studio
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: apt-get install chromium")
def test_labeling_view_shows_video_evidence_and_prefilled_fields(round_trip, tmp_path):
    pytest.importorskip("websockets", reason="the DevTools client needs the websockets package")
    server, task = round_trip["server"], round_trip["tasks"][CLIPS[1]]
    prediction = task["predictions"][0]
    assert prediction["model_version"].startswith("emer ") and "smollm2-135m" in prediction["model_version"]
    words = next(r["value"]["text"][0] for r in prediction["result"] if r["from_name"] == "words")
    explanation = next(r["value"]["text"][0] for r in prediction["result"] if r["from_name"] == "explanation")
    with Browser(CHROMIUM, tmp_path / "profile", width=1400, height=2000) as b:
        b.load(f"{server.url}/user/login/")
        b.evaluate(f"""(() => {{ document.querySelector('input[name=email]').value = {json.dumps(EMAIL)};
            document.querySelector('input[name=password]').value = {json.dumps(PASSWORD)};
            document.querySelector('form').submit(); }})()""")
        deadline = time.monotonic() + 30
        while "/user/login" in (b.evaluate("location.href") or "/user/login") and time.monotonic() < deadline:
            time.sleep(0.5)
        b.load(f"{server.url}/projects/{round_trip['project']}/data?task={task['id']}")
        state: dict = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = b.evaluate("""(() => { const v = document.querySelector('video');
              const checked = [...document.querySelectorAll('input[type=checkbox]:checked')]
                .map(i => i.closest('label') ? i.closest('label').innerText : '');
              return {ready: v ? v.readyState : -1, width: v ? v.videoWidth : 0,
                      evidence: !!document.querySelector('.emer-evidence table'),
                      text: document.body.innerText, checked}; })()""")
            if state["ready"] >= 2 and state["evidence"] and explanation in state["text"]:
                break
            time.sleep(1)
        shot = b.send("Page.captureScreenshot", {"format": "png"})
        (tmp_path / "labeling-view.png").write_bytes(base64.b64decode(shot["data"]))
        own_errors = [e for e in b.errors() if server.url in e or "exception" in e]
    assert state["ready"] >= 2 and state["width"] > 0, "the clip did not play from Label Studio's local-file storage"
    assert state["evidence"], "the evidence view (channel readings) is missing"
    assert "face" in state["text"] and "prosody" in state["text"]
    assert explanation in state["text"] and words in state["text"], "the prediction's fields are not prefilled"
    label = task["predictions"][0]["result"][0]["value"]
    assert any(label.get("choices", ["?"])[0] in c for c in state["checked"]) or label.get("text")
    assert not own_errors, own_errors
    print(f"screenshot: {tmp_path / 'labeling-view.png'}")


def _result(label: str, words: str | None = None, explanation: str | None = None,
            unusable: str | None = None) -> list[dict]:
    items = [{"from_name": "label", "to_name": "video", "type": "choices", "value": {"choices": [label]}}]
    if words:
        items.append({"from_name": "words", "to_name": "video", "type": "textarea", "value": {"text": [words]}})
    if explanation:
        items.append({"from_name": "explanation", "to_name": "video", "type": "textarea",
                      "value": {"text": [explanation]}})
    if unusable:
        items += [{"from_name": "unusable", "to_name": "video", "type": "choices", "value": {"choices": ["unusable"]}},
                  {"from_name": "unusable_reason", "to_name": "video", "type": "textarea",
                   "value": {"text": [unusable]}}]
    return items


@pytest.mark.slow
@needs_label_studio
def test_review_round_trip_carries_the_corrections(round_trip):
    server, tasks, out, root = round_trip["server"], round_trip["tasks"], round_trip["out"], round_trip["root"]
    ang, hap, sad = (tasks[c] for c in CLIPS)
    predicted = {c: tasks[c]["data"]["model_label"] for c in CLIPS}
    new_label = next(x for x in ("fear", "neutral") if x != predicted[CLIPS[0]])
    hap_reason = next(r["value"]["text"][0] for r in hap["predictions"][0]["result"] if r["from_name"] == "explanation")
    edited = " ".join([NEW_SENTENCE, *hap_reason.split(". ")[1:]]).strip()  # the first sentence replaced
    second = server.api("POST", "/api/users/", {"email": SECOND, "username": "second"})

    def annotate(task: dict, result: list[dict], user: int | None = None) -> None:
        body = {"result": result, **({"completed_by": user} if user else {})}
        server.api("POST", f"/api/tasks/{task['id']}/annotations/", body)

    # the second annotator first, so that the first is each clip's latest as well as the chosen one
    annotate(ang, _result(new_label, words="afraid, tense"), second["id"])
    annotate(hap, _result("neutral", words="calm"), second["id"])
    annotate(sad, _result("sadness", unusable="the face is cut off"), second["id"])
    annotate(ang, _result(new_label, words="fearful, tense"))
    annotate(hap, _result("happiness", words="happy, amused", explanation=edited))
    annotate(sad, _result("sadness", unusable="the face is cut off"))

    export = root / "label-studio-export.json"
    export.write_bytes(server.api("GET", f"/api/projects/{round_trip['project']}/export?exportType=JSON", raw=True))
    users = root / "users.json"
    users.write_text(json.dumps(server.api("GET", "/api/users/")))

    assert main(["import", "label-studio", str(export), str(out), "--users", str(users), "--annotator", EMAIL]) == 0
    gold = load_review(out / "review" / "gold.json")
    assert len(gold.annotations) == 6 and set(gold.gold) == set(CLIPS)
    picked = {c: gold.annotations[i] for c, i in gold.gold.items()}
    assert all(a.annotator == EMAIL and a.created_at is not None for a in picked.values())
    assert picked[CLIPS[0]].label == new_label and picked[CLIPS[0]].label_changed
    assert picked[CLIPS[1]].explanation == edited and picked[CLIPS[1]].explanation_changed
    assert picked[CLIPS[2]].unusable and picked[CLIPS[2]].unusable_reason == "the face is cut off"
    assert {a.annotator for a in gold.annotations} == {EMAIL, SECOND}
    assert (out / CLIPS[0] / "result.json").is_file()  # the run's own files are untouched
    assert json.loads((out / CLIPS[0] / "result.json").read_text())["prediction"]["label"] == predicted[CLIPS[0]]

    # read directly, the export gives each clip's latest annotation (the first annotator's, submitted last)
    direct = load_gold(export, out)
    assert direct[CLIPS[1]].reference == edited and direct[CLIPS[2]].unusable == "the face is cut off"

    # MERR with the corrections: the changed label, the edited explanation, the unusable clip left out
    dest = root / "merr"
    assert main(["export", str(out), "--gold", str(out / "review" / "gold.json"), "--format", "merr", "-o",
                 str(dest)]) == 0
    merr_class = {"fear": "fear", "neutral": "neutral", "happiness": "happy"}
    rows = {line.split(" ")[0]: line.split(" ")[2] for line in (dest / "MERR_fine_grained.txt").read_text().split("\n")}
    assert rows == {CLIPS[0]: merr_class[new_label], CLIPS[1]: "happy"}
    fine = json.loads((dest / "MERR_fine_grained.json").read_text())
    assert fine[CLIPS[1]]["smp_reason_caption"] == edited
    manifest = json.loads((dest / "export.json").read_text())
    assert manifest["reviewed"] == {CLIPS[0]: EMAIL, CLIPS[1]: EMAIL}
    assert any(s["clip_id"] == CLIPS[2] and "unusable" in s["reason"] for s in manifest["skipped"])
    csv_dest = root / "emer-csv"
    assert main(["export", str(out), "--gold", str(out / "review" / "gold.json"), "--format", "emer-csv", "-o",
                 str(csv_dest)]) == 0
    assert NEW_SENTENCE in (csv_dest / "emer.csv").read_text()

    # scored against the review: the unusable clip left out
    assert main(["evaluate", str(out), "--gold", str(out / "review" / "gold.json"), "--no-embed"]) == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert report["classification"]["clips"] == 2

    # the second annotator: Cohen's kappa 4/7 and Fleiss' kappa 7/13 (worked in the by-hand test above)
    assert main(["evaluate", str(out), "--agreement"]) == 0
    agreed = json.loads((out / "review" / "agreement.json").read_text())
    assert agreed["pairs"][0]["cohen_kappa"] == pytest.approx(4 / 7, abs=1e-4)
    assert agreed["fleiss_kappa"] == pytest.approx(7 / 13, abs=1e-4)
    assert [d["clip_id"] for d in agreed["disagreements"]] == [CLIPS[1]]
