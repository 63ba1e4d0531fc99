"""Run-config overrides: one deep merge and one key syntax (nested or dotted), the same for `emer run` flags,
the flow's parameters and ablation variants; a config file's nested settings survive an override of a sibling."""

from __future__ import annotations

import pytest

from emer.pipeline.cli import build_parser, run_overrides_from_args
from emer.pipeline.evaluation.variants import load_variants, parse_variant, variant_config
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.run.config import DEFAULT_EXTRACTORS, deep_merge, load_config, run_overrides, set_dotted

FILE = """\
extractors: [{name: mediapipe-face}, {name: opencv-scene}]
llm: {model: smollm2-135m, n_ctx: 2048}
evidence: {weights: {face: 0.5}, min_speaker_clips: 4}
decode: {frame_rate: 5, max_side: 640}
"""


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(FILE)
    return path


def test_deep_merge_merges_mappings_replaces_the_rest_and_copies():
    base = {"llm": {"model": "a", "n_ctx": 2048}, "extractors": [{"name": "x"}], "reason": True}
    over = {"llm": {"n_threads": 2}, "extractors": [{"name": "y"}]}
    merged = deep_merge(base, over)
    assert merged == {"llm": {"model": "a", "n_ctx": 2048, "n_threads": 2}, "extractors": [{"name": "y"}],
                      "reason": True}
    merged["llm"]["n_ctx"] = 1024
    merged["extractors"][0]["name"] = "z"
    assert base == {"llm": {"model": "a", "n_ctx": 2048}, "extractors": [{"name": "x"}], "reason": True}
    assert over == {"llm": {"n_threads": 2}, "extractors": [{"name": "y"}]}
    assert deep_merge({"decode": {"frame_rate": 5}}, {"decode": None}) == {"decode": None}


def test_dotted_and_nested_keys_are_one_syntax():
    assert run_overrides({"llm.model": "a"}, {"llm": {"n_ctx": 2048}}, {"evidence.weights.face": 0.5}) == {
        "llm": {"model": "a", "n_ctx": 2048}, "evidence": {"weights": {"face": 0.5}}}
    assert run_overrides({"llm": {"model": "a"}}, {"llm.model": "b"}) == {"llm": {"model": "b"}}
    assert run_overrides(None, {}) == {}
    data = {"reason": False}
    with pytest.raises(ConfigError, match="option 'reason.x': 'reason' is not a mapping"):
        set_dotted(data, "reason.x", 1)


def test_a_flag_keeps_the_files_nested_siblings(config_file):
    args = build_parser().parse_args(["run", "clips", "-c", str(config_file), "--threads", "2", "--frame-rate", "4"])
    config = load_config(args.config, run_overrides_from_args(args))
    assert (config.llm.model, config.llm.n_ctx, config.llm.n_threads) == ("smollm2-135m", 2048, 2)
    assert (config.decode.frame_rate, config.decode.max_side) == (4, 640)
    assert config.evidence.min_speaker_clips == 4


def test_an_override_of_a_nested_key_keeps_the_files_other_keys(config_file):
    config = load_config(config_file, {"evidence": {"weights": {"speech": 2.0}}})
    assert config.evidence.weights == {"face": 0.5, "speech": 2.0}
    assert config.evidence.min_speaker_clips == 4
    assert load_config(config_file, {"evidence.weights.speech": 2.0}) == config


def test_one_override_as_a_flag_a_flow_parameter_and_a_variant_gives_one_config(config_file, tmp_path):
    pytest.importorskip("prefect", reason="the flows extra is not installed (pip install -e '.[flows]')")
    from emer.flows.emer_flow import resolve_config

    args = build_parser().parse_args(["run", "clips", "-c", str(config_file), "--model", "qwen2.5-0.5b",
                                      "--threads", "2", "--labels", "crema-d", "--frame-rate", "4"])
    from_flags = load_config(args.config, run_overrides_from_args(args))
    from_flow = resolve_config(str(config_file), model="qwen2.5-0.5b", label_set="crema-d",
                               overrides={"llm": {"n_threads": 2}, "decode.frame_rate": 4})
    from_variant = variant_config(
        parse_variant("v=model=qwen2.5-0.5b; llm.n_threads=2; label_set=crema-d; decode.frame_rate=4"),
        config_file=config_file)
    variants = tmp_path / "variants.yaml"
    variants.write_text("base: {label_set: crema-d}\n"
                        "variants:\n  v: {model: qwen2.5-0.5b, llm: {n_threads: 2}, decode.frame_rate: 4}\n")
    base, (variant,) = load_variants(variants)
    from_yaml = variant_config(variant, base, config_file)
    assert from_flags == from_flow == from_variant == from_yaml
    assert (from_flags.llm.model, from_flags.llm.n_ctx, from_flags.llm.n_threads) == ("qwen2.5-0.5b", 2048, 2)
    assert (from_flags.label_set, from_flags.decode.frame_rate, from_flags.decode.max_side) == ("crema-d", 4, 640)
    assert from_flags.evidence.weights == {"face": 0.5}
    assert [e.name for e in from_flags.extractors] == ["mediapipe-face", "opencv-scene"]


def test_a_value_that_is_not_yaml_is_a_config_error():
    args = build_parser().parse_args(["run", "clips", "--extractors", "opencv-scene", "--set", "opencv-scene.x=[1"])
    with pytest.raises(ConfigError, match=r"--set 'opencv-scene.x=\[1': the value is not valid YAML"):
        run_overrides_from_args(args)
    with pytest.raises(ConfigError, match="the value is not valid YAML"):
        parse_variant("v=llm.n_ctx=[1")


def test_set_changes_an_option_of_whichever_extractors_the_run_uses(config_file):
    def config_of(*argv: str):
        args = build_parser().parse_args(["run", "clips", *argv])
        return load_config(args.config, run_overrides_from_args(args))

    default = config_of("--set", "faster-whisper.model=whisper-tiny.en")  # no --extractors: the default ones
    assert [(e.name, e.config) for e in default.extractors] == [
        (n, {"model": "whisper-tiny.en"} if n == "faster-whisper" else {}) for n in DEFAULT_EXTRACTORS]
    from_file = config_of("-c", str(config_file), "--set", "mediapipe-face.num_faces=2")
    assert [(e.name, e.config) for e in from_file.extractors] == [("mediapipe-face", {"num_faces": 2}),
                                                                  ("opencv-scene", {})]
    chosen = config_of("--extractors", "mediapipe-face,faster-whisper", "--set", "faster-whisper.model=whisper-base")
    assert [(e.name, e.config) for e in chosen.extractors] == [("mediapipe-face", {}),
                                                               ("faster-whisper", {"model": "whisper-base"})]
    with pytest.raises(ConfigError, match="options set for extractors the run does not use: faster-whisper"):
        config_of("-c", str(config_file), "--set", "faster-whisper.model=whisper-base")
    with pytest.raises(ConfigError, match="extractor 'mediapipe-face': unknown option 'fps'"):
        config_of("--set", "mediapipe-face.fps=3")
