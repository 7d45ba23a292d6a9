# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Benchmark helper that writes task durations and a few result keys to a JSON file
description:
  - Used by tests/bench/benchmark.py only. The file is named by the environment variable
    E(OZONETEL_BENCH_RECORD); nothing is written when it is unset.
  - A task lasts from its start until the last host reported on it.
requirements:
  - enable in configuration
"""

import json
import os
import time
from collections.abc import Mapping

from ansible.plugins.callback import CallbackBase

# Only these keys are kept: enough to check the plan and the outcome, never a header or a token.
KEPT_KEYS = ("changed", "failed", "batches", "row_ids", "deleted", "not_found", "msg", "status")


class CallbackModule(CallbackBase):
    """Collects per-task timings so the benchmark can tell module time from ansible-playbook start-up."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("OZONETEL_BENCH_RECORD")
        self._started = time.perf_counter()
        self._tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._tasks.append({"name": task.get_name(), "start": time.perf_counter(), "end": None, "results": []})

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        if not self._path:
            return
        tasks = [_finished(task) for task in self._tasks]
        with open(self._path, "w", encoding="utf-8") as stream:
            json.dump({"tasks": tasks, "playbook_seconds": time.perf_counter() - self._started}, stream, default=str)

    def _record(self, status, result):
        if not self._tasks:
            return
        task = self._tasks[-1]
        task["end"] = time.perf_counter()
        payload = _payload(result)
        kept = {key: payload[key] for key in KEPT_KEYS if key in payload}
        if isinstance(payload.get("results"), list):
            items = payload["results"]
            kept["items"] = len(items)
            kept["items_changed"] = sum(1 for item in items if isinstance(item, Mapping) and item.get("changed"))
            kept["items_failed"] = sum(1 for item in items if isinstance(item, Mapping) and item.get("failed"))
        kept["outcome"] = status
        task["results"].append(kept)


def _payload(result):
    # ansible-core 2.19 exposes the result dict as ``result``; older versions only as ``_result``.
    native = getattr(result, "result", None)
    return native if isinstance(native, Mapping) else result._result


def _finished(task):
    end = task["end"] if task["end"] is not None else task["start"]
    return {"name": task["name"], "seconds": end - task["start"], "results": task["results"]}
