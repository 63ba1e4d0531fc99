"""Ablations: variant parsing and configs, clue sharing between variants (with small fakes registered like real
extractors), and `emer ablate` with two variants on the six CREMA-D clips."""

from __future__ import annotations

import csv
import shutil

import pytest

from emer import extractors
from emer.extractors.base import Extractor, ExtractorConfig
from emer.pipeline.cli import main
from emer.pipeline.evaluation.ablate import POOL, run_ablation
from emer.pipeline.evaluation.ablation_table import AblationReport, format_markdown, write_ablation
from emer.pipeline.evaluation.gold import gold_from_names
from emer.pipeline.evaluation.variants import load_variants, parse_variant, variant_config
from emer.pipeline.records.clues import ClueStatus, SceneData
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.results import Result
from emer.pipeline.store.io import load_clue

PNG = b"\x89PNG\r\n\x1a\n"


class FakeFace(Extractor):
    """A face extractor that finds no face; counts its calls."""

    name, version, kind = "fake-face", "0.1.0", "face"
    calls = 0

    def extract(self, clip):
        type(self).calls += 1
        return self.make_clue(clip, ClueStatus.no_signal, detail="fake: no face", timings={"total": 0.5})


class FakeScene(Extractor):
    """A scene extractor with one option; counts its calls."""

    name, version, kind = "fake-scene", "0.1.0", "scene"
    calls = 0

    class Config(ExtractorConfig):
        label: str = "test scene"

    def extract(self, clip):
        type(self).calls += 1
        data = SceneData(brightness=0.5, contrast=0.1, colourfulness=10.0, warmth=0.0, motion_energy=0.0,
                         faces=1, face_height_ratio=0.3, shot_scale="medium close-up", description=self.config.label)
        return self.make_clue(clip, ClueStatus.ok, data, timings={"total": 0.25})


extractors.register(FakeFace)
extractors.register(FakeScene)
FAKES = {"extractors": [{"name": "fake-face"}, {"name": "fake-scene"}], "reason": False}


def test_parse_variant_options():
    assert parse_variant("all=").overrides == {} and parse_variant("all=").drop == []
    v = parse_variant("no-face=drop=face")
    assert (v.name, v.drop) == ("no-face", ["face"])
    v = parse_variant("small=model=qwen2.5-0.5b; llm.max_explanation_tokens=64; set.fake-scene.label=x y")
    assert v.overrides == {"llm": {"model": "qwen2.5-0.5b", "max_explanation_tokens": 64}}
    assert v.set == {"fake-scene": {"label": "x y"}}
    v = parse_variant("two=extractors=fake-face,fake-scene")
    assert v.overrides["extractors"] == [{"name": "fake-face"}, {"name": "fake-scene"}]
    for bad in ("noequals", "x=drop", "bad name=drop=face", "x=set.label=1"):
        with pytest.raises(ConfigError):
            parse_variant(bad)


def test_variants_file(tmp_path):
    path = tmp_path / "variants.yaml"
    path.write_text("base: {label_set: crema-d}\nvariants:\n  all: {}\n  no-face: {drop: face}\n"
                    "  qwen: {model: qwen2.5-0.5b}\n")
    base, variants = load_variants(path)
    assert base == {"label_set": "crema-d"}
    assert [(v.name, v.drop, v.overrides) for v in variants] == [
        ("all", [], {}), ("no-face", ["face"], {}), ("qwen", [], {"llm": {"model": "qwen2.5-0.5b"}})]
    (tmp_path / "empty.yaml").write_text("base: {}\n")
    with pytest.raises(ConfigError, match="variants"):
        load_variants(tmp_path / "empty.yaml")


def test_variant_config_drops_by_kind_or_name_and_checks_names():
    all_ = variant_config(parse_variant("all="), FAKES)
    assert [e.name for e in all_.extractors] == ["fake-face", "fake-scene"]
    assert [e.name for e in variant_config(parse_variant("a=drop=face"), FAKES).extractors] == ["fake-scene"]
    assert [e.name for e in variant_config(parse_variant("a=drop=fake-scene"), FAKES).extractors] == ["fake-face"]
    scene = variant_config(parse_variant("a=set.fake-scene.label=dim"), FAKES).extractors[1]
    assert scene.config == {"label": "dim"}
    with pytest.raises(ConfigError, match="not an extractor of the config nor a clue kind"):
        variant_config(parse_variant("a=drop=smell"), FAKES)
    with pytest.raises(ConfigError, match="leaves no extractor"):
        variant_config(parse_variant("a=drop=face,scene"), FAKES)
    with pytest.raises(ConfigError, match="does not use"):
        variant_config(parse_variant("a=drop=scene;set.fake-scene.label=x"), FAKES)
    with pytest.raises(ConfigError, match="unknown label set"):
        variant_config(parse_variant("a=label_set=nope"), FAKES)


