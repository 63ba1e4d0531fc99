"""The plug-in specialists face-onnx and voice-onnx: loading a model from its YAML (sha256 checked), the input
preprocessing, and the mapping of the model's classes onto the basic emotions. The models are small real ONNX
graphs built here with the `onnx` package (channel means times a weight matrix; waveform moments times one) and
run by onnxruntime on the real CREMA-D clips; the expected probabilities are recomputed with numpy from the same
face crop and waveform."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

onnx = pytest.importorskip("onnx", reason="pip install 'emer[onnx]'")
pytest.importorskip("onnxruntime", reason="pip install 'emer[onnx]'")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from emer.extractors.face_mediapipe import face_crop  # noqa: E402
from emer.extractors.face_onnx import OnnxFaceExtractor  # noqa: E402
from emer.extractors.onnx_spec import OnnxClassifier, audio_tensor, image_tensor, load_spec  # noqa: E402
from emer.extractors.voice_onnx import OnnxVoiceExtractor  # noqa: E402
from emer.pipeline.evidence.modalities import prosody_evidence  # noqa: E402
from emer.pipeline.evidence.references import voice_features  # noqa: E402
from emer.pipeline.records.clues import ClueStatus  # noqa: E402
from emer.pipeline.records.errors import ConfigError, ModelUnavailableError  # noqa: E402
from emer.pipeline.records.evidence import EvidenceConfig  # noqa: E402
from emer.pipeline.store.io import sha256_file  # noqa: E402

# HSEmotion's AffectNet-8 class names and order
FACE_LABELS = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise"]
FACE_W = np.random.default_rng(0).normal(0, 3, (3, 8)).astype(np.float32)
# a 4-class speech model in the style of the IEMOCAP-4 wav2vec2 classifiers, plus a class mapped to nothing
VOICE_LABELS = ["ang", "hap", "neu", "sad", "xxx"]
VOICE_W = np.array([[0.5, -1.0, 0.2, 0.0, 0.1], [1.0, 0.3, -0.5, 0.7, 0.0]], np.float32)
VOICE_B = np.array([0.1, 0.2, 0.3, -0.4, 0.0], np.float32)


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def face_model(path: Path, size: int = 32) -> Path:
    """pixels (1, 3, size, size) -> per-channel mean -> x W: 8 logits."""
    nodes = [
        helper.make_node("ReduceMean", ["pixels", "axes"], ["means"], keepdims=0),
        helper.make_node("MatMul", ["means", "W"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "face", [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 8])],
        [numpy_helper.from_array(np.array([2, 3], np.int64), "axes"), numpy_helper.from_array(FACE_W, "W")])
    return _save(graph, path)


def voice_model(path: Path) -> Path:
    """waveform (1, T) -> [mean, mean of squares] -> x W + b: 5 logits."""
    nodes = [
        helper.make_node("ReduceMean", ["waveform", "axis"], ["m1"], keepdims=1),
        helper.make_node("Mul", ["waveform", "waveform"], ["sq"]),
        helper.make_node("ReduceMean", ["sq", "axis"], ["m2"], keepdims=1),
        helper.make_node("Concat", ["m1", "m2"], ["moments"], axis=1),
        helper.make_node("MatMul", ["moments", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "voice", [helper.make_tensor_value_info("waveform", TensorProto.FLOAT, [1, "T"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 5])],
        [numpy_helper.from_array(np.array([1], np.int64), "axis"), numpy_helper.from_array(VOICE_W, "W"),
         numpy_helper.from_array(VOICE_B, "b")])
    return _save(graph, path)


def write_spec(folder: Path, model: Path, **fields) -> Path:
    path = folder / f"{model.stem}.yaml"
    data = {"name": model.stem, "file": model.name, "sha256": sha256_file(model)} | fields
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def face_spec(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("face-onnx")
    return write_spec(folder, face_model(folder / "affect8.onnx"), labels=FACE_LABELS,
                      image={"size": 32, "color": "rgb", "scale": 255.0, "mean": [0.485, 0.456, 0.406],
                             "std": [0.229, 0.224, 0.225]},
                      label_map={name: name.lower() for name in FACE_LABELS})


@pytest.fixture(scope="module")
def voice_spec(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("voice-onnx")
    return write_spec(folder, voice_model(folder / "ser4.onnx"), labels=VOICE_LABELS, audio={"sample_rate": 16000},
                      label_map={"ang": "anger", "hap": "happiness", "neu": "neutral", "sad": "sadness"})


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def test_face_onnx_maps_an_affectnet8_model_onto_the_basic_emotions(face_spec, decoded, model_store):
    clip = decoded("HAP")
    clue = OnnxFaceExtractor({"model": str(face_spec)}, models=model_store).extract(clip)
    assert clue.status == ClueStatus.ok
    assert [m.name for m in clue.models] == ["face-landmarker", "affect8 (affect8.yaml)"]
    assert clue.models[1].sha256 == sha256_file(face_spec.parent / "affect8.onnx")
    frame = next(f for f in clue.data.timeline if f.faces)
    assert set(frame.expression) == {"anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness",
                                     "surprise"}
    assert frame.asymmetry and frame.aus  # the MediaPipe part of the clue is all there
    # the same crop, preprocessing and softmax in numpy
    image = next(f.image for f in clip.frames if f.t == frame.t)
    tensor = image_tensor(face_crop(image, frame.box, 0.1), load_spec(face_spec).image)
    assert tensor.shape == (1, 3, 32, 32) and tensor.dtype == np.float32
    expected = _softmax(tensor.mean(axis=(2, 3))[0].astype(np.float64) @ FACE_W.astype(np.float64))
    got = [frame.expression[name.lower()] for name in FACE_LABELS]
    assert got == pytest.approx(expected, abs=2e-4)
    assert set(clue.data.summary.expression_mean) == set(frame.expression)


def test_voice_onnx_adds_the_model_reading_to_the_prosody_clue_and_evidence(voice_spec, decoded_mp3):
    clip = decoded_mp3("ANG")
    clue = OnnxVoiceExtractor({"model": str(voice_spec)}).extract(clip)
    assert clue.status == ClueStatus.ok and clue.data.pitch_median_hz  # the Praat measures are all there
    assert clue.models[-1].name == "ser4 (ser4.yaml)"
    x = audio_tensor(clip.audio, clip.audio_rate, load_spec(voice_spec).audio)
    assert x.shape == (1, clip.audio.size) and abs(float(x.mean())) < 1e-4  # 16 kHz already; normalised
    moments = np.array([x.mean(), (x.astype(np.float64) ** 2).mean()])
    p = _softmax(moments @ VOICE_W.astype(np.float64) + VOICE_B)[:4]
    p = p / p.sum()  # the unmapped class is dropped
    assert clue.data.emotion == pytest.approx(dict(zip(["anger", "happiness", "neutral", "sadness"], p,
                                                       strict=True)), abs=2e-4)
    evidence = prosody_evidence(voice_features(clue.data), {}, None, EvidenceConfig())
    obs = next(o for o in evidence.observations if o.cue == "voice_classifier")
    top = max(clue.data.emotion, key=clue.data.emotion.get)
    assert obs.category == top and max(evidence.emotions, key=evidence.emotions.get) == top
    assert set(evidence.emotions) == set(clue.data.emotion)  # the others are no evidence either way
    assert evidence.weight > 0


def test_classes_mapped_to_one_emotion_add_up(tmp_path):
    model = voice_model(tmp_path / "m.onnx")
    spec = write_spec(tmp_path, model, labels=VOICE_LABELS, audio={"sample_rate": 16000, "normalize": False},
                      outputs="logits", label_map={"ang": "anger", "hap": "happiness", "neu": "neutral",
                                                   "sad": "neutral", "xxx": "neutral"})
    probs = OnnxClassifier(spec, "audio").run(np.zeros((1, 1600), np.float32))
    expected = _softmax(VOICE_B.astype(np.float64))
    assert probs == pytest.approx({"anger": expected[0], "happiness": expected[1],
                                   "neutral": expected[2] + expected[3] + expected[4]}, abs=2e-4)


def test_bad_model_yaml_names_the_file_and_the_cause(tmp_path, face_spec):
    model = face_spec.parent / "affect8.onnx"
    wrong = write_spec(tmp_path, model, labels=FACE_LABELS, image={"size": 32}, label_map={"Anger": "anger"},
                       file=str(model), sha256="0" * 64)
    with pytest.raises(ModelUnavailableError, match=r"affect8.onnx: sha256 .* is not the 0+ that .*affect8.yaml"):
        OnnxClassifier(wrong, "image")
    bad_map = write_spec(tmp_path, model, labels=FACE_LABELS, image={"size": 32}, file=str(model),
                         label_map={"Anger": "rage"})
    with pytest.raises(ConfigError, match="(?s)affect8.yaml: not an ONNX model YAML: .*not basic emotions"):
        load_spec(bad_map)
    short = write_spec(tmp_path, model, labels=FACE_LABELS[:7], image={"size": 32}, file=str(model),
                       label_map={"Anger": "anger"})
    with pytest.raises(ConfigError, match="the model has 8 outputs, the YAML lists 7 labels"):
        OnnxClassifier(short, "image")
    with pytest.raises(ConfigError, match="voice-onnx needs `audio:`"):
        OnnxClassifier(face_spec, "audio")
    missing = tmp_path / "missing.yaml"
    missing.write_text(yaml.safe_dump({"name": "x", "file": "nowhere.onnx", "sha256": "0" * 64, "labels": ["a", "b"],
                                       "audio": {}, "label_map": {"a": "anger"}}))
    with pytest.raises(ModelUnavailableError, match="nowhere.onnx: the ONNX file .*missing.yaml names does not"):
        OnnxClassifier(missing, "audio")
