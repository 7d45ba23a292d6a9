# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token rules: one generation per run whatever the hosts and forks, none on a rerun, cache=false, the ledger."""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from pathlib import Path

import pytest
from cloudagent_emulator.control import Emulator
from cloudagent_harness.layout import DEMO_USER
from cloudagent_harness.redis_server import free_port
from helpers import LOOKUP_ONCE, requests_to

OTHER_USER = "other_user"
OTHER_API_KEY = "FAKE-OTHER-API-KEY-0006"

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


# ---------------------------------------------------------------- defects of the token cache (issue 7)

READ_TWICE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read rows
      ozonetel.cloudagent.ozonetel_schedule_data_info: {}
    - name: Read rows again
      ozonetel.cloudagent.ozonetel_schedule_data_info: {}
"""

INVALID_TOKEN_BODY = '{"status": "false", "message": "Invalid Token", "data": null}'


def test_cached_token_answered_invalid_token_after_a_vendor_restart_is_evicted(run_playbook, token_cache_file):
    port = free_port()
    with Emulator.start(["--port", str(port)]) as before_restart:
        before_restart.seed(DEMO_USER, ids=[1, 2])
        first = run_playbook(READ_TWICE, env={"OZONETEL_BASE_URL": before_restart.url})
        assert first.rc == 0, first
    with Emulator.start(["--port", str(port)]) as restarted:  # a new signing secret: old tokens are unknown
        restarted.seed(DEMO_USER, ids=[1, 2])

        second = run_playbook(READ_TWICE, env={"OZONETEL_BASE_URL": restarted.url})

        assert second.rc == 0, second
        counters = restarted.counters()
        assert counters["generate_token_ok"] == 1, "one fresh token, reused by the second task"
        assert [entry["api_message"] for entry in requests_to(counters, "get_scheduled_data")][0] == "Invalid Token"
        assert [record["id"] for record in second.one("Read rows again")["scheduled_data"]] == [1, 2]
        third = run_playbook(READ_TWICE, env={"OZONETEL_BASE_URL": restarted.url})
        assert third.rc == 0, third
        assert restarted.counters()["generate_token_ok"] == 1


def test_fresh_token_refused_too_fails_suggesting_basic_auth(emulator, run_playbook):
    emulator.faults(
        [
            {
                "endpoint": "get_scheduled_data",
                "kind": "http_status",
                "status": 401,
                "body": INVALID_TOKEN_BODY,
                "times": 2,
            }
        ]
    )

    result = run_playbook(READ_TWICE)

    assert result.rc != 0
    message = result.one("Read rows")["msg"]
    assert "auth_mode: basic" in message and "Invalid Token" in message
    assert emulator.counters()["generate_token"] == 2, "the first token and one replacement, no third"


LOST_GENERATIONS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Get a token through the cache
      ansible.builtin.set_fact:
        first_token: "{{ lookup('ozonetel.cloudagent.ozonetel_token') }}"
      no_log: true
    # one task each, not a loop: ansible-core 2.16-2.18 end a looped lookup's task at its first error
%s    - name: Ask for a token once more
      block:
        - name: Get a token through the cache again
          ansible.builtin.set_fact:
            last_token: "{{ lookup('ozonetel.cloudagent.ozonetel_token') }}"
          no_log: true
      rescue:
        - name: Keep the refusal
          ansible.builtin.set_fact:
            refusal: "{{ ansible_failed_result.msg }}"
""" % "".join(
    """    - name: Ask for a fresh token whose answer is lost (%d of 9)
      ansible.builtin.set_fact:
        lost_token: "{{ lookup('ozonetel.cloudagent.ozonetel_token', cache=false, timeout=1) }}"
      ignore_errors: true
      no_log: true
"""
    % number
    for number in range(1, 10)
)


def test_lost_token_generations_reach_the_ledger(emulator, run_playbook):
    emulator.fault(endpoint="generate_token", kind="delay", seconds=2.5, times=9, skip=1)

    result = run_playbook(LOST_GENERATIONS)

    assert result.rc == 0, result
    wait_for_counter(emulator, "generate_token_ok", 10)
    assert emulator.counters()["generate_token"] == 10, "the vendor counted 10 generations; an 11th was never sent"
    refusal = result.one("Keep the refusal")["ansible_facts"]["refusal"]
    assert "10 tokens were generated" in refusal and "The next generation is allowed at" in refusal


def test_slow_generation_for_one_account_does_not_block_another_account(emulator, playbook_runner):
    emulator.add_account(OTHER_USER, OTHER_API_KEY)
    other_env = {"OZONETEL_USERNAME": OTHER_USER, "OZONETEL_API_KEY": OTHER_API_KEY}
    assert playbook_runner.run(LOOKUP_ONCE, env=other_env).rc == 0  # the other account has a valid token
    emulator.fault(endpoint="generate_token", kind="delay", seconds=20)
    slow_started = time.monotonic()
    slow = playbook_runner.start(LOOKUP_ONCE)
    wait_until(lambda: not emulator.pending_faults(), "the slow generation to reach the emulator")

    healthy = playbook_runner.run(LOOKUP_ONCE, env=other_env)
    healthy_done = time.monotonic()
    slow_result = slow.wait()

    assert healthy.rc == 0 and slow_result.rc == 0, (healthy, slow_result)
    assert healthy_done < slow_started + slow_result.elapsed, "the healthy lookup waited for the other account"
    assert emulator.counters()["generate_token"] == 2


