"""``python -m bench.rusage OUT -- COMMAND...``: run COMMAND, write its wall time, CPU
time and peak RSS to OUT as JSON, exit with its code.

A child's peak RSS is only its own when it was forked from a small process: Linux
carries the peak of the process that exec'd into it (here the benchmark, tens of MB).
This launcher is that small process.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    out, separator, *command = sys.argv[1:]
    assert separator == "--" and command, __doc__
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    with open(out, "w") as handle:
        json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                   "max_rss_mb": usage.ru_maxrss / 1024}, handle)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
