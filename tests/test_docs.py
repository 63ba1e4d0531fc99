"""The documentation tells the truth it can be checked for: the generated reference pages match the code, the site
builds with no broken link, and the Prefect logging setting names the loggers emer really logs to."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_generated_reference_pages_are_current():
    done = subprocess.run([sys.executable, "scripts/reference_docs.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_the_site_builds_strictly(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    done = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "cli" / "index.html").is_file()


def _module_loggers() -> list[str]:
    """The logger names of every module that logs under its own name (`logging.getLogger(__name__)`)."""
    names = []
    for folder in ("pipeline", "extractors", "flows"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "getLogger(__name__)" in path.read_text(encoding="utf-8"):
                parts = path.relative_to(ROOT).with_suffix("").parts
                names.append(".".join(("emer", *parts[:-1], *([] if parts[-1] == "__init__" else [parts[-1]]))))
    return names


def test_prefect_is_told_the_loggers_emer_logs_to():
    deployment = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"][0]
    setting = deployment["work_pool"]["job_variables"]["env"]["PREFECT_LOGGING_EXTRA_LOGGERS"]
    extra = [n.strip() for n in setting.split(",")]
    loggers = _module_loggers()
    assert "emer.pipeline.run.steps" in loggers and "emer.flows.workers" in loggers
    for name in loggers:
        assert any(name == e or name.startswith(f"{e}.") for e in extra), f"{name} is not under {setting}"
    for doc in ("README.md", "docs/prefect.md"):
        shown = re.findall(r"PREFECT_LOGGING_EXTRA_LOGGERS=(\S+)", (ROOT / doc).read_text(encoding="utf-8"))
        assert shown == [setting], (doc, shown)
