# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A Redis token store shared by many "execution nodes": separate ansible-playbook processes, each with its
own HOME and no shared file cache, pointed at one real redis-server (started with a password by the test)."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from cloudagent_harness.layout import DEMO_USER
from fake_redis import TricklingRedis
from helpers import LOOKUP_ONCE, requests_to

NODES = range(1, 9)
NODE_TASKS = (
    "Delete the node's first row without a token",
    "Delete the node's second row without a token",
    "Delete the node's third row with the looked-up token",
    "Delete the node's fourth row without a token",
)
MASKED = "********"


def node_env(tmp_path, index, token_cache):
    node_dir = tmp_path / ("node%02d" % index)
    return {
        "HOME": str(node_dir / "home"),
        "XDG_CACHE_HOME": str(node_dir / "xdg-cache"),
        "ANSIBLE_LOCAL_TEMP": str(node_dir / "ansible-local"),
        "ANSIBLE_REMOTE_TMP": str(node_dir / "ansible-remote"),
        "OZONETEL_TOKEN_CACHE": token_cache,  # None removes it
    }


def seed_nodes(emulator, nodes):
    for index in nodes:
        emulator.seed(DEMO_USER, spec="%d-%d" % (index * 10 + 1, index * 10 + 9))


def run_fleet(playbook_runner, tmp_path, token_cache, nodes=NODES):
    """Start one node_play.yml per node at once and wait for all of them."""
    running = [
        playbook_runner.start(
            "node_play.yml", extravars={"node_index": index}, env=node_env(tmp_path, index, token_cache)
        )
        for index in nodes
    ]
    return [node.wait() for node in running]


def assert_fleet_succeeded(results, emulator, nodes=NODES):
    for index, result in zip(nodes, results):
        assert result.rc == 0, result
        read = result.one("Read the node's remaining rows")
        assert [record["id"] for record in read["scheduled_data"]] == list(range(index * 10 + 5, index * 10 + 10))
    assert not [
        entry for entry in emulator.counters()["requests"] if entry["api_message"] in ("Token Expired", "Invalid Token")
    ]


def assert_no_password(redis_server, *results):
    for result in results:
        assert redis_server.password not in result.output


def test_eight_nodes_with_one_redis_store_generate_one_token_and_a_rerun_none(
    emulator, playbook_runner, tmp_path, redis_server
):
    seed_nodes(emulator, NODES)

    first = run_fleet(playbook_runner, tmp_path, redis_server.url)

    assert_fleet_succeeded(first, emulator)
    assert emulator.counters()["generate_token"] == 1, "one generation for 8 nodes x (5 tasks + 1 lookup)"
    assert not any((tmp_path / ("node%02d" % index) / "xdg-cache").exists() for index in NODES), "no node used a file"
    keys = redis_server.keys()
    assert keys and all(key.startswith("ozonetel.cloudagent:") for key in keys)
    assert not [key for key in keys if DEMO_USER in key or "FAKE" in key], "keys name neither the user nor the key"

    seed_nodes(emulator, NODES)
    second = run_fleet(playbook_runner, tmp_path, redis_server.url)

    assert_fleet_succeeded(second, emulator)
    assert emulator.counters()["generate_token"] == 1, "a rerun within the token's life generates none"
    assert_no_password(redis_server, *first, *second)


FRESH_TOKENS = """
- hosts: localhost
  gather_facts: false
  tasks:
    # not no_log: ansible-core 2.16-2.18 would hide the lookup's error too; only the length is shown
    - name: Generate fresh tokens
      ansible.builtin.debug:
        msg: "a token of {{ lookup('ozonetel.cloudagent.ozonetel_token', cache=false) | length }} characters"
      loop: "{{ range(fresh_count | int) | list }}"
"""


