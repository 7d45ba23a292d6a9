# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run this Python on the given arguments as a child process and log the child's peak RSS and wall time.

The status benchmark uses it twice, the same way: as ``ansible_python_interpreter`` (the child is
then the module process that Ansible starts: AnsiballZ runs the module inside it) and in front of
the floor script. The log (a JSON line per child, appended to $OZONETEL_BENCH_RSS_LOG) holds the
child's own ``ru_maxrss`` from ``os.wait4``: neither this wrapper nor Ansible's worker is counted.
Standard input and output pass through untouched, so Ansible reads the module's result as usual.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - replaced by the child program
        os.execv(sys.executable, [sys.executable] + sys.argv[1:])
    _pid, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    log = os.environ.get("OZONETEL_BENCH_RSS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(
                json.dumps(
                    {
                        "program": os.path.basename(sys.argv[1]) if len(sys.argv) > 1 else "",
                        "max_rss_kb": usage.ru_maxrss,
                        "seconds": seconds,
                    }
                )
                + "\n"
            )
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
