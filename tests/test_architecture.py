"""The rules of the package layout, checked on the source: vocabulary at the bottom, consumers above, no circles.
Imports inside functions count as much as module-level ones (hiding an import in a function hides a circle)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "extractors", "flows")
# Besides the evaluation modules themselves: the command line and the schema writer (it documents every output),
# and the report (a consumer like the command line: it shows the scores; only commands and flows import it).
MAY_IMPORT_EVALUATION = {"emer.pipeline.cli", "emer.pipeline.run.schemas", "emer.pipeline.report.build",
                         "emer.pipeline.report.cli", "emer.pipeline.report.load"}
REGISTRY = {"emer.extractors", "emer.extractors.base"}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(("emer", *(parts[:-1] if parts[-1] == "__init__" else parts)))] = path
    return out


def _imports(path: Path) -> set[str]:
    """Every module an import statement in the file names (at any depth of the code)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value))
    return names


GRAPH = {name: {m for m in _imports(path) if m in _modules()} for name, path in _modules().items()}
EVALUATION = {m for m in GRAPH if m.startswith("emer.pipeline.evaluation")}
EXPORT = {m for m in GRAPH if m.startswith("emer.pipeline.export")}  # a command plugin: reads gold and results


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_never_names_flows():
    offenders = {m: sorted(i for i in deps if i.startswith("emer.flows")) for m, deps in GRAPH.items()
                 if m.startswith(("emer.pipeline", "emer.extractors"))
                 and any(i.startswith("emer.flows") for i in deps)}
    assert offenders == {}


def test_the_core_reaches_extractors_only_through_the_registry():
    offenders = {m: sorted(i for i in deps if i.startswith("emer.extractors") and i not in REGISTRY)
                 for m, deps in GRAPH.items() if m.startswith("emer.pipeline")}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_only_the_command_line_imports_evaluation():
    offenders = {m: sorted(deps & EVALUATION) for m, deps in GRAPH.items()
                 if m not in EVALUATION | EXPORT | MAY_IMPORT_EVALUATION and deps & EVALUATION}
    assert offenders == {}


def test_only_commands_and_flows_import_the_report():
    report = {m for m in GRAPH if m.startswith("emer.pipeline.report")}
    offenders = {m: sorted(deps & report) for m, deps in GRAPH.items()
                 if m not in report and not m.startswith("emer.flows") and deps & report}
    assert offenders == {}


def test_nothing_imports_the_export_plugin():
    offenders = {m: sorted(deps & EXPORT) for m, deps in GRAPH.items() if m not in EXPORT and deps & EXPORT}
    assert EXPORT and offenders == {}


def test_every_package_folder_is_installed():
    """A regular (non-editable) install only ships the packages pyproject.toml lists."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {".".join(("emer", *p.parent.relative_to(ROOT).parts)) for package in (*PACKAGES, "prompts")
               for p in (ROOT / package).rglob("__init__.py")}
    assert folders - listed == set()


def test_no_module_is_over_400_lines():
    long = {m: n for m, path in _modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


# pipeline/ grouped by role, bottom to top: a module imports only its own layer and those below it. Evaluation,
# export and report sit above all of them and only the command line (and flows) import them (tests above).
LAYERS = ("records", "store", "inputs", "evidence", "reasoning", "run")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[2]) if len(parts) > 2 and parts[1] == "pipeline" and parts[2] in LAYERS else None


def test_each_layer_imports_only_itself_and_the_layers_below():
    # the schema writer documents every output, evaluation's too (which modules import evaluation: tested above)
    offenders = {m: sorted(d for d in deps if d.startswith("emer.pipeline.") and
                           not (m in MAY_IMPORT_EVALUATION and d in EVALUATION) and
                           ((ld := _layer(d)) is None or ld > _layer(m)))
                 for m, deps in GRAPH.items() if _layer(m) is not None}
    assert {m: d for m, d in offenders.items() if d} == {}


def test_pipeline_holds_no_loose_modules_but_the_command_line():
    loose = {p.name for p in (ROOT / "pipeline").glob("*.py")} - {"__init__.py", "cli.py"}
    assert loose == set()


def test_the_checker_reads_its_word_lists_through_the_lexicons_public_functions():
    """checker_lexicon.yaml is read once, by checker/lexicon.py; the other checker modules take their words through
    `word_set` / `lexicon_section`, never the parsed YAML (`_DATA`) or a private reader of it."""
    from emer.pipeline.reasoning.checker.lexicon import lexicon_section, word_set

    private: list[tuple[str, str]] = []
    for name, path in _modules().items():
        if name.startswith("emer.pipeline.reasoning.checker.") and not name.endswith(".lexicon"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "emer.pipeline.reasoning.checker.lexicon":
                    private += [(name, a.name) for a in node.names if a.name in ("_DATA", "_module_set")]
    assert private == []
    headings = lexicon_section("style")["headings"]
    headings["what is said"] = "changed"  # a copy: a caller cannot change the others' words
    assert lexicon_section("style")["headings"]["what is said"] == "The person says"
    assert "the" in word_set("style", "clause_starts")
