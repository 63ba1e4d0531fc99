"""The openSMILE eGeMAPSv02 prosody backend on the CREMA-D clips: anger louder and higher than neutral, as the
Praat backend finds, and the 88 functionals in the clue. Skipped where the `opensmile` extra is not installed."""

from __future__ import annotations

import numpy as np
import pytest
from media import synthetic_clip

from emer import extractors
from emer.extractors.prosody_opensmile import N_FUNCTIONALS, OpenSmileProsodyExtractor, _rms_dbfs
from emer.extractors.prosody_praat import PraatProsodyExtractor
from emer.pipeline.inputs.clip import AUDIO_RATE
from emer.pipeline.records.clues import ClueStatus, ProsodyClue


def test_registered_under_its_name():
    assert extractors.get("opensmile-prosody") is OpenSmileProsodyExtractor


def test_rms_level_is_in_dbfs_like_the_praat_backend():
    t = np.arange(AUDIO_RATE) / AUDIO_RATE
    level = _rms_dbfs(np.sin(2 * np.pi * 200 * t).astype(np.float32), AUDIO_RATE, 0.04)
    assert np.median(level) == pytest.approx(-3.01, abs=0.05)  # a full-scale sine
    assert len(level) == 100  # one frame per 10 ms


@pytest.fixture(scope="module")
def smile():
    pytest.importorskip("opensmile", reason="the opensmile extra is not installed (pip install -e '.[opensmile]')")
    return OpenSmileProsodyExtractor()


@pytest.mark.slow
def test_anger_is_louder_and_higher_than_neutral_as_praat_finds(smile, decoded_mp3, decoded):
    praat = PraatProsodyExtractor()
    for get in (decoded_mp3, decoded):  # actor 1002 (audio only) and actor 1001 (video)
        mine = {e: smile.extract(get(e)) for e in ("ANG", "NEU")}
        theirs = {e: praat.extract(get(e)).data for e in ("ANG", "NEU")}
        ang, neu = mine["ANG"].data, mine["NEU"].data
        assert mine["ANG"].status == ClueStatus.ok and len(ang.functionals) == N_FUNCTIONALS
        assert ang.loudness_mean_db > neu.loudness_mean_db + 6
        assert ang.pitch_median_hz > neu.pitch_median_hz
        assert ang.functionals["equivalentSoundLevel_dBp"] > neu.functionals["equivalentSoundLevel_dBp"]
        assert ang.alpha_ratio_db > neu.alpha_ratio_db
        assert theirs["ANG"].loudness_mean_db > theirs["NEU"].loudness_mean_db
        assert theirs["ANG"].pitch_median_hz > theirs["NEU"].pitch_median_hz
        if get is decoded_mp3:  # actor 1002: the two pitch trackers agree within 10 % (on actor 1001's low
            for e, d in (("ANG", ang), ("NEU", neu)):  # voice they do not: see scripts/bench_backends.py)
                assert d.pitch_median_hz == pytest.approx(theirs[e].pitch_median_hz, rel=0.1)
    ref = mine["ANG"].models[0]
    assert ref.name.startswith("opensmile==") and len(ref.sha256) == 64
    ProsodyClue.model_validate_json(mine["ANG"].model_dump_json())


@pytest.mark.slow
def test_silence_is_no_signal(smile):
    clue = smile.extract(synthetic_clip(np.zeros(AUDIO_RATE, dtype=np.float32)))
    assert clue.status == ClueStatus.no_signal and "silence" in clue.detail
