# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two ansible-playbook processes at once, one with 20 hosts and 10 forks: one token in total, every delete right."""

from __future__ import annotations

import json

from cloudagent_harness.layout import DEMO_USER

WIDE_HOSTS = range(1, 21)
OTHER_HOSTS = range(21, 26)
FIRST_DELETE = "Delete each host's first row without a token (all hosts race for one)"
SECOND_DELETE = "Delete each host's second row with the token from the lookup"
READ_REST = "Read each host's remaining rows without a token"


def assert_every_host_succeeded(result, host_indexes):
    assert result.rc == 0, result
    for index in host_indexes:
        host = "host%02d" % index
        assert result.one(FIRST_DELETE, host)["changed"] is True, host
        assert result.one(SECOND_DELETE, host)["changed"] is True, host
        read = result.one(READ_REST, host)
        assert [record["id"] for record in read["scheduled_data"]] == list(range(index * 10 + 3, index * 10 + 10))


def test_parallel_runs_and_forks_share_one_token(emulator, playbook_runner, host_inventory, token_cache_file):
    for index in list(WIDE_HOSTS) + list(OTHER_HOSTS):
        emulator.seed(DEMO_USER, spec="%d-%d" % (index * 10 + 1, index * 10 + 9))

    wide = playbook_runner.start("many_hosts.yml", inventory=host_inventory(WIDE_HOSTS, "wide"), forks=10)
    other = playbook_runner.start("many_hosts.yml", inventory=host_inventory(OTHER_HOSTS, "other"), forks=5)
    wide_result, other_result = wide.wait(), other.wait()

    assert_every_host_succeeded(wide_result, WIDE_HOSTS)
    assert_every_host_succeeded(other_result, OTHER_HOSTS)
    expected = set()
    for index in list(WIDE_HOSTS) + list(OTHER_HOSTS):
        expected |= set(range(index * 10 + 3, index * 10 + 10))
    assert set(emulator.ids(DEMO_USER)) == expected
    counters = emulator.counters()
    assert counters["generate_token"] == 1, "one token for both processes, all hosts and forks"
    assert counters["invalid_specs"] == 0
    assert not [entry for entry in counters["requests"] if entry["api_message"] == "Token Expired"]
    assert counters["delete"] == 2 * (len(WIDE_HOSTS) + len(OTHER_HOSTS))
    json.loads(token_cache_file.read_text(encoding="utf-8"))
