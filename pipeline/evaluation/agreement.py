"""Agreement between annotators of a review round (OUT/review/gold.json): Cohen's kappa for each pair of annotators
on the clips both labelled (scikit-learn), Fleiss' kappa over the clips every annotator labelled, the overlap of
their emotion words, and the clips they disagree on.

A clip marked unusable counts as the category "unusable", so disagreeing about whether a clip is usable is a
disagreement. Labels are compared as canonical classes (prompts/vocab/label_aliases.yaml); emotion words after the
emotion wheel's normalisation (word forms, synonyms), as the open-vocabulary scores read them. Fleiss' kappa
(Fleiss 1971): P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P = mean P_i, p_j = sum_i n_ij / (N n), Pe = sum_j p_j^2,
kappa = (P - Pe) / (1 - Pe); 1.0 when every clip is unanimous and only one category occurs (Pe = 1)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from itertools import combinations
from typing import Literal

import numpy as np
from pydantic import Field

from emer.pipeline import __version__
from emer.pipeline.evaluation.review import ReviewAnnotation, ReviewGold
from emer.pipeline.records.clues import Record
from emer.pipeline.records.vocab import EmotionWheel, canonical_label, default_wheel

AGREEMENT_SCHEMA_VERSION = "1.0"
UNUSABLE = "unusable"


class PairAgreement(Record):
    annotators: tuple[str, str]
    clips: int = Field(description="clips both labelled")
    agreed: int = Field(description="clips given the same label")
    cohen_kappa: float | None = Field(description="None when fewer than two clips are shared or one category only")
    word_overlap: float | None = Field(None, description="mean Jaccard overlap of their emotion words on the shared "
                                       "clips where either gave words")


class Disagreement(Record):
    clip_id: str
    labels: dict[str, str] = Field(description="annotator -> label (or 'unusable')")
    words: dict[str, list[str]] = Field(default_factory=dict)


class AgreementReport(Record):
    """OUT/review/agreement.json."""

    record: Literal["agreement"] = "agreement"
    schema_version: Literal["1.0"] = AGREEMENT_SCHEMA_VERSION
    emer_version: str = __version__
    review: str = Field(description="the review gold file read")
    annotators: list[str]
    clips: int = Field(description="clips annotated by at least two annotators")
    fleiss_kappa: float | None = Field(description="over the clips every annotator labelled; None below two "
                                       "annotators or two such clips")
    fleiss_clips: int = 0
    pairs: list[PairAgreement]
    word_overlap: float | None = Field(None, description="mean pairwise Jaccard overlap of emotion words over clips "
                                       "with two or more annotators")
    disagreements: list[Disagreement] = Field(description="clips whose annotators gave different labels")
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def category(a: ReviewAnnotation) -> str:
    """The label an annotation gives, as agreement compares it."""
    return UNUSABLE if a.unusable else canonical_label(a.label) if a.label else "<none>"


def fleiss_kappa(table: np.ndarray) -> float:
    """Fleiss' kappa of a subjects x categories table of counts, every row summing to the same n >= 2."""
    table = np.asarray(table, dtype=float)
    n = table.sum(axis=1)
    if table.shape[0] < 1 or not np.all(n == n[0]) or n[0] < 2:
        raise ValueError("every subject needs the same number (>= 2) of ratings")
    raters, subjects = n[0], table.shape[0]
    p_i = (np.sum(table ** 2, axis=1) - raters) / (raters * (raters - 1))
    p_bar = float(p_i.mean())
    p_j = table.sum(axis=0) / (subjects * raters)
    p_e = float(np.sum(p_j ** 2))
    return 1.0 if p_e == 1.0 else (p_bar - p_e) / (1 - p_e)


def jaccard(a: set[str], b: set[str]) -> float | None:
    return len(a & b) / len(a | b) if a | b else None


