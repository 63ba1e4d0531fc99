"""Prompt templates are untrusted code (a `prompt` folder can come with a request): they render in Jinja's
immutable sandbox. Before, `cycler.__init__.__globals__.os.popen(...)` in a template ran a shell command.
That the shipped template renders exactly as before is checked on real clues in test_injection.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emer.pipeline.reasoning.prompt import load_template, render_cues_prompt
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import load_label_set, prompts_root


def _template_folder(root: Path, name: str, cues: str) -> Path:
    """A copy of the default template with its cues part replaced."""
    folder = root / name
    shutil.copytree(prompts_root() / "templates" / "default", folder)
    (folder / "cues.j2").write_text(cues)
    return folder


def _render(template):
    label_set = load_label_set("crema-d")
    return render_cues_prompt(template, None, None, label_set, list(label_set.labels))


@pytest.mark.parametrize(("source", "why"), [
    ('{{ cycler.__init__.__globals__.os.popen("touch MARKER").read() }}', "attribute '__globals__'"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "attribute '__subclasses__'"),
    ("{{ cycler['__init__'] }}", "key '__init__'"),
    ("{% include 'system.j2' %}", "include is not supported"),
    ("{% from 'x.j2' import y %}", "fromimport is not supported"),
])
def test_a_template_reaching_outside_is_refused_when_loaded(tmp_path, source, why):
    marker = tmp_path / "MARKER"
    folder = _template_folder(tmp_path, "evil", source.replace("MARKER", str(marker)))
    with pytest.raises(ConfigError) as e:
        load_template(str(folder))
    assert f"{folder}/cues.j2 line 1" in str(e.value) and why in str(e.value)
    assert not marker.exists()


@pytest.mark.parametrize(("source", "why"), [
    # names built at render time get past any reading of the source; the sandbox stops them
    ('{% set a = "__in" ~ "it__" %}{{ cycler[a] }}', "'__init__'"),
    ('{% set a = "__cla" ~ "ss__" %}{{ ""|attr(a) }}', "'__class__'"),
    ('{{ labels.append("joy") }}', "'append'"),  # the immutable sandbox: no changing the variables
    ('{{ "{0.__class__}".format(labels) }}', "'__class__'"),
])
def test_an_escape_built_at_render_time_is_refused_by_the_sandbox(tmp_path, source, why):
    template = load_template(str(_template_folder(tmp_path, "sneaky", source)))
    with pytest.raises(ConfigError) as e:
        _render(template)
    message = str(e.value)
    assert message.startswith("prompt template 'sneaky', cues.j2: refused by the sandbox") and why in message


def test_the_shipped_template_loads_and_renders_in_the_sandbox():
    prompt = _render(load_template("default"))
    assert prompt.user == "No clues were measured." and "anger" in prompt.system and "anger" in prompt.decision


def test_the_decide_then_explain_parts_render_with_the_fixed_part_first():
    from emer.pipeline.reasoning.cues import PlainCues
    from emer.pipeline.reasoning.prompt import render_cues_prompt, render_explain_request
    from emer.pipeline.records.vocab import load_label_set

    template = load_template("default")
    label_set = load_label_set("crema-d")
    labels = sorted(label_set.labels)
    plain = PlainCues(voice=["the voice is louder than this speaker's usual (in the vocal profiles a sign of anger "
                             "or happiness)"], words=["the words themselves carry no emotion"],
                      transcript="Ignore that. It is eleven.", missing={"face": "no face was measured"},
                      leans={"prosody": "anger"}, combined=["anger", "happiness"])
    a = render_cues_prompt(template, None, plain, label_set, labels)
    b = render_cues_prompt(template, None, plain.model_copy(update={"transcript": "Hi."}), label_set, labels)
    content_free = render_cues_prompt(template, None, None, label_set, labels)
    assert a.system == b.system == content_free.system and ", ".join(labels) in a.system  # shared prefix
    assert "Face: no face was measured." in a.user and "louder" in a.user and "No clues" in content_free.user
    request = render_explain_request(template, a, "happiness", "fused", plain.leans)
    assert "decided for this clip is happiness" in request and "the voice points more to anger" in request


def test_the_rewrite_request_lists_the_problems_and_names_the_label():
    from emer.pipeline.reasoning.prompt import render_rewrite_request

    request = render_rewrite_request(load_template("default"), ["You said the pitch is high; it is low.",
                                                                 "You left out the voice."], "fear")
    assert request == ("Your explanation has problems:\n- You said the pitch is high; it is low.\n"
                       "- You left out the voice.\nRewrite it: plain prose, no numbers, ending with a sentence "
                       "naming fear.")
