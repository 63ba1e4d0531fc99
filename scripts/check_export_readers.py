"""Read `emer export` outputs with the readers' own libraries, where they install without torch: pandas (as
Emotion-LLaMA's MERR loader, MERTools and py-feat read CSVs), `srt` (cdown/srt), `webvtt-py`, and LLaMA-Factory's own
dataset parser and ShareGPT converter (llamafactory 0.9.5, imported with its torch-only modules left out).

Not a test dependency: run it in a scratch venv, e.g.

    python3 -m venv /tmp/readers && /tmp/readers/bin/pip install pandas srt webvtt-py datasets huggingface_hub
    /tmp/readers/bin/pip install --no-deps llamafactory==0.9.5
    /tmp/readers/bin/python scripts/check_export_readers.py OUT/export

where OUT/export holds the folders `emer export OUT --format F` wrote by default (merr/, sharegpt/, emer-csv/,
ov-csv/, srt/, vtt/, au-csv/py-feat/, au-csv/openface/); missing ones are reported as not checked. Prints one line
per format: which reader accepted it, or why it did not; exit 1 if any reader refused."""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

MERR_CLASSES = ["neutral", "angry", "happy", "sad", "worried", "surprise", "fear", "contempt", "doubt"]


def check_merr(folder: Path) -> str:
    """As Emotion-LLaMA's FeatureFaceDataset: annotation rows split on spaces, the label looked up in its nine
    classes, the caption fields looked up per name, the transcript found with pandas by `name`."""
    import pandas as pd

    sentences = pd.read_csv(folder / "transcription_en_all.csv")
    for grain, field in (("coarse", "caption"), ("fine", "smp_reason_caption")):
        with open(folder / f"MERR_{grain}_grained.txt", encoding="utf-8") as f:
            rows = [line.strip().split(" ") for line in f]
        captions = json.loads((folder / f"MERR_{grain}_grained.json").read_text(encoding="utf-8"))
        for row in rows:
            name, label = row[0], row[2]
            MERR_CLASSES.index(label)  # the loader's emo2idx lookup: KeyError/ValueError on a foreign label
            caption = captions[name][field]
            sentence = sentences.loc[sentences["name"] == name, "sentence"].values[0]
            assert isinstance(caption, str) and isinstance(sentence, str), (name, caption, sentence)
            entry = captions[name]
            assert isinstance(entry["audio_prior_list"], str) and isinstance(entry["peak_index"], str)
            assert all(isinstance(entry[k], list) for k in ("AU_list", "visual_prior_list", "peak_AU_list"))
    return f"Emotion-LLaMA FeatureFaceDataset logic with pandas {pd.__version__}: {len(rows)} samples"


def _llamafactory() -> tuple[types.ModuleType, types.ModuleType]:
    """LLaMA-Factory's dataset parser and converter, without the modules that import torch/transformers/peft."""
    import llamafactory

    root = Path(llamafactory.__file__).parent
    constants = types.ModuleType("llamafactory.extras.constants")
    constants.DATA_CONFIG, constants.RUNNING_LOG = "dataset_info.json", "running_log.txt"
    misc = types.ModuleType("llamafactory.extras.misc")
    misc.use_modelscope = misc.use_openmind = lambda: False
    data = types.ModuleType("llamafactory.data")
    data.__path__ = [str(root / "data")]
    sys.modules.update({"llamafactory.extras.constants": constants, "llamafactory.extras.misc": misc,
                        "llamafactory.data": data})
    from llamafactory.data import converter, parser

    return parser, converter


def _placeholder_check() -> Callable[..., None]:
    """LLaMA-Factory's mm_plugin `_validate_messages` (placeholder counts vs media lists), compiled from its own
    source: the module itself imports torch."""
    import ast

    import llamafactory

    path = Path(llamafactory.__file__).parent / "data" / "mm_plugin.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_validate_messages")
    fn.args.args = fn.args.args[1:]  # drop `self`
    fn.decorator_list, fn.returns = [], None
    for arg in fn.args.args:
        arg.annotation = None
    namespace = {"IMAGE_PLACEHOLDER": "<image>", "VIDEO_PLACEHOLDER": "<video>", "AUDIO_PLACEHOLDER": "<audio>"}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), str(path), "exec"), namespace)
    return namespace["_validate_messages"]


def check_sharegpt(folder: Path) -> str:
    from datasets import load_dataset

    parser, converter = _llamafactory()
    validate = _placeholder_check()
    info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    name = next(iter(info))
    (attr,) = parser.get_dataset_list([name], str(folder))
    dataset = load_dataset("json", data_files=str(folder / attr.dataset_name), split="train")
    args = types.SimpleNamespace(media_dir=str(folder), streaming=False)
    convert = converter.get_dataset_converter(attr.formatting, attr, args)
    for example in dataset:
        out = convert(example)
        assert out["_prompt"] and out["_response"], f"LLaMA-Factory dropped a sample as broken: {example}"
        validate(out["_prompt"] + out["_response"], out["_images"] or [], out["_videos"] or [], out["_audios"] or [])
    return (f"LLaMA-Factory {__import__('llamafactory').__version__} get_dataset_list + "
            f"{type(convert).__name__} + _validate_messages: {len(dataset)} samples")