def agreement(review: ReviewGold, path: str = "", wheel: EmotionWheel | None = None) -> AgreementReport:
    """Agreement of the annotators of a review (each annotator's latest annotation of each clip)."""
    from sklearn.metrics import cohen_kappa_score

    wheel = wheel or default_wheel()
    latest: dict[str, dict[str, ReviewAnnotation]] = defaultdict(dict)  # clip -> annotator -> annotation
    for a in review.annotations:
        held = latest[a.clip_id].get(a.annotator)
        if held is None or (a.updated_at or a.created_at or datetime.min.replace(tzinfo=UTC)) >= (
                held.updated_at or held.created_at or datetime.min.replace(tzinfo=UTC)):
            latest[a.clip_id][a.annotator] = a
    annotators = sorted({a.annotator for a in review.annotations})
    shared = {c: by for c, by in sorted(latest.items()) if len(by) >= 2}

    def words(a: ReviewAnnotation) -> set[str]:
        return {wheel.normalise(w) for w in a.words if wheel.normalise(w)}

    pairs = []
    for x, y in combinations(annotators, 2):
        both = [(by[x], by[y]) for by in shared.values() if x in by and y in by]
        cx, cy = [category(a) for a, _ in both], [category(b) for _, b in both]
        kappa = None
        if len(both) >= 2 and len(set(cx) | set(cy)) >= 2:
            kappa = float(cohen_kappa_score(cx, cy))
        elif len(both) >= 2:
            kappa = 1.0  # one category only, and both gave it everywhere
        overlaps = [j for a, b in both if (j := jaccard(words(a), words(b))) is not None]
        same = sum(p == q for p, q in zip(cx, cy, strict=True))
        pairs.append(PairAgreement(annotators=(x, y), clips=len(both), agreed=same,
                                   cohen_kappa=None if kappa is None else round(kappa, 4),
                                   word_overlap=round(float(np.mean(overlaps)), 4) if overlaps else None))
    full = [by for by in shared.values() if len(by) == len(annotators)]
    fleiss = None
    if len(annotators) >= 2 and len(full) >= 2:
        cats = sorted({category(a) for by in full for a in by.values()})
        table = np.array([[sum(category(a) == c for a in by.values()) for c in cats] for by in full])
        fleiss = round(fleiss_kappa(table), 4)
    overlaps = [j for by in shared.values() for a, b in combinations(by.values(), 2)
                if (j := jaccard(words(a), words(b))) is not None]
    disagreements = [Disagreement(clip_id=c, labels={n: category(a) for n, a in by.items()},
                                  words={n: list(a.words) for n, a in by.items()})
                     for c, by in shared.items() if len({category(a) for a in by.values()}) > 1]
    return AgreementReport(review=path, annotators=annotators, clips=len(shared), fleiss_kappa=fleiss,
                           fleiss_clips=len(full), pairs=pairs,
                           word_overlap=round(float(np.mean(overlaps)), 4) if overlaps else None,
                           disagreements=disagreements)


def format_agreement(report: AgreementReport) -> str:
    """The agreement report as Markdown."""
    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    lines = [f"# Annotator agreement: {report.review}", "",
             f"annotators: {', '.join(report.annotators)}; clips with two or more annotators: {report.clips}", "",
             f"Fleiss' kappa (labels, {report.fleiss_clips} clips every annotator labelled): "
             f"{num(report.fleiss_kappa)}", f"emotion-word overlap (mean Jaccard): {num(report.word_overlap)}", "",
             "| annotators | clips | same label | Cohen's kappa | word overlap |", "|---|---|---|---|---|"]
    lines += [f"| {p.annotators[0]} / {p.annotators[1]} | {p.clips} | {p.agreed} | {num(p.cohen_kappa)} | "
              f"{num(p.word_overlap)} |" for p in report.pairs]
    lines += ["", f"## Disagreements ({len(report.disagreements)})", ""]
    lines += [f"- {d.clip_id}: " + "; ".join(f"{n}: {label}" for n, label in d.labels.items())
              for d in report.disagreements] or ["none"]
    return "\n".join(lines) + "\n"
