"""Claim owners: a holder is judged dead only on this host, PID namespace and boot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from gridcollect.owner import is_dead, owner_of, process_is_gone, this_owner
from gridcollect.replay import ReplayServer, Reply

from .e2e.cli import REPO, run_cli
from .reliability.runs import BODY, LOAD, clean_env


def finished_pid() -> int:
    """The PID of a process that ran here and has been reaped."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def wait_for_zombie(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as file:
            stat = file.read()
        if stat.rpartition(")")[2].split()[0] == "Z":
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never became a zombie")


def test_an_owner_names_host_pid_namespace_and_boot():
    """This process's owner carries what separates containers and reboots on one host."""
    owner = this_owner()
    assert owner.startswith(f"{socket.gethostname()}:{os.getpid()} ")
    if os.path.exists("/proc/self/ns/pid"):
        assert f"pidns={os.stat('/proc/self/ns/pid').st_ino}" in owner
        assert "boot=" in owner


def test_a_finished_local_process_is_dead_and_a_running_one_is_not():
    """Same host, namespace and boot: the process table decides."""
    assert is_dead(owner_of(finished_pid()))
    assert not is_dead(owner_of(os.getppid()))
    assert not is_dead(this_owner())


@pytest.mark.parametrize("rewrite", [
    lambda owner: owner.replace("pidns=", "pidns=1"),
    lambda owner: owner.replace("boot=", "boot=0"),
    lambda owner: owner.split(" ")[0],  # the older host:pid form
    lambda owner: "elsewhere" + owner[owner.index(":"):],
], ids=["other-pid-namespace", "other-boot", "old-format", "other-host"])
def test_a_holder_elsewhere_is_presumed_alive(rewrite):
    """Another namespace, boot or host (or an owner that does not say) is never judged."""
    owner = owner_of(finished_pid())
    assert is_dead(owner)
    assert not is_dead(rewrite(owner))


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare(1)")
def test_a_live_worker_in_another_pid_namespace_is_not_judged_dead():
    """Containers sharing the host name: a live holder whose PID means nothing here
    (or another process) stays alive for us."""
    # The child takes a PID far above this namespace's, then says who it is and waits.
    script = ("echo 99990 > /proc/sys/kernel/ns_last_pid && exec 3<&0 && "
              f"{sys.executable} -c 'from gridcollect.owner import this_owner; "
              "print(this_owner(), flush=True); import sys; sys.stdin.read()'")
    try:
        child = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    except OSError as exc:
        pytest.skip(f"cannot start a PID namespace: {exc}")
    try:
        owner = child.stdout.readline().strip()
        if not owner:
            pytest.skip(f"cannot start a PID namespace: {child.stderr.read().strip()}")
        pid = int(owner.split(" ")[0].rpartition(":")[2])
        assert process_is_gone(pid), "the PID should not exist in this namespace"
        assert owner.split(" ")[0] == f"{socket.gethostname()}:{pid}"
        assert not is_dead(owner)
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def test_a_zombie_is_dead():
    """A killed child its parent has not reaped yet no longer runs."""
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        wait_for_zombie(zombie.pid)
        assert process_is_gone(zombie.pid)
        assert is_dead(owner_of(zombie.pid))
    finally:
        zombie.wait()


@pytest.mark.scenario("A worker is killed mid-store and its parent has not reaped it yet "
                      "(a zombie); the command runs again at once",
                      outcome="the zombie's claim is taken over without waiting for its "
                              "lease; stored once")
def test_a_rerun_takes_over_the_claim_of_an_unreaped_killed_worker(tmp_path):
    """The killed worker is a zombie of this test (never reaped until the end): the
    re-run judges it dead, supersedes its claim and stores the snapshot."""
    with ReplayServer({"/RealTimeTotalLoad": Reply(body=BODY)}) as miso:
        args = [*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path)]
        killed = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_harness", "mid-store", "--", *args],
            cwd=REPO, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_zombie(killed.pid)
            again = run_cli(*args)
        finally:
            killed.wait()
    assert again.code == 0, again.stderr
    assert again.summary["collected"] == 1, again.stdout