def test_the_eleventh_generation_across_nodes_is_refused_naming_when_the_next_is_allowed(
    emulator, playbook_runner, tmp_path, redis_server
):
    first = playbook_runner.run(FRESH_TOKENS, extravars={"fresh_count": 6}, env=node_env(tmp_path, 1, redis_server.url))
    second = playbook_runner.run(
        FRESH_TOKENS, extravars={"fresh_count": 4}, env=node_env(tmp_path, 2, redis_server.url)
    )
    assert first.rc == 0 and second.rc == 0, (first, second)

    third = playbook_runner.run(FRESH_TOKENS, extravars={"fresh_count": 1}, env=node_env(tmp_path, 3, redis_server.url))

    assert third.rc != 0
    assert emulator.counters()["generate_token"] == 10, "the emulator never sees the 11th call"
    assert re.search(
        r"The next generation is allowed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in \d+ minutes?\)", third.output
    )
    assert "Redis token store redis://:%s@127.0.0.1:%d/0" % (MASKED, redis_server.port) in third.output
    assert "Traceback" not in third.output
    assert_no_password(redis_server, first, second, third)


INVALID_TOKEN_BODY = '{"status": "false", "message": "Invalid Token", "data": null}'


def test_a_token_evicted_as_refused_on_one_node_is_not_reused_by_another(
    emulator, playbook_runner, tmp_path, redis_server
):
    seed_nodes(emulator, [1, 2])
    primed = playbook_runner.run(
        FRESH_TOKENS, extravars={"fresh_count": 1}, env=node_env(tmp_path, 1, redis_server.url)
    )
    assert primed.rc == 0, primed
    # Node 1's next request is refused as Invalid Token, and its replacement generation fails: the refused
    # token must be gone from the store, so node 2 generates instead of reusing it.
    emulator.faults(
        [
            {"endpoint": "delete", "kind": "http_status", "status": 401, "body": INVALID_TOKEN_BODY},
            {"endpoint": "generate_token", "kind": "server_error_json"},
        ]
    )
    refused = playbook_runner.run(
        "node_play.yml", extravars={"node_index": 1}, env=node_env(tmp_path, 1, redis_server.url)
    )
    assert refused.rc != 0
    assert emulator.counters()["generate_token_ok"] == 1

    other = playbook_runner.run(
        "node_play.yml", extravars={"node_index": 2}, env=node_env(tmp_path, 2, redis_server.url)
    )

    assert other.rc == 0, other
    counters = emulator.counters()
    assert counters["generate_token_ok"] == 2, "node 2 generated a token instead of reusing the refused one"
    node2_deletes = [entry for entry in requests_to(counters, "delete") if entry["row_spec"].startswith("2")]
    assert [entry["api_status"] for entry in node2_deletes] == ["success"] * 4


STOP_MID_RUN = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Delete row 1 through the store
      ozonetel.cloudagent.ozonetel_schedule_data:
        row_id: 1
    - name: Tell the test that the first task is done
      ansible.builtin.copy:
        dest: "{{ reached_flag }}"
        content: reached
        mode: "0600"
    - name: Wait until the test stopped Redis
      ansible.builtin.wait_for:
        path: "{{ stopped_flag }}"
        timeout: 60
    - name: Delete row 2 through the store
      ozonetel.cloudagent.ozonetel_schedule_data:
        row_id: 2
"""


def test_redis_stopped_in_the_middle_of_a_run_fails_cleanly_naming_the_store(
    emulator, playbook_runner, tmp_path, redis_server
):
    emulator.seed(DEMO_USER, ids=[1, 2, 3])
    reached, stopped = tmp_path / "reached", tmp_path / "stopped"
    running = playbook_runner.start(
        STOP_MID_RUN,
        extravars={"reached_flag": str(reached), "stopped_flag": str(stopped)},
        env=node_env(tmp_path, 1, redis_server.url),
    )
    deadline = time.monotonic() + 120
    while not reached.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    redis_server.stop()
    stopped.write_text("stopped", encoding="utf-8")

    result = running.wait()

    assert result.rc != 0
    failure = result.one("Delete row 2 through the store")
    assert "Redis token store redis://:%s@127.0.0.1:%d/0" % (MASKED, redis_server.port) in failure["msg"]
    assert "cannot connect" in failure["msg"] and "No token is generated outside the shared ledger" in failure["msg"]
    assert "Traceback" not in result.output
    assert_no_password(redis_server, result)
    counters = emulator.counters()
    assert counters["generate_token"] == 1, "no generation happened without the ledger"
    assert [entry["row_spec"] for entry in requests_to(counters, "delete")] == ["1"], "nothing was deleted twice"
    assert emulator.ids(DEMO_USER) == [2, 3]


LOOKUP_THEN_READ = (
    LOOKUP_ONCE
    + """    - name: Read rows without a token
      ozonetel.cloudagent.ozonetel_schedule_data_info: {}
