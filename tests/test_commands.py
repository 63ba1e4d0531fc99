"""`emer` subcommands come from the `emer.commands` entry points: the built-ins register as a plugin does, a
plugin that fails to load is a warning and the other commands work, and `pipeline/` never names `flows`."""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import pytest

from emer.pipeline.cli import COMMANDS_GROUP, build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _subcommands() -> set[str]:
    parser = build_parser()
    return set(next(a for a in parser._actions if a.dest == "command").choices)


def test_every_declared_command_plugin_imports_and_is_callable(declared_commands):
    assert {ep.name: ep.value for ep in declared_commands} == {
        "evaluate": "emer.pipeline.evaluation.cli:add_commands", "flows": "emer.flows.cli:add_commands",
        "export": "emer.pipeline.export.cli:add_commands", "report": "emer.pipeline.report.cli:add_commands",
        "import": "emer.pipeline.export.import_cli:add_commands"}
    for ep in declared_commands:
        assert callable(ep.load()), ep.value


def test_the_built_in_commands_register_through_the_group():
    assert {"run", "models", "doctor", "list", "schemas", "samples", "evaluate", "ablate", "serve",
            "flow-run", "export", "report", "import"} <= _subcommands()


def test_a_plugin_that_fails_to_load_is_a_warning_and_the_rest_works(monkeypatch, capsys, declared_commands):
    broken = [metadata.EntryPoint("broken", "no_such_emer_plugin:add_commands", COMMANDS_GROUP),
              metadata.EntryPoint("not-callable", "emer.pipeline.cli:COMMANDS_GROUP", COMMANDS_GROUP)]
    group = metadata.EntryPoints([*declared_commands, *broken])
    installed = metadata.entry_points
    monkeypatch.setattr(metadata, "entry_points",
                        lambda **p: group if p.get("group") == COMMANDS_GROUP else installed(**p))
    assert main(["list", "labels"]) == 0
    err = capsys.readouterr().err
    assert ("emer: warning: command plugin 'broken' (no_such_emer_plugin:add_commands) failed to load: "
            "ModuleNotFoundError: No module named 'no_such_emer_plugin'") in err
    assert "command plugin 'not-callable' (emer.pipeline.cli:COMMANDS_GROUP) failed to load: TypeError" in err
    assert {"evaluate", "ablate", "serve", "flow-run"} <= _subcommands()


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import in a file, at any depth, `__import__("...")` included."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__"
              and node.args and isinstance(node.args[0], ast.Constant)):
            found.append((str(node.args[0].value), []))
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "pipeline").rglob("*.py")), ids=lambda p: p.name)
def test_pipeline_never_imports_flows(path):
    assert not [m for m, _ in _imports(path) if m == "emer.flows" or m.startswith("emer.flows.")]


@pytest.mark.parametrize("path", sorted((ROOT / "flows").rglob("*.py")), ids=lambda p: p.name)
def test_flows_uses_only_public_names_of_pipeline(path):
    private = [f"{m}.{n}" for m, names in _imports(path) if m.startswith("emer.pipeline")
               for n in names if n.startswith("_")]
    assert not private
