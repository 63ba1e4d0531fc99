"""Transcripts as subtitles: one SubRip (.srt) and one WebVTT (.vtt) file per clip, a cue per speech segment.

Followed: SubRip as the `srt` library (cdown/srt) parses it: numbered blocks `index`, `HH:MM:SS,mmm --> HH:MM:SS,mmm`,
text lines, a blank line between blocks; and the W3C WebVTT spec (https://www.w3.org/TR/webvtt1/): the file opens
with `WEBVTT`, cues are `HH:MM:SS.mmm --> HH:MM:SS.mmm` then text, separated by blank lines, a `NOTE` block may carry
comments (here: which transcriber wrote the text), and cue text escapes `&`, `<` and `>`. Cue text never holds a
blank line or `-->` (either would end the cue early), and a cue ends after it starts."""

from __future__ import annotations

from emer.pipeline.export.source import ExportClip, Rendered

MIN_CUE_S = 0.001


def _timestamp(seconds: float, separator: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def _cues(clip: ExportClip) -> list[tuple[float, float, str]]:
    cues = []
    for seg in clip.speech.segments if clip.speech is not None else []:
        text = " ".join(seg.text.split()).replace("-->", "->")
        if text:
            cues.append((seg.start, max(seg.end, seg.start + MIN_CUE_S), text))
    return cues


def srt_text(cues: list[tuple[float, float, str]]) -> str:
    return "".join(f"{i}\n{_timestamp(a, ',')} --> {_timestamp(b, ',')}\n{text}\n\n"
                   for i, (a, b, text) in enumerate(cues, start=1))


def vtt_text(cues: list[tuple[float, float, str]], note: str) -> str:
    body = "".join(f"{_timestamp(a, '.')} --> {_timestamp(b, '.')}\n"
                   f"{text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}\n\n"
                   for a, b, text in cues)
    return f"WEBVTT\n\nNOTE {note.replace('-->', '->')}\n\n{body}"


def _render(clips: list[ExportClip], kind: str) -> Rendered:
    out = Rendered(notes=["one cue per transcribed speech segment, times from the speech clue"])
    for clip in clips:
        cues = _cues(clip)
        if not cues:
            out.skip(clip.clip_id, "no speech transcribed (no speech clue with text)")
            continue
        if kind == "srt":
            out.files[f"{clip.clip_id}.srt"] = srt_text(cues)
        else:
            ref = next((c for c in clip.result.clues if c.kind == "speech"), None)
            by = f"{ref.extractor} {ref.version}" if ref is not None else "emer"
            language = clip.speech.language if clip.speech is not None else "unknown"
            out.files[f"{clip.clip_id}.vtt"] = vtt_text(cues, f"{clip.clip_id}: transcribed by {by}, language "
                                                               f"{language}")
        out.clips.append(clip.clip_id)
    return out


def render_srt(clips: list[ExportClip]) -> Rendered:
    """A .srt file per clip with speech."""
    return _render(clips, "srt")


def render_vtt(clips: list[ExportClip]) -> Rendered:
    """A .vtt file per clip with speech."""
    return _render(clips, "vtt")
