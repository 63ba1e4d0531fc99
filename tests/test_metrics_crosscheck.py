"""The label metrics agree with scikit-learn's (installed with librosa) on random runs, `<none>` column included.
emer keeps its own short implementation: scikit-learn silently drops labels missing from `labels`, raises on an
empty run, and costs ~1.4 s of import (scipy) for a few lines."""

from __future__ import annotations

import random

import pytest

from emer.pipeline.evaluation.metrics import NO_PREDICTION, classification_metrics

metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed (pip install -e '.[dev]')")


def test_label_metrics_match_scikit_learn():
    rnd = random.Random(10)
    for _ in range(200):
        labels = list("abcdef")[: rnd.randint(1, 6)]
        n = rnd.randint(1, 40)
        gold = [rnd.choice(labels) for _ in range(n)]
        pred = [rnd.choice([*labels, NO_PREDICTION]) for _ in range(n)]
        m = classification_metrics(gold, pred, labels)
        p, r, f, support = metrics.precision_recall_fscore_support(gold, pred, labels=m.labels, zero_division=0)
        present = [label for label in m.labels if label in gold]
        assert m.confusion == metrics.confusion_matrix(gold, pred, labels=m.labels).tolist()
        assert m.accuracy == round(metrics.accuracy_score(gold, pred), 4)
        assert m.macro_f1 == round(metrics.f1_score(gold, pred, labels=present, average="macro", zero_division=0), 4)
        assert m.weighted_f1 == round(metrics.f1_score(gold, pred, labels=m.labels, average="weighted",
                                                       zero_division=0), 4)
        assert [(c.precision, c.recall, c.f1, c.support) for c in m.per_class] == [
            (round(a, 4), round(b, 4), round(c, 4), int(s)) for a, b, c, s in zip(p, r, f, support, strict=True)]