"""
)


def test_a_wrong_redis_password_fails_clearly_and_masked(emulator, playbook_runner, tmp_path, redis_server):
    wrong = "FAKE-WRONG-PASSWORD-0005"
    result = playbook_runner.run(LOOKUP_THEN_READ, env=node_env(tmp_path, 1, redis_server.url_with_password(wrong)))

    assert result.rc != 0
    assert "refused the user name or password" in result.output
    assert "redis://:%s@127.0.0.1:%d/0" % (MASKED, redis_server.port) in result.output
    assert wrong not in result.output and "Traceback" not in result.output
    assert emulator.counters()["generate_token"] == 0


def test_rediss_to_a_plain_port_fails_clearly(emulator, playbook_runner, tmp_path, redis_server):
    tls_url = redis_server.url.replace("redis://", "rediss://", 1)
    started = time.monotonic()
    result = playbook_runner.run(LOOKUP_THEN_READ, env=node_env(tmp_path, 1, tls_url))

    assert result.rc != 0
    assert (
        "Cannot read the token in the Redis token store rediss://:%s@127.0.0.1:%d/0" % (MASKED, redis_server.port)
        in result.output
    )
    assert "Traceback" not in result.output
    assert_no_password(redis_server, result)
    assert emulator.counters()["generate_token"] == 0
    assert time.monotonic() - started < 60


def test_a_unix_socket_url_works(emulator, playbook_runner, tmp_path, redis_server):
    result = playbook_runner.run(LOOKUP_THEN_READ, env=node_env(tmp_path, 1, redis_server.unix_url))

    assert result.rc == 0, result
    assert emulator.counters()["generate_token"] == 1
    assert_no_password(redis_server, result)


def test_the_redis_password_stays_out_of_verbose_output(emulator, playbook_runner, tmp_path, redis_server):
    module_url = "redis://:%s@127.0.0.1:%d/0" % (redis_server.password, redis_server.port)
    play = (
        """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read rows with the store given as an option
      ozonetel.cloudagent.ozonetel_schedule_data_info:
        token_cache: "%s"
"""
        % module_url
    )

    result = playbook_runner.run(play, env=node_env(tmp_path, 1, None), verbosity=3)

    assert result.rc == 0, result
    assert emulator.counters()["generate_token"] == 1
    assert redis_server.keys(), "the option, not a file, held the token"
    assert_no_password(redis_server, result)
    assert '"token_cache": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in result.output, "a no_log option"


# ---- the password in every URL form (an ACL user whose password holds reserved characters) --------------------

ACL_USER = "cloudagent_acl"
ACL_PASSWORD = "FAKE/acl@pass#0005"


def make_acl_user(redis_server, commands=("+@all",), password=ACL_PASSWORD):
    redis_server.client().acl_setuser(
        ACL_USER,
        enabled=True,
        reset=True,
        passwords=["+" + password],
        keys=["ozonetel.cloudagent:*"],
        commands=list(commands),
    )


def assert_no_password_form(password, *results):
    """Neither the password as written nor any encoded form of it, nor its halves, in output or results."""
    forms = {password, quote(password, safe=""), quote_plus(password), password[:8], password[-8:]}
    for result in results:
        seen = result.output + json.dumps(result.records)
        assert not [form for form in forms if form in seen], result


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


MODULE_AND_LOOKUP = (
    LOOKUP_ONCE
    + """    - name: Read rows with the store given as an option
      ozonetel.cloudagent.ozonetel_schedule_data_info:
        token_cache: "{{ store_url }}"