def test_lock_file_planted_by_another_user_is_refused_instead_of_hanging(emulator, run_playbook, token_cache_file):
    token_cache_file.parent.mkdir(mode=0o700)
    planted = Path(str(token_cache_file) + ".lock")
    planted.write_text("", encoding="utf-8")
    os.chmod(planted, 0o666)
    if os.getuid() == 0:
        os.chown(planted, 65534, 65534)
    holder = os.open(str(planted), os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # the other user's process holds it, forever
    try:
        result = run_playbook(LOOKUP_ONCE, timeout=120)
    finally:
        os.close(holder)

    assert result.rc != 0
    assert str(planted) in result.output
    assert ("owned by uid 65534" in result.output) if os.getuid() == 0 else ("Waited 60 s" in result.output)
    assert emulator.counters()["generate_token"] == 0


def test_ledger_entries_dated_in_the_future_are_clamped(emulator, run_playbook, token_cache_file, ansible_env):
    month_ahead = time.time() + 30 * 86400
    entry = {"token": "FAKE-STALE-TOKEN", "expires_at": 0, "key_digest": "0" * 32, "generated": [month_ahead] * 10}
    account = ansible_env["OZONETEL_BASE_URL"].rstrip("/").lower() + "|" + DEMO_USER
    token_cache_file.parent.mkdir(mode=0o700)
    token_cache_file.write_text(json.dumps({"version": 1, "accounts": {account: entry}}), encoding="utf-8")
    os.chmod(token_cache_file, 0o600)

    result = run_playbook(LOOKUP_ONCE)

    assert result.rc != 0
    assert "(in 60 minutes)" in result.output, "future-dated entries count as made now, not a month ahead"
    assert emulator.counters()["generate_token"] == 0


def test_token_expiry_is_measured_on_the_local_clock(emulator, run_playbook, token_cache_file):
    emulator.advance_clock(7200)  # the vendor's clock runs two hours ahead: its exp claim says "in 3 hours"
    received = time.time()

    result = run_playbook(LOOKUP_ONCE)

    assert result.rc == 0, result
    (entry,) = json.loads(token_cache_file.read_text(encoding="utf-8"))["accounts"].values()
    assert received + 3600 - 5 <= entry["expires_at"] <= time.time() + 3600 + 5


ABSURD_LIFETIME = 1e17  # seconds: as milliseconds it overflows Redis PX
DAY = 86400

LOOKUP_THEN_MODULE = (
    LOOKUP_ONCE
    + """    - name: Read rows without a token
      ozonetel.cloudagent.ozonetel_schedule_data_info: {}
"""
)


def stored_lifetime_left(store, token_cache_file, redis_server) -> float:
    """Seconds the store still keeps the token, read from the store itself."""
    if store == "file":
        (entry,) = json.loads(token_cache_file.read_text(encoding="utf-8"))["accounts"].values()
        return entry["expires_at"] - time.time()
    (token_key,) = [key for key in redis_server.keys() if key.endswith(":token")]
    return redis_server.client().pttl(token_key) / 1000.0


@pytest.mark.parametrize("store", ["file", "redis"])
def test_a_token_with_an_absurd_lifetime_is_kept_24_hours_and_reused(
    emulator, run_playbook, token_cache_file, request, store
):
    redis_server = request.getfixturevalue("redis_server") if store == "redis" else None
    env = {"OZONETEL_TOKEN_CACHE": redis_server.url} if redis_server else None
    emulator.settings(token_ttl=ABSURD_LIFETIME)

    first = run_playbook(LOOKUP_THEN_MODULE, env=env)
    second = run_playbook(LOOKUP_THEN_MODULE, env=env)

    assert first.rc == 0, first
    assert second.rc == 0, second
    assert emulator.counters()["generate_token"] == 1, "the second run reused the token"
    assert DAY - 60 < stored_lifetime_left(store, token_cache_file, redis_server) <= DAY


def wait_until(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.1)


def wait_for_counter(emulator, name, wanted):
    wait_until(lambda: emulator.counters()[name] >= wanted, "%s to reach %d" % (name, wanted))


def test_the_lookup_accepts_cache_path_as_an_alias_of_token_cache(emulator, run_playbook, tmp_path, token_cache_file):
    elsewhere = tmp_path / "alias-cache" / "tokens.json"
    play = LOOKUP_ONCE.replace(
        "lookup('ozonetel.cloudagent.ozonetel_token')",
        "lookup('ozonetel.cloudagent.ozonetel_token', cache_path='%s')" % elsewhere,
    )

    result = run_playbook(play)

    assert result.rc == 0, result
    assert elsewhere.exists() and not token_cache_file.exists()
