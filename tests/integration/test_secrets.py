# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No api key or token in a -vvvv run's output or results; the cache file is private."""

from __future__ import annotations

import datetime
import json
import stat
from urllib.parse import quote, quote_plus

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


ECHO_USER = "echo_user"
ECHO_API_KEY = "FAKE/ECHO+KEY=0003&x y"  # characters that URL-encoding changes


def test_secrets_the_api_echoes_in_its_own_messages_are_masked_everywhere(emulator, run_playbook, token_cache_file):
    emulator.add_account(ECHO_USER, ECHO_API_KEY, "TOKEN_AUTH")
    emulator.add_campaign(ECHO_USER, "echo_campaign")
    emulator.settings(echo_request=True)
    moment = (datetime.datetime.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:00")
    rows = [dict(phone_number="9900000001", scheduled_time=moment), dict(phone_number="12345", scheduled_time=moment)]
    env = {"OZONETEL_USERNAME": ECHO_USER, "OZONETEL_API_KEY": ECHO_API_KEY}

    rejected = run_playbook(
        "present.yml", {"wanted_rows": rows, "campaign_name": "echo_campaign"}, env=env, verbosity=4, diff=True
    )
    refused = run_playbook(
        "present.yml", {"wanted_rows": rows, "campaign_name": "no_such_campaign"}, env=env, verbosity=4
    )

    # Both runs walked the echoing paths (else a clean scan proves nothing).
    assert rejected.rc != 0 and refused.rc != 0
    row_message = rejected.one("Schedule the rows")["rejected"][0]["message"]
    assert row_message.startswith("Invalid PhoneNumber [request: Authorization=Bearer ********"), row_message
    assert "[request: Authorization=Bearer ********" in refused.one("Schedule the rows")["msg"]
    tokens = set(JWT_PATTERN.findall(token_cache_file.read_text(encoding="utf-8")))
    assert tokens, "the cache must hold the token generated during the run"
    secrets = {
        "api key": ECHO_API_KEY,
        "api key, URL-encoded": quote(ECHO_API_KEY, safe=""),
        "api key, URL-encoded (lower case)": quote(ECHO_API_KEY, safe="").lower(),
        "api key, form-encoded": quote_plus(ECHO_API_KEY),
    }
    for number, token in enumerate(sorted(tokens), start=1):
        secrets["token %d" % number] = token
        secrets["token %d, first half" % number] = token[: len(token) // 2]
    scan = SecretScan(secrets)
    for name, run in (("rejected", rejected), ("refused", refused)):
        scan.scan("%s stdout" % name, run.stdout)
        scan.scan("%s stderr" % name, run.stderr)
        scan.scan("%s task results" % name, json.dumps(run.records))
    assert scan.hits == {}, "secrets found: %r" % scan.hits