def test_variants_share_clues_and_keep_their_own_folders(tmp_path, video_paths):
    folder = tmp_path / "in"
    folder.mkdir()
    for e in ("ANG", "HAP"):
        shutil.copy(video_paths[e], folder)
    out = tmp_path / "abl"
    gold = gold_from_names(["1001_DFA_ANG_XX", "1001_DFA_HAP_XX"], "crema-d")
    variants = [parse_variant("all="), parse_variant("no-face=drop=face"),
                parse_variant("dim=set.fake-scene.label=dim")]
    FakeFace.calls = FakeScene.calls = 0
    report = run_ablation(folder, out, variants, gold, "names:crema-d", base=FAKES)
    assert FakeFace.calls == 2  # once per clip, in `all`
    assert FakeScene.calls == 4  # once per clip in `all` (reused by no-face), and again for the changed option
    assert not (out / "no-face" / "1001_DFA_ANG_XX" / "clues" / "fake-face.json").exists()
    scene = load_clue(out / "no-face" / "1001_DFA_ANG_XX" / "clues" / "fake-scene.json")
    assert scene.data.description == "test scene"
    no_face = Result.model_validate_json((out / "no-face" / "1001_DFA_ANG_XX" / "result.json").read_text())
    assert [(c.extractor, c.reused) for c in no_face.clues] == [("fake-scene", True)]
    assert len(list((out / POOL / "1001_DFA_ANG_XX" / "fake-scene").glob("*.json"))) == 2
    rows = {r.variant: r for r in report.rows}
    assert rows["all"].status == "ok" and rows["all"].clips == 2 and rows["all"].accuracy == 0.0  # no reasoning
    assert rows["all"].clue_seconds_per_clip == 0.75 and rows["no-face"].clue_seconds_per_clip == 0.25
    assert (out / "no-face" / "evaluation.json").is_file()
    paths = write_ablation(out, report)
    assert AblationReport.model_validate_json(paths["json"].read_text()) == report
    table = list(csv.DictReader(paths["csv"].open()))
    assert [r["variant"] for r in table] == ["all", "no-face", "dim"] and table[0]["accuracy"] == "0.000"
    assert paths["png"].read_bytes().startswith(PNG)
    assert "| variant |" in format_markdown(report)
    FakeFace.calls = FakeScene.calls = 0
    run_ablation(folder, out, variants, gold, "names:crema-d", base=FAKES)  # a rerun computes nothing
    assert FakeFace.calls == FakeScene.calls == 0


@pytest.mark.slow
def test_ablate_two_variants_on_the_six_clips(tmp_path, samples, capsys):
    out = tmp_path / "abl"
    variants = tmp_path / "variants.yaml"
    variants.write_text("base:\n  label_set: crema-d\n"
                        "  llm: {model: smollm2-135m, n_threads: 1}\n"
                        "variants:\n  all: {}\n  no-face: {drop: [face]}\n")
    code = main(["ablate", str(samples / "video"), "-o", str(out), "--variants", str(variants),
                 "--gold", str(samples / "labels.csv"), "-q"])
    assert code == 0
    table = list(csv.DictReader((out / "ablation.csv").open()))
    assert [r["variant"] for r in table] == ["all", "no-face"]
    assert all(r["status"] == "ok" and r["accuracy"] and float(r["seconds_per_clip"]) > 0 for r in table)
    assert (out / "ablation.png").read_bytes().startswith(PNG) and (out / "ablation.md").is_file()
    assert "| all |" in capsys.readouterr().out
    for clip in (out / "no-face").glob("1001_*"):
        clues = [load_clue(p) for p in (clip / "clues").glob("*.json")]
        assert clues and all(c.kind != "face" for c in clues)
        result = Result.model_validate_json((clip / "result.json").read_text())
        assert all(c.reused for c in result.clues)  # taken from the `all` variant
    evaluation = (out / "all" / "evaluation.json").read_text()
    assert '"clips": 6' in evaluation