def _string_to_list(cell: str) -> list[str]:
    """MERTools' reading of an `openset` cell: brackets off, split on quotes and commas."""
    cell = cell[1:] if cell.startswith("[") else cell
    cell = cell[:-1] if cell.endswith("]") else cell
    return [w.strip() for w in re.split(r"['\",]", cell) if w.strip() not in ("", ",")]


def check_emer_csv(folder: Path) -> str:
    import pandas as pd

    df = pd.read_csv(folder / "emer.csv")  # MERTools' func_read_key_from_csv
    assert list(df.columns) == ["names", "emotions", "subtitles", "reasons"], list(df.columns)
    assert df["names"].notna().all() and df["reasons"].notna().all()
    return f"pandas {pd.__version__} read_csv as MERTools func_read_key_from_csv: {len(df)} rows"


def check_ov_csv(folder: Path) -> str:
    import ast

    import pandas as pd

    df = pd.read_csv(folder / "ov_merd.csv")
    assert list(df.columns) == ["name", "openset"]
    for cell in df["openset"]:
        assert _string_to_list(cell) == ast.literal_eval(cell), cell  # MERTools' split == the list written
    return f"pandas {pd.__version__} + MERTools string_to_list logic: {len(df)} rows"


def check_srt(folder: Path) -> str:
    import srt

    files = sorted(folder.glob("*.srt"))
    cues = [c for f in files for c in srt.parse(f.read_text(encoding="utf-8"), ignore_errors=False)]
    assert cues and all(c.end > c.start and c.content for c in cues)
    assert all(f.read_text(encoding="utf-8") == srt.compose(list(srt.parse(f.read_text(encoding="utf-8"))),
                                                                 reindex=False) for f in files)
    return f"srt parse (strict) and compose round trip: {len(files)} files, {len(cues)} cues"


def check_vtt(folder: Path) -> str:
    import webvtt

    files = sorted(folder.glob("*.vtt"))
    captions = [c for f in files for c in webvtt.read(str(f))]
    assert captions and all(c.end_in_seconds > c.start_in_seconds and c.text for c in captions)
    return f"webvtt-py read: {len(files)} files, {len(captions)} captions"


def check_pyfeat(folder: Path) -> str:
    """As py-feat's read_feat: pandas, AU columns = names containing "AU", emotion/facebox/time columns by name."""
    import pandas as pd

    files = sorted(folder.glob("*.csv"))
    for f in files:
        d = pd.read_csv(f)
        aus = [c for c in d.columns if "AU" in c]
        assert aus and all(pd.api.types.is_float_dtype(d[c]) for c in aus), aus
        emotions = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
        facebox = ["FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight", "FaceScore"]
        assert all(c in d.columns for c in emotions + facebox + ["frame"])
        values = d[aus]
        assert ((values >= 0) & (values <= 1) | values.isna()).all().all()
    return f"py-feat read_feat column logic with pandas {pd.__version__}: {len(files)} files"


def check_openface(folder: Path) -> str:
    """As py-feat's read_openface: pandas with ',' separator, names stripped, AU columns numeric."""
    import pandas as pd

    files = sorted(folder.glob("*.csv"))
    for f in files:
        d = pd.read_csv(f, sep=",")
        d.columns = d.columns.str.strip(" ")
        r = [c for c in d.columns if re.fullmatch(r"AU\d\d_r", c)]
        c = [c for c in d.columns if re.fullmatch(r"AU\d\d_c", c)]
        assert r and c and all(pd.api.types.is_numeric_dtype(d[x]) for x in r + c + ["frame", "timestamp",
                                                                                   "confidence", "success"])
        assert ((d[r] >= 0) & (d[r] <= 5)).all().all() and d[c].isin([0, 1]).all().all()
        assert (d[d["success"] == 1]["confidence"] > 0.8).all()  # the usual OpenFace filter keeps face frames
    return f"py-feat read_openface column logic with pandas {pd.__version__}: {len(files)} files"


CHECKS = {"merr": check_merr, "sharegpt": check_sharegpt, "emer-csv": check_emer_csv, "ov-csv": check_ov_csv,
          "srt": check_srt, "vtt": check_vtt, "au-csv/py-feat": check_pyfeat, "au-csv/openface": check_openface}


def main(root: Path) -> int:
    failed = 0
    for name, check in CHECKS.items():
        folder = root / name
        if not folder.is_dir():
            print(f"{name:16} not checked: no {folder}")
            continue
        try:
            print(f"{name:16} accepted by {check(folder)}")
        except Exception as e:  # any refusal by a reader is the finding
            failed += 1
            print(f"{name:16} REFUSED: {type(e).__name__}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