"""
)


@pytest.mark.parametrize(
    "form",
    [
        "redis://{user}@127.0.0.1:{port}/0?password={encoded}",
        "redis://{user}:{encoded}@127.0.0.1:{port}/0",
        "redis://127.0.0.1:{port}/0?password={encoded}&username={user}",
    ],
)
def test_an_acl_password_with_reserved_characters_works_in_each_url_form_and_never_shows_at_vvvv(
    emulator, playbook_runner, tmp_path, redis_server, form
):
    make_acl_user(redis_server)
    url = form.format(user=ACL_USER, port=redis_server.port, encoded=quote(ACL_PASSWORD, safe=""))

    result = playbook_runner.run(
        MODULE_AND_LOOKUP, extravars={"store_url": url}, env=node_env(tmp_path, 1, url), verbosity=4
    )

    assert result.rc == 0, result
    assert emulator.counters()["generate_token"] == 1, "the lookup and the module shared the token"
    assert redis_server.keys()
    assert_no_password_form(ACL_PASSWORD, result)


@pytest.mark.parametrize(
    "form, expected",
    [
        ("redis://{user}@127.0.0.1:{port}/0?password=FAKE-WRONG%2F0005", "refused the user name or password"),
        ("redis://{user}:FAKE-WRONG%2F0005@127.0.0.1:{port}/0", "refused the user name or password"),
        ("redis://{user}:FAKE/WRONG@0005@127.0.0.1:{port}/0", "must be percent-encoded"),
        ("redis://{user}@127.0.0.1:{closed}/0?password=FAKE-WRONG%2F0005", "cannot connect"),
    ],
)
def test_a_failing_store_is_named_with_its_password_masked_in_every_url_form(
    emulator, playbook_runner, tmp_path, redis_server, form, expected
):
    make_acl_user(redis_server)
    url = form.format(user=ACL_USER, port=redis_server.port, closed=closed_port())

    result = playbook_runner.run(
        MODULE_AND_LOOKUP, extravars={"store_url": url}, env=node_env(tmp_path, 1, url), verbosity=4
    )

    assert result.rc != 0
    assert expected in result.output
    assert "token_cache" in result.output or "Redis token store" in result.output
    assert "Traceback" not in result.output
    assert_no_password_form("FAKE-WRONG/0005", result)
    assert_no_password_form("FAKE/WRONG@0005", result)
    assert emulator.counters()["generate_token"] == 0


# ---- a deadline for every store operation; an unlock that fails hides nothing ----------------------------------

TRICKLE_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read rows through a trickling store
      ozonetel.cloudagent.ozonetel_schedule_data_info: {}
      ignore_errors: true
    - name: Get a token through a trickling store
      ansible.builtin.debug:
        msg: "a token of {{ lookup('ozonetel.cloudagent.ozonetel_token') | length }} characters"
"""


def test_a_store_that_trickles_its_answer_fails_each_task_within_the_deadline(emulator, playbook_runner, tmp_path):
    with TricklingRedis(interval=0.5) as server:
        url = "redis://:FAKE-TRICKLE-PASSWORD-0008@127.0.0.1:%d/0" % server.port
        result = playbook_runner.run(TRICKLE_PLAY, env=node_env(tmp_path, 1, url), timeout=120)

    assert result.rc != 0
    module_task, lookup_task = result.records_of("Read rows through a trickling store") + result.records_of(
        "Get a token through a trickling store"
    )
    for record in (module_task, lookup_task):
        assert record["status"] == "failed"
        assert record["task_seconds"] < 15, "a store operation ends within its 5 s deadline (plus task start-up)"
        message = record["result"]["msg"]
        assert "no complete answer within 5 s" in message, message
        assert "the Redis token store redis://:********@127.0.0.1:%d/0" % server.port in message
    assert "FAKE-TRICKLE" not in result.output and "Traceback" not in result.output
    assert emulator.counters()["generate_token"] == 0


