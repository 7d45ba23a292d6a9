# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: result_recorder
type: aggregate
short_description: Test helper that appends every task result and its timing, as one JSON line, to a file
description:
  - Used by the integration tests and the benchmark only. The file is named by the environment variable
    E(OZONETEL_TEST_RESULTS); nothing is written when it is unset.
  - Each task result carries C(task_seconds), the time from the start of its task to that result, so a
    task lasts until its last result.
  - When E(OZONETEL_TEST_RESULT_KEYS) holds a comma-separated list of keys, each result keeps only those.
requirements:
  - enable in configuration
"""

import json
import os
import time
from collections.abc import Mapping

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Records results in a file so the tests never have to parse human-oriented stdout."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("OZONETEL_TEST_RESULTS")
        self._kept_keys = [key for key in os.environ.get("OZONETEL_TEST_RESULT_KEYS", "").split(",") if key]
        self._task_started = time.perf_counter()

    def _write(self, record):
        if not self._path:
            return
        with open(self._path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record, default=_plain, sort_keys=True) + "\n")

    def _record(self, status, result):
        task_seconds = time.perf_counter() - self._task_started
        payload = dict(_result_of(result))
        payload["warnings"] = _warning_texts(result, payload.get("warnings"))
        self._write(
            {
                "event": "task",
                "status": status,
                "host": _first_attribute(result, "host", "_host").get_name(),
                "task": _first_attribute(result, "task", "_task").get_name(),
                "task_seconds": task_seconds,
                "result": self._kept(payload),
            }
        )

    def _kept(self, payload):
        # The benchmark keeps a few keys only: its uri tasks would otherwise record the bearer token they send.
        if not self._kept_keys:
            return payload
        return {key: payload[key] for key in self._kept_keys if key in payload}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_started = time.perf_counter()

    def v2_playbook_on_handler_task_start(self, task):
        self._task_started = time.perf_counter()

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._write({"event": "stats", "stats": {host: stats.summarize(host) for host in hosts}})


def _first_attribute(result, *names):
    # ansible-core 2.19 renamed the callback attributes; older versions only have the underscored ones.
    for name in names:
        value = getattr(result, name, None)
        if value is not None:
            return value
    raise AttributeError(names[-1])


def _result_of(result):
    native = getattr(result, "result", None)
    return native if isinstance(native, Mapping) else result._result


def _plain(value):
    """JSON fallback: warning summaries become their text, anything else its str()."""
    event = getattr(value, "event", None)
    return getattr(event, "msg", None) or str(value)


def _warning_texts(result, raw):
    summaries = getattr(result, "warnings", None)
    texts = []
    for warning in summaries if summaries is not None else (raw or []):
        texts.append(_plain(warning) if not isinstance(warning, str) else warning)
    return texts
