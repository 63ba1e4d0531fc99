"""The summary every face clue carries, computed the same way whatever estimated the AUs: per-AU mean and peak,
the peak frame of overall facial activity, EMFACS prototype matches there, and the mean expression
probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emer.pipeline.evidence.facs import load_au_table, load_prototypes, match_prototypes
from emer.pipeline.records.clues import AUSummary, FaceFrame, FaceSummary


def summarize_face(frames: Sequence[FaceFrame], aus: Sequence[str], expression_labels: Sequence[str],
                   top_aus: int, active_threshold: float) -> FaceSummary:
    """Summary of the frames with a face (each frame holds an estimate of every AU in `aus`). The peak frame is
    the one with the most summed activity (prompts/facs/action_units.yaml: blinks do not count); AUs are listed
    by peak intensity, the first `top_aus`; prototypes are matched at the peak frame against `active_threshold`;
    the expression mean is renormalised over `expression_labels`."""
    table = load_au_table()
    active_aus = list(table.activity_names())
    peak = max(frames, key=lambda f: sum(f.aus.get(a, 0.0) for a in active_aus))
    per_au = []
    for au in aus:
        values = [f.aus[au] for f in frames]
        i = int(np.argmax(values))
        per_au.append(AUSummary(au=au, name=table.action_units[au].name, mean=round(float(np.mean(values)), 3),
                                peak=values[i], peak_time=frames[i].t))
    per_au.sort(key=lambda s: -s.peak)
    expression_mean = expression_top = None
    exprs = [f.expression for f in frames if f.expression]
    if exprs:
        mean = {k: float(np.mean([e[k] for e in exprs])) for k in expression_labels}
        total = sum(mean.values()) or 1.0
        expression_mean = {k: round(v / total, 4) for k, v in mean.items()}
        expression_top = max(expression_mean, key=lambda k: expression_mean[k])
    return FaceSummary(
        peak_time=peak.t, top_aus=per_au[:top_aus],
        prototypes=match_prototypes(peak.aus, load_prototypes(), active_threshold, peak.asymmetry),
        expression_mean=expression_mean, expression_top=expression_top,
    )
