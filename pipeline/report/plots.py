"""The report's charts as PNG bytes (matplotlib's object API on the Agg canvas: no pyplot state, so the Prefect
flow's threads can draw at once): AU and expression timelines, pitch and loudness curves, label distributions."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np

from emer.pipeline.evidence.facs import load_au_table
from emer.pipeline.records.clues import FaceData, SpeechSegment
from emer.pipeline.report.media import Curves

WIDTH_IN, DPI = 6.4, 100
MOVED_AU_RANGE = 0.1  # an AU whose 5th-95th percentile spread over the face frames is at least this moved
MAX_AUS = 6
KEY_COLOUR = "#d9480f"
SPEECH_COLOUR = "#e7f5ff"
PALETTE = ("#1971c2", "#e8590c", "#2f9e44", "#c2255c", "#7048e8", "#0c8599", "#a61e4d", "#5c940d")
SERIES_COLOURS = {"decision": "#1971c2", "llm": "#adb5bd", "evidence": "#f59f00"}


def _figure(height_in: float, rows: int = 1, ratios: Sequence[float] | None = None):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    axes = fig.subplots(rows, 1, sharex=True, gridspec_kw={"height_ratios": list(ratios)} if ratios else None,
                        squeeze=False)[:, 0]
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", color="#e9ecef", linewidth=0.8)
    return fig, list(axes)


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.tight_layout(pad=0.6)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _mark_key(ax, key_t: float | None) -> None:
    if key_t is not None:
        ax.axvline(key_t, color=KEY_COLOUR, linewidth=1.2, linestyle="--")


def moved_aus(face: FaceData) -> list[str]:
    """The AUs worth a line: those whose spread over the face frames (5th to 95th percentile) is at least
    MOVED_AU_RANGE, strongest movers first, then the clue's own strongest AUs; at most MAX_AUS."""
    frames = [f.aus for f in face.timeline if f.aus]
    spread: dict[str, float] = {}
    for au in {a for aus in frames for a in aus}:
        values = np.array([aus.get(au, 0.0) for aus in frames])
        low, high = np.percentile(values, [5, 95])
        spread[au] = float(high - low)
    chosen = [au for au in sorted(spread, key=lambda a: -spread[a]) if spread[au] >= MOVED_AU_RANGE]
    chosen += [s.au for s in face.summary.top_aus if s.au not in chosen and s.au in spread]
    return chosen[:MAX_AUS]


def au_timeline(face: FaceData, key_t: float | None) -> bytes | None:
    """AU intensity over time for the AUs that moved, and the expression classifier's probabilities below;
    None when no frame has AUs."""
    aus = moved_aus(face)
    if not aus:
        return None
    names = load_au_table().names()
    expression = [f for f in face.timeline if f.expression]
    rows = 2 if expression else 1
    fig, axes = _figure(3.9 if rows == 2 else 2.4, rows, (3, 2) if rows == 2 else None)
    times = np.array([f.t for f in face.timeline])
    for i, au in enumerate(aus):
        values = np.array([f.aus.get(au, np.nan) if f.aus else np.nan for f in face.timeline])
        label = f"{au} {names.get(au, '')}".strip()
        axes[0].plot(times, values, color=PALETTE[i % len(PALETTE)], linewidth=1.6, label=label)
    axes[0].set_ylim(0, 1)
    axes[0].set_ylabel("AU intensity", fontsize=8)
    axes[0].legend(fontsize=7, ncol=2, frameon=False, loc="upper left")
    _mark_key(axes[0], key_t)
    if expression:
        classes = sorted({k for f in expression for k in f.expression or {}},
                         key=lambda k: -float(np.mean([(f.expression or {}).get(k, 0.0) for f in expression])))[:4]
        t_expr = np.array([f.t for f in expression])
        for i, name in enumerate(classes):
            axes[1].plot(t_expr, [(f.expression or {}).get(name, 0.0) for f in expression],
                         color=PALETTE[(i + 3) % len(PALETTE)], linewidth=1.4, label=name)
        axes[1].set_ylim(0, 1)
        axes[1].set_ylabel("expression", fontsize=8)
        axes[1].legend(fontsize=7, ncol=4, frameon=False, loc="upper left")
        _mark_key(axes[1], key_t)
    axes[-1].set_xlabel("seconds", fontsize=8)
    return _png(fig)


def prosody_plot(curves: Curves, segments: Sequence[SpeechSegment], key_t: float | None,
                 pitch_median: float | None, loudness_mean: float | None) -> bytes | None:
    """Pitch (voiced frames) above loudness, on one time axis, with the transcribed speech shaded and the
    clue's median pitch and mean loudness as dotted lines; None when there is no curve at all."""
    if curves.loud_t.size == 0 and curves.pitch_t.size == 0:
        return None
    fig, (pitch_ax, loud_ax) = _figure(3.4, 2, (1, 1))
    for ax in (pitch_ax, loud_ax):
        for seg in segments:
            ax.axvspan(seg.start, seg.end, color=SPEECH_COLOUR, zorder=0)
        _mark_key(ax, key_t)
    if np.isfinite(curves.pitch_hz).any():
        pitch_ax.plot(curves.pitch_t, curves.pitch_hz, color=PALETTE[0], linewidth=1.8)
        if pitch_median is not None:
            pitch_ax.axhline(pitch_median, color=PALETTE[0], linestyle=":", linewidth=1)
    else:
        pitch_ax.text(0.5, 0.5, "no voiced frame", transform=pitch_ax.transAxes, ha="center", fontsize=8)
    pitch_ax.set_ylabel("pitch (Hz)", fontsize=8)
    loud_ax.plot(curves.loud_t, curves.loud_db, color=PALETTE[1], linewidth=1.2)
    if loudness_mean is not None:
        loud_ax.axhline(loudness_mean, color=PALETTE[1], linestyle=":", linewidth=1)
    finite = curves.loud_db[np.isfinite(curves.loud_db)]
    if finite.size:
        loud_ax.set_ylim(max(float(finite.min()), float(finite.max()) - 60.0) - 2, float(finite.max()) + 3)
    loud_ax.set_ylabel("loudness (dBFS)", fontsize=8)
    loud_ax.set_xlabel("seconds", fontsize=8)
    return _png(fig)


def label_bars(series: Mapping[str, Mapping[str, float]], chosen: str | None, gold: str | None) -> bytes | None:
    """Horizontal bars of each distribution over the labels (the deciding one, the LLM's, the evidence's), the
    chosen label in bold and the gold label marked; None when there is no distribution."""
    series = {name: dist for name, dist in series.items() if dist}
    if not series:
        return None
    main = next(iter(series.values()))
    labels = sorted(main, key=lambda k: main[k])  # largest at the top
    fig, (ax,) = _figure(0.45 + 0.32 * len(labels) * max(1, len(series)) ** 0.5)
    ax.grid(axis="x", color="#e9ecef", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    height = 0.8 / len(series)
    for i, (name, dist) in enumerate(series.items()):
        ys = [j + (len(series) - 1 - 2 * i) * height / 2 for j in range(len(labels))]
        ax.barh(ys, [dist.get(k, 0.0) for k in labels], height=height * 0.92,
                color=SERIES_COLOURS.get(name, PALETTE[i % len(PALETTE)]), label=name)
    ax.set_yticks(range(len(labels)), [f"{k}  (gold)" if k == gold else k for k in labels])
    for tick, k in zip(ax.get_yticklabels(), labels, strict=True):
        tick.set_fontweight("bold" if k == chosen else "normal")
        if k == gold:
            tick.set_color("#2b8a3e")
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability", fontsize=8)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    return _png(fig)
