"""``gridcollect demo`` as a new user meets it: the next commands it prints work as
printed, and ``demo --serve`` is a MISO stand-in that ``watch`` collects from."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from ..support.processes import free_port
from .cli import clean_env, run_cli
from .test_watch_cli import stop, wait_for, watch


def printed_commands(stdout: str) -> list[list[str]]:
    """The gridcollect commands listed after 'Next, try', as argument lists."""
    block = stdout.split("Next, try", 1)[1]
    return [shlex.split(line.split("#")[0])[1:] for line in block.splitlines()
            if line.strip().startswith("gridcollect ")]


def test_demo_ends_with_next_commands_that_work_as_printed(tmp_path):
    """status, export and plot as the demo prints them show what it stored."""
    out = tmp_path / "demo"
    demo = run_cli("demo", "--output-dir", str(out), timeout=120)
    assert demo.code == 0, demo.stderr
    commands = {args[0]: args for args in printed_commands(demo.stdout)}
    assert set(commands) == {"status", "export", "plot", "demo"}

    status = run_cli(*commands["status"])
    assert status.code == 0 and status.stderr == ""
    assert "never" not in status.stdout
    for name in ("export", "plot"):
        result = run_cli(*commands[name])
        assert result.code == 0, result.stderr
        assert Path(result.summary["output"]).parent == out  # the repository stays clean
        assert Path(result.summary["output"]).is_file()


def test_status_says_when_it_finds_no_store(tmp_path):
    """status on a directory that holds no store says so, and where the demo's is."""
    missing = tmp_path / "does-not-exist"
    result = run_cli("status", "--output-dir", str(missing))
    assert result.code == 0
    [line] = result.stderr.splitlines()
    assert line.startswith(f"warning: no store at {missing} (it does not exist)")
    assert "--output-dir gridcollect-demo" in line
    assert not missing.exists()


def test_demo_port_without_serve_is_a_usage_error():
    """--port means nothing without --serve: refused in one line rather than ignored."""
    result = run_cli("demo", "--port", "8765")
    assert result.code == 2
    assert result.stderr.startswith("error: --port applies only with --serve")


def serve(*command: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", *command], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=clean_env())


def test_demo_serve_feeds_the_watch_command_it_prints(tmp_path):
    """demo --serve prints a watch command; run as printed, it stores snapshots and stays
    healthy; Ctrl-C ends the stand-in with exit 0."""
    out = tmp_path / "lake"
    server = serve("gridcollect", "demo", "--serve", "--output-dir", str(out))
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("MISO stand-in on http://127.0.0.1:"), lines
        printed = shlex.split(lines[2])
        assert printed[:2] == ["gridcollect", "watch"], lines
        port = free_port()
        args = [str(port) if arg == "9464" else arg for arg in printed[2:]]
        log = tmp_path / "watch.log"
        with watch(*args, log=log) as process:
            wait_for(lambda: len(list(out.rglob("*.json.gz"))) >= 3, 30, "a snapshot each")
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            stop(process, log)
        assert (health.status_code, health.text) == (200, "ok\n")
        server.send_signal(signal.SIGINT)
        assert server.wait(10) == 0
        assert "stopped after answering" in server.stdout.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)


def test_python_m_replay_serves_as_demo_serve_does():
    """python -m gridcollect.replay is not silent: it serves and says where."""
    server = serve("gridcollect.replay", "--port", "0")
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("MISO stand-in on http://127.0.0.1:")
        server.send_signal(signal.SIGTERM)
        assert server.wait(10) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
