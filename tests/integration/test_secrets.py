# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No api key or token in a -vvvv run's output or results; the cache file is private."""

from __future__ import annotations

import json
import stat

from cloudagent_harness.layout import BASIC_API_KEY, BASIC_USER, DEMO_API_KEY, DEMO_USER
from helpers import JWT_PATTERN, SecretScan

WRONG_API_KEY = "FAKE-WRONG-API-KEY-0099"


def test_a_very_verbose_run_leaks_no_secret_and_the_cache_is_private(emulator, run_playbook, token_cache_file):
    emulator.seed(DEMO_USER, spec="1-12")
    emulator.seed(BASIC_USER, spec="1-3")

    result = run_playbook(
        "secrets.yml",
        {"basic_user": BASIC_USER, "basic_api_key": BASIC_API_KEY, "wrong_api_key": WRONG_API_KEY},
        verbosity=4,
    )

    assert result.rc == 0, result
    # The run did walk every path (else a clean scan proves nothing).
    assert emulator.ids(DEMO_USER) == [5, 7, 9, 10, 11, 12]
    assert emulator.ids(BASIC_USER) == [1, 3]
    assert result.one("Read scheduled data (the vendor's records carry the api key)")["scheduled_data"]
    assert result.one("Predict a delete in check mode")["changed"] is True
    assert "Invalid userName or apiKey" in result.one("Delete with a wrong api key")["msg"]
    assert result.one("Keep the lookup's refusal")["ansible_facts"]["lookup_refusal"]
    assert len(result.stdout) > 10000, "-vvvv output expected"

    cache_text = token_cache_file.read_text(encoding="utf-8")
    tokens = set(JWT_PATTERN.findall(cache_text))
    assert tokens, "the cache must hold the token generated during the run"
    json.loads(cache_text)
    secrets = {"demo api key": DEMO_API_KEY, "basic api key": BASIC_API_KEY, "wrong api key": WRONG_API_KEY}
    secrets.update({"token %d" % number: token for number, token in enumerate(sorted(tokens), start=1)})
    scan = SecretScan(secrets)
    scan.scan("stdout", result.stdout)
    scan.scan("stderr", result.stderr)
    scan.scan("task results", json.dumps(result.records))
    assert scan.hits == {}, "secrets found: %r" % scan.hits
    for name in ("demo api key", "basic api key", "wrong api key"):
        assert secrets[name] not in cache_text, "the cache file stores the %s" % name

    assert stat.S_IMODE(token_cache_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_cache_file.parent.stat().st_mode) == 0o700
