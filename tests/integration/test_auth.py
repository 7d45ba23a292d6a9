# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authentication modes: basic, token from api_key, explicit token, and an expired token."""

from __future__ import annotations

import re

from cloudagent_harness.layout import BASIC_API_KEY, BASIC_USER, DEMO_API_KEY, DEMO_USER
from helpers import delete_specs, requests_to

NO_API_KEY_IN_ENV = {"OZONETEL_API_KEY": None}


def test_basic_auth_sends_the_api_key_and_never_asks_for_a_token(emulator, run_playbook):
    emulator.seed(BASIC_USER, spec="1-10")
    emulator.seed(DEMO_USER, spec="1-10")

    result = run_playbook(
        "delete.yml", {"row_id": "2-4", "auth_mode": "basic", "user_name": BASIC_USER, "api_key": BASIC_API_KEY}
    )

    assert result.rc == 0, result
    assert result.one("Delete the requested rows")["changed"] is True
    assert emulator.ids(BASIC_USER) == [1, 5, 6, 7, 8, 9, 10]
    assert emulator.ids(DEMO_USER) == list(range(1, 11))
    counters = emulator.counters()
    assert counters["generate_token"] == 0
    assert [entry["auth"] for entry in requests_to(counters, "delete")] == ["apikey"]


def test_basic_auth_selected_through_the_environment(emulator, run_playbook):
    emulator.seed(BASIC_USER, spec="1-3")

    result = run_playbook(
        "delete.yml",
        {"row_id": 2},
        env={"OZONETEL_AUTH_MODE": "basic", "OZONETEL_USERNAME": BASIC_USER, "OZONETEL_API_KEY": BASIC_API_KEY},
    )

    assert result.rc == 0, result
    assert emulator.ids(BASIC_USER) == [1, 3]
    assert emulator.counters()["generate_token"] == 0


def test_an_explicit_token_is_used_without_any_api_key(emulator, run_playbook, token_cache_file):
    emulator.seed(DEMO_USER, spec="1-10")

    result = run_playbook(
        "explicit_token.yml", {"row_id": "1-5", "ozonetel_api_key": DEMO_API_KEY}, env=NO_API_KEY_IN_ENV
    )

    assert result.rc == 0, result
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]
    counters = emulator.counters()
    assert counters["generate_token_ok"] == 1, "only the lookup generates; the module has no api_key to do so"
    deletes = requests_to(counters, "delete")
    assert [entry["auth"] for entry in deletes] == ["bearer"]
    token = result.one("Get a token")["ansible_facts"]["cloudagent_token"]
    assert token in token_cache_file.read_text(encoding="utf-8")


def test_an_expired_token_is_refreshed_once_with_an_api_key_and_refused_without(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    first = run_playbook(
        "explicit_token.yml", {"row_id": "1-5", "ozonetel_api_key": DEMO_API_KEY}, env=NO_API_KEY_IN_ENV
    )
    assert first.rc == 0, first
    stale_token = first.one("Get a token")["ansible_facts"]["cloudagent_token"]
    emulator.advance_clock(3700)
    before = emulator.counters()

    result = run_playbook(
        "expired_token.yml",
        {"row_id": "6-10", "stale_token": stale_token, "cloudagent_api_key": DEMO_API_KEY},
        env=NO_API_KEY_IN_ENV,
    )

    assert result.rc == 0, result
    refused = result.one("Delete with the stale token and no api key")
    assert refused.get("changed") is not True
    assert re.search(r"expired", refused["msg"], re.IGNORECASE), refused["msg"]
    assert "api_key" in refused["msg"] or "OZONETEL_API_KEY" in refused["msg"], refused["msg"]
    refreshed = result.one("Delete with the api key (the cache still holds the stale token)")
    assert refreshed["changed"] is True
    assert emulator.ids(DEMO_USER) == []
    counters = emulator.counters()
    assert counters["generate_token_ok"] - before["generate_token_ok"] == 1, "exactly one refresh"
    assert counters["generate_token"] - before["generate_token"] == 1
    new_requests = counters["requests"][len(before["requests"]) :]
    # the stale token without api key gives up; with api key: the cached stale token, one refresh, one repeat
    assert [entry["endpoint"] for entry in new_requests] == ["delete", "delete", "generate_token", "delete"]
    assert [entry["api_message"] for entry in new_requests[:2]] == ["Token Expired", "Token Expired"]
    assert new_requests[-1]["api_status"] == "success"
    assert delete_specs(counters)[-1] == "6-10"
    assert "Traceback" not in result.output
