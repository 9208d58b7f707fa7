"""``--help`` says what each command does and accepts, and nothing it refuses."""

from __future__ import annotations

import re

import pytest

from .cli import REPO, run_cli

CSAT = ["miso", "csat-supply-demand"]


def words(text: str) -> str:
    """Help text with click's line wrapping undone."""
    return " ".join(text.split())


def offered(help_text: str) -> set[str]:
    """The long options a --help lists."""
    return set(re.findall(r"^\s+(--[a-z0-9-]+)", help_text, flags=re.MULTILINE))


def test_watch_help_lists_no_option_that_watch_refuses():
    """--force and --skip-hash-check are not offered by watch (and still refused)."""
    result = run_cli("watch", "--help")
    assert result.code == 0
    assert {"--force", "--skip-hash-check"}.isdisjoint(offered(result.stdout))
    assert "--param" in offered(result.stdout)


def test_outbox_flush_help_lists_only_what_a_flush_uses():
    """A flush only delivers: fetch and store switches are not offered."""
    result = run_cli("outbox", "flush", "--help")
    assert result.code == 0
    options = offered(result.stdout)
    assert options.isdisjoint({"--force", "--skip-hash-check", "--api-base-url", "--timeout",
                               "--max-retries", "--insecure"})
    assert {"--output-dir", "--redis-url", "--kafka-connection-string"} <= options


def test_outbox_flush_runs_without_the_options_it_no_longer_offers(tmp_path):
    """A flush of an empty outbox delivers nothing and exits 0."""
    result = run_cli("outbox", "flush", "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    assert result.summary == {"delivered": 0, "notifications_pending": 0}


def test_outbox_flush_refuses_a_fetch_option():
    """A fetch option given to flush is a one-line usage error."""
    result = run_cli("outbox", "flush", "--timeout", "5")
    assert result.code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: No such option '--timeout'.")
    assert line.endswith("(see 'gridcollect outbox flush --help')")


def test_help_shows_the_environment_variables():
    """Every option read from the environment names its variable in --help."""
    text = words(run_cli(*CSAT, "--help").stdout)
    for variable in ("GRIDCOLLECT_OUTPUT_DIR", "REDIS_URL", "REDIS_PORT", "S3_BUCKET",
                     "KAFKA_CONNECTION_STRING", "MISO_API_BASE_URL"):
        assert f"env var: {variable}" in text, variable
    assert "env var: GRIDCOLLECT_STATE_DIR" in words(run_cli("status", "--help").stdout)


def test_top_level_help_cuts_no_description_off():
    """Each command's summary in gridcollect --help is whole, not cut with '...'."""
    result = run_cli("--help")
    commands = result.stdout.split("Commands:")[1]
    assert "..." not in commands
    listed = [line.split()[0] for line in commands.strip().splitlines()]
    assert listed == ["collect", "datasets", "demo", "export", "miso", "outbox", "plot",
                      "query", "status", "tables", "watch"]


@pytest.mark.parametrize("args", [["status"], CSAT, ["watch"], ["outbox", "flush"]])
def test_bracketed_defaults_follow_two_spaces(args):
    """'[default: ...]' never sits right after a word with one space, as click sets it."""
    text = run_cli(*args, "--help").stdout
    assert not re.search(r"\S \[(default|env var):", text), text


def test_demo_help_explains_every_option():
    """demo --help says what --output-dir and --serve do."""
    text = words(run_cli("demo", "--help").stdout)
    assert "--output-dir DIRECTORY Where the demo stores" in text
    assert "--serve Instead, serve the sample responses" in text


def test_regions_read_in_capitals_in_help_and_errors_as_in_the_readme():
    """--help, the error for an unknown region and the README spell regions alike."""
    assert "--region [CENTRAL|SOUTH|NORTH]" in run_cli(*CSAT, "--help").stdout
    assert "`gridcollect miso csat-supply-demand --start-datetime T --end-datetime T " \
           "[--region CENTRAL\\|SOUTH\\|NORTH]`" in (REPO / "README.md").read_text()
    result = run_cli(*CSAT, "--start-datetime", "2025-12-05", "--end-datetime", "2025-12-05",
                     "--region", "west")
    assert result.code == 2
    assert "'west' is not one of 'CENTRAL', 'SOUTH', 'NORTH'" in result.stderr


def test_readme_options_table_lists_every_shared_option():
    """Each option of a collect command (but its window) has a row in the README's table."""
    readme = (REPO / "README.md").read_text()
    table = readme.split("### Options shared by every collect command")[1].split("\n\n")[1]
    options = offered(run_cli("miso", "realtime-total-load", "--help").stdout)
    options -= {"--start-date", "--end-date", "--help"}
    assert len(options) > 20
    missing = [name for name in options if f"`{name}" not in table and f"/{name}" not in table]
    assert missing == []
