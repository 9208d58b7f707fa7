"""What ``pip install -e '.[test]'`` brings, and what the README's examples leave behind."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_test_extra_installs_the_linters_the_readme_runs():
    """ruff and mypy, run in the README's Development section, come with the test extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0]
             for requirement in project["optional-dependencies"]["test"]}
    assert {"ruff", "mypy"} <= names
    readme = (REPO / "README.md").read_text()
    assert "ruff check src tests" in readme and "mypy src" in readme


def test_readme_export_and_plot_examples_write_inside_the_demo_directory():
    """Following the README leaves the repository clean: outputs go under gridcollect-demo."""
    readme = (REPO / "README.md").read_text()
    outputs = re.findall(r"--output ([\w./-]+\.[a-z]+)", readme)  # files, not PATH
    assert outputs, "the README shows no --output"
    assert all(path.startswith("gridcollect-demo/") for path in outputs), outputs
