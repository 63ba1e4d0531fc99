"""LLaMA-Factory's ShareGPT layout for supervised fine-tuning: one JSON file of samples and the
`dataset_info.json` entry that registers it.

Followed (read on GitHub): hiyouga/LLaMA-Factory `data/README.md` ("Sharegpt Format": a `conversations` list of
`{"from", "value"}` messages, human at odd and gpt at even positions; the `dataset_info.json` entry with
`"formatting": "sharegpt"` and `"columns": {"messages": "conversations", ...}`; default tags from/value and
human/gpt), `src/llamafactory/data/converter.py` (`SharegptDatasetConverter`: a sample whose roles do not alternate
or whose message count is odd is dropped as broken; `_find_medias` takes a list of paths, an empty list as none) and
`src/llamafactory/data/mm_plugin.py` (`_validate_input`: the number of `<video>` / `<audio>` placeholders in the
messages must equal the number of files in the sample's `videos` / `audios` list). A clip with a video stream is a
`<video>` sample (its audio rides in the video: LLaMA-Factory's `use_audio_in_video`); an audio-only clip an
`<audio>` sample. Paths are the source files' absolute paths, so `media_dir` need not be set."""

from __future__ import annotations

import json

from emer.pipeline.export.source import ExportClip, Rendered, export_data


def render_sharegpt(clips: list[ExportClip]) -> Rendered:
    """The samples file and dataset_info.json for every clip whose source has video or audio."""
    spec = export_data()["sharegpt"]
    out = Rendered(notes=["user turn: media placeholder, what is said, the instruction; assistant turn: the "
                          "explanation (gold reference with --gold) and the label (gold label with --gold)"])
    samples = []
    for clip in clips:
        info = clip.info
        if info is None or (info.video is None and info.audio is None):
            out.skip(clip.clip_id, "no clip record with a video or audio stream to point the sample at")
            continue
        kind = "videos" if info.video is not None else "audios"
        medium = "video" if kind == "videos" else "audio"
        prompt = [f"<{medium}>"]
        if clip.transcript:
            prompt.append(spec["says"].format(text=clip.transcript, medium=medium))
        prompt.append(spec["instruction"].format(medium=medium))
        label, label_gold = clip.label()
        reason, reason_gold = clip.reason()
        reason = reason.rstrip()
        if reason and reason[-1] not in ".!?":
            reason += "."  # a reasoning cut at the token cap
        answer = spec["answer"].format(reason=reason, label=label).strip()
        samples.append({
            "conversations": [{"from": "human", "value": " ".join(prompt)}, {"from": "gpt", "value": answer}],
            "videos": [clip.result.source_path] if kind == "videos" else [],
            "audios": [clip.result.source_path] if kind == "audios" else [],
        })
        out.clips.append(clip.clip_id)
        if label_gold or reason_gold:
            out.gold_used.add(clip.clip_id)
    entry = {spec["dataset_name"]: {"file_name": spec["file_name"], "formatting": "sharegpt",
                                    "columns": {"messages": "conversations", "videos": "videos", "audios": "audios"}}}
    out.files = {spec["file_name"]: json.dumps(samples, indent=2, ensure_ascii=False) + "\n",
                 "dataset_info.json": json.dumps(entry, indent=2, ensure_ascii=False) + "\n"}
    return out