DOCS_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "docsite" / "rst" / "guide_authentication.rst"


def documented_acl_rules():
    """The ACL rules the authentication guide gives for a Redis user of the collection (``ACL SETUSER ...``)."""
    for line in DOCS_GUIDE.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\s*ACL SETUSER (\S+) on >(\S+) (.+)$", line)
        if found:
            return found.group(3).split()
    raise AssertionError("the authentication guide shows no ACL SETUSER line")


def make_documented_acl_user(redis_server, without=()):
    rules = [rule for rule in documented_acl_rules() if rule not in without]
    assert len(rules) == len(documented_acl_rules()) - len(without), "each rule left out is documented"
    redis_server.client().execute_command("ACL", "SETUSER", ACL_USER, "reset", "on", ">" + ACL_PASSWORD, *rules)
    return "redis://%s:%s@127.0.0.1:%d/0" % (ACL_USER, quote(ACL_PASSWORD, safe=""), redis_server.port)


def test_an_acl_user_with_exactly_the_documented_commands_runs_every_store_operation(
    emulator, playbook_runner, tmp_path, redis_server
):
    url = make_documented_acl_user(redis_server)
    assert "+eval" not in documented_acl_rules() and "+@all" not in documented_acl_rules()
    seed_nodes(emulator, [1, 2])

    first = playbook_runner.run("node_play.yml", extravars={"node_index": 1}, env=node_env(tmp_path, 1, url))
    assert first.rc == 0, first
    # a refused token: dropped (only if it is still the stored one) and replaced under the lock
    emulator.faults([{"endpoint": "delete", "kind": "http_status", "status": 401, "body": INVALID_TOKEN_BODY}])
    second = playbook_runner.run("node_play.yml", extravars={"node_index": 2}, env=node_env(tmp_path, 2, url))

    assert second.rc == 0, second
    assert emulator.counters()["generate_token"] == 2, "one generation, one replacement of the refused token"
    for result in (first, second):
        assert not [record for record in result.task_results if record["result"].get("warnings")], result
    assert not [key for key in redis_server.keys() if key.endswith(":lock")], "every lock was released"
    assert_no_password_form(ACL_PASSWORD, first, second)


TWO_TASKS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Delete row 1 through the store
      ozonetel.cloudagent.ozonetel_schedule_data:
        row_id: 1
    - name: Delete row 2 through the store
      ozonetel.cloudagent.ozonetel_schedule_data:
        row_id: 2
"""


def test_an_unlock_the_acl_refuses_leaves_the_stored_token_in_use_with_a_warning(
    emulator, playbook_runner, tmp_path, redis_server
):
    url = make_documented_acl_user(redis_server, without=("+del",))
    emulator.seed(DEMO_USER, ids=[1, 2, 3])

    result = playbook_runner.run(TWO_TASKS, env=node_env(tmp_path, 1, url))

    assert result.rc == 0, result
    first = result.one("Delete row 1 through the store")
    assert first["changed"] is True
    warning = " ".join(first["warnings"])
    assert "Cannot unlock in the Redis token store redis://%s:********@127.0.0.1" % ACL_USER in warning
    assert "expires by itself within 90 s" in warning
    second = result.records_of("Delete row 2 through the store")[0]
    assert second["task_seconds"] < 15, "reusing the stored token does not wait for the left-over lock"
    assert emulator.counters()["generate_token"] == 1, "the generated token was stored and reused"
    assert emulator.ids(DEMO_USER) == [3]
    lock_keys = [key for key in redis_server.keys() if key.endswith(":lock")]
    assert len(lock_keys) == 1 and 0 < redis_server.client().pttl(lock_keys[0]) <= 90000
    assert_no_password_form(ACL_PASSWORD, result)
