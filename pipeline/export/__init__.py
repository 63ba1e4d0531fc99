"""`emer export`: a run folder's results and clues written in the layouts other tools read (Emotion-LLaMA MERR,
LLaMA-Factory ShareGPT, EMER and OV-MERD CSVs, SRT/WebVTT, py-feat and OpenFace AU tables). A plugin: registered
as an `emer.commands` entry point, never imported by the core."""
