# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token rules: one generation per run whatever the hosts and forks, none on a rerun, cache=false, the ledger."""

from __future__ import annotations

import json
import re

from cloudagent_harness.layout import DEMO_USER
from helpers import requests_to

HOST_INDEXES = range(1, 6)
FIRST_DELETE = "Delete each host's first row without a token (all hosts race for one)"
SECOND_DELETE = "Delete each host's second row with the token from the lookup"
READ_REST = "Read each host's remaining rows without a token"


def seed_host_rows(emulator, host_indexes):
    for index in host_indexes:
        emulator.seed(DEMO_USER, spec="%d-%d" % (index * 10 + 1, index * 10 + 9))


def assert_host_rows_after_run(emulator, result, host_indexes, expect_changed):
    remaining = set(emulator.ids(DEMO_USER))
    for index in host_indexes:
        host = "host%02d" % index
        own = set(range(index * 10 + 1, index * 10 + 10))
        assert own & remaining == own - {index * 10 + 1, index * 10 + 2}, host
        assert result.one(FIRST_DELETE, host)["changed"] is expect_changed, host
        assert result.one(SECOND_DELETE, host)["changed"] is expect_changed, host
        read = result.one(READ_REST, host)
        assert [record["id"] for record in read["scheduled_data"]] == list(range(index * 10 + 3, index * 10 + 10))


def test_five_hosts_with_five_forks_generate_one_token_and_a_rerun_none(emulator, run_playbook, host_inventory):
    seed_host_rows(emulator, HOST_INDEXES)
    inventory = host_inventory(HOST_INDEXES)

    first = run_playbook("many_hosts.yml", inventory=inventory, forks=5)

    assert first.rc == 0, first
    assert_host_rows_after_run(emulator, first, HOST_INDEXES, expect_changed=True)
    after_first = emulator.counters()
    assert after_first["generate_token_ok"] == 1
    assert after_first["generate_token"] == 1
    assert all(entry["api_message"] != "Token Expired" for entry in after_first["requests"])

    second = run_playbook("many_hosts.yml", inventory=inventory, forks=5)

    assert second.rc == 0, second
    assert_host_rows_after_run(emulator, second, HOST_INDEXES, expect_changed=False)
    assert emulator.counters()["generate_token"] == 1, "a second run within the token's life generates none"


def test_cache_false_generates_a_fresh_token_that_later_cached_lookups_reuse(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-3")

    result = run_playbook("token_lookup.yml")

    assert result.rc == 0, result
    first = result.one("Look up a token through the cache")["ansible_facts"]["first_token"]
    fresh = result.one("Look up a fresh token, bypassing the cache")["ansible_facts"]["fresh_token"]
    cached = result.one("Look up a token through the cache again")["ansible_facts"]["cached_token"]
    assert fresh != first
    assert cached == fresh
    read = result.one("Read scheduled data with the token the cache holds now")
    assert [record["id"] for record in read["scheduled_data"]] == [1, 2, 3]
    counters = emulator.counters()
    assert counters["generate_token_ok"] == 2
    assert [entry["api_message"] for entry in requests_to(counters, "get_scheduled_data")] != ["Token Expired"]
    assert len(requests_to(counters, "get_scheduled_data")) == 1, "the read used the newest token at once"


def test_the_eleventh_generation_in_an_hour_is_refused_locally(emulator, run_playbook, token_cache_file):
    result = run_playbook("token_ledger.yml")

    assert result.rc == 0, result
    counters = emulator.counters()
    assert counters["generate_token"] == 10, "the emulator must not see an 11th call"
    assert counters["generate_token_ok"] == 10
    refusal = result.one("Keep the refusal")["ansible_facts"]["refusal"]
    assert re.search(r"\b10\b", refusal), refusal
    assert re.search(r"next|again|allowed|after|wait", refusal, re.IGNORECASE), refusal
    assert re.search(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}|\d+\s*(s|sec|seconds?|min|minutes?)\b", refusal), (
        "the refusal must say when the next generation is allowed: %s" % refusal
    )
    assert "Traceback" not in result.output
    json.loads(token_cache_file.read_text(encoding="utf-8"))
