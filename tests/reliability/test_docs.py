"""docs/reliability.md lists exactly the scenarios the suite proves."""

from __future__ import annotations

import subprocess
import sys

from .docs import BEGIN, END, REPO, Scenario, render, rewrite


def test_the_scenario_table_in_the_docs_matches_the_marked_tests():
    """The generator, in check mode, finds nothing to change in docs/reliability.md."""
    checked = subprocess.run([sys.executable, "-m", "tests.reliability.docs", "--check"],
                             cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_new_or_changed_scenario_changes_the_table():
    """The check can fail: one more scenario, or another outcome, rewrites the document."""
    one = Scenario("Redis is down", "exit 3", "tests/x.py::test_a")
    document = f"intro\n{render([one])}\nafter\n"
    assert rewrite(document, render([one])) == document
    changed = Scenario("Redis is down", "exit 1 | partial", "tests/x.py::test_a")
    updated = rewrite(document, render([one, changed]))
    assert updated != document and "exit 1 \\| partial" in updated
    assert updated.startswith("intro\n" + BEGIN) and updated.endswith(END + "\nafter\n")
