"""Emotion-LLaMA's MERR layout: MERR_coarse_grained.{json,txt}, MERR_fine_grained.{json,txt} and
transcription_en_all.csv, as Emotion-LLaMA's training loader reads them.

Followed (read on GitHub):
- ZebangCheng/Emotion-LLaMA `minigpt4/datasets/datasets/first_face.py` (`FeatureFaceDataset`): the annotation txt is
  split on single spaces per line, `t[0]` the video name, `t[2]` the label, which must be one of its nine `emos`
  (`emo2idx[t[2]]`); the `reason` task reads `[name]['smp_reason_caption']` (fine JSON) or `['caption']` (coarse
  JSON); `transcription_en_all.csv` is read with pandas, column `name` matched and column `sentence` taken.
  `docs/dataset/configuration.md`: `N C E` rows (name, frame count, emotion), coarse JSON -> `caption`, fine JSON
  -> `smp_reason_caption`.
- Lum1104/MER-Factory `export.py` (`export_to_emotion_llama`), the exporter the Emotion-LLaMA docs point to: per
  video `AU_list`, `visual_prior_list` (list), `audio_prior_list` (a string), `peak_index` (a string), `peak_AU_list`,
  `pseu_emotion`, then `caption` (coarse) or `smp_reason_caption` and `text` (fine); JSON with indent 4, the txt
  lines `name frames label` joined by newlines with no newline at the end (the original loader would read a final
  empty line as a row).
- MERR's construction (Emotion-LLaMA `MERR/README.md`): AU_list from the AUs that occur most often over the frames,
  the peak frame where their summed intensity is highest, the peak frame's AUs described in words.

Our fields: AU_list = AUs active (>= the face extractor's `au_active_threshold`) in at least a quarter
(`FREQUENT_SHARE`) of the frames with a face, most frequent first; the peak frame as MERR picks it (the face
summary's peak when no AU is frequent); peak_index = that frame's index in the video (its time x the video's frame
rate); peak_AU_list = AUs active there, strongest first; visual_prior_list = their FACS names; audio_prior_list =
the prosody clue's description; pseu_emotion = the predicted label in MERR's vocabulary; the txt label = the gold
label when `--gold` has one, else the prediction; coarse caption = the clues in MERR's templated sequence
(prompts/export/formats.yaml); fine smp_reason_caption = the gold reference when given, else the checked reasoning;
text = the transcript."""

from __future__ import annotations

import json
from typing import Any

from emer.pipeline.evidence.facs import load_au_table
from emer.pipeline.export.source import ExportClip, Rendered, au_code, csv_text, export_data, video_frame
from emer.pipeline.records.vocab import canonical_label

FREQUENT_SHARE = 0.25  # AUs active in at least this share of the face frames are MERR's "most frequent" AUs


def _face_fields(clip: ExportClip) -> dict[str, Any]:
    """AU_list, peak_index, peak_AU_list and visual_prior_list from the face clue's timeline."""
    face, info = clip.face, clip.info
    frames = [f for f in face.timeline if f.faces > 0 and f.aus] if face is not None else []
    if not frames or info is None or info.video is None:
        return {"AU_list": [], "peak_index": "0", "peak_AU_list": [], "visual_prior_list": []}
    thr = clip.au_threshold
    counts: dict[str, int] = {}
    for f in frames:
        for au, value in f.aus.items():
            if value >= thr:
                counts[au] = counts.get(au, 0) + 1
    frequent = sorted((au for au, n in counts.items() if n >= FREQUENT_SHARE * len(frames)),
                      key=lambda au: (-counts[au], au))
    if frequent:
        peak = max(frames, key=lambda f: sum(f.aus.get(au, 0.0) for au in frequent))
    else:
        peak_t = face.summary.peak_time
        peak = min(frames, key=lambda f: abs(f.t - peak_t)) if peak_t is not None else frames[0]
    active = sorted((au for au, v in peak.aus.items() if v >= thr), key=lambda au: -peak.aus[au])
    names = load_au_table().names()
    return {"AU_list": [au_code(au) for au in frequent], "peak_index": str(video_frame(peak.t, info.video.fps)),
            "peak_AU_list": [au_code(au) for au in active], "visual_prior_list": [names.get(au, au) for au in active]}


def _coarse_caption(clip: ExportClip, fields: dict[str, Any], texts: dict[str, str]) -> str:
    parts = []
    if fields["visual_prior_list"]:
        parts.append(texts["face"].format(aus=", ".join(fields["visual_prior_list"])))
    if clip.face is not None and clip.face.summary.expression_top:
        parts.append(texts["expression"].format(expression=clip.face.summary.expression_top))
    if clip.prosody is not None and clip.prosody.description:
        parts.append(texts["voice"].format(prosody=clip.prosody.description.strip()))
    if clip.transcript:
        parts.append(texts["text"].format(text=clip.transcript))
    return " ".join(parts)


def render_merr(clips: list[ExportClip]) -> Rendered:
    """The five MERR files for the clips that are videos with a label in Emotion-LLaMA's vocabulary."""
    spec = export_data()["merr"]
    labels: dict[str, str] = spec["labels"]
    out = Rendered(notes=[f"labels mapped to Emotion-LLaMA's classes: {', '.join(dict.fromkeys(labels.values()))}",
                          "frames = video duration x frame rate; peak_index = video frame index of the peak"])
    coarse, fine, lines, sentences = {}, {}, [], []
    for clip in clips:
        info = clip.info
        if info is None or info.video is None:
            out.skip(clip.clip_id, "no video stream (MERR samples are videos: Emotion-LLaMA reads <name>.mp4/.avi)")
            continue
        label, from_gold = clip.label()
        target = labels.get(canonical_label(label))
        if target is None:
            out.skip(clip.clip_id, f"label {label!r} has no Emotion-LLaMA class ({', '.join(labels.values())})")
            continue
        predicted = labels.get(canonical_label(clip.prediction.label), clip.prediction.label)
        reason, reason_gold = clip.reason()
        fields = _face_fields(clip)
        base = {"AU_list": fields["AU_list"], "visual_prior_list": fields["visual_prior_list"],
                "audio_prior_list": clip.prosody.description.strip() if clip.prosody is not None else "",
                "peak_index": fields["peak_index"], "peak_AU_list": fields["peak_AU_list"], "pseu_emotion": predicted}
        coarse[clip.clip_id] = {**base, "caption": _coarse_caption(clip, fields, spec["coarse"])}
        fine[clip.clip_id] = {**base, "smp_reason_caption": reason, "text": clip.transcript}
        lines.append(f"{clip.clip_id} {round(info.video.duration_s * info.video.fps)} {target}")
        sentences.append([clip.clip_id, clip.transcript])
        out.clips.append(clip.clip_id)
        if from_gold or reason_gold:
            out.gold_used.add(clip.clip_id)
    txt = "\n".join(lines)
    out.files = {
        "MERR_coarse_grained.json": json.dumps(coarse, indent=4, ensure_ascii=False),
        "MERR_coarse_grained.txt": txt,
        "MERR_fine_grained.json": json.dumps(fine, indent=4, ensure_ascii=False),
        "MERR_fine_grained.txt": txt,
        "transcription_en_all.csv": csv_text(["name", "sentence"], sentences),
    }
    return out
