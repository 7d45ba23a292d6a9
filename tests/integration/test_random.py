# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Randomised "nothing lost, nothing extra": random row_id mixes over 300 rows, with faults and a rerun."""

from __future__ import annotations

import os
import random

from cloudagent_harness.layout import DEMO_USER
from cloudagent_harness.planner_oracle import expand_row_id_value, expected_plan, spec_ids
from helpers import delete_specs

SEED = int(os.environ.get("OZONETEL_TEST_SEED", "20261127"))
ROWS = 300
TASK = "Delete each requested set"


def random_item(rng):
    """One row_id item in a random form."""
    form = rng.choice(["int", "numeric string", "comma list", "range"])
    if form == "int":
        return rng.randint(1, ROWS + 20)
    if form == "numeric string":
        return str(rng.randint(1, ROWS + 20))
    if form == "comma list":
        return ",".join(str(n) for n in rng.sample(range(1, ROWS + 20), rng.randint(2, 40)))
    first = rng.randint(1, ROWS)
    return "%d-%d" % (first, first + rng.randint(0, 60))


def random_row_id(rng):
    if rng.random() < 0.4:
        return random_item(rng)
    return [random_item(rng) for _count in range(rng.randint(2, 6))]


def without_repeats(specs):
    return [spec for index, spec in enumerate(specs) if index == 0 or spec != specs[index - 1]]


def assert_specs_cover(specs, requests, batch_size):
    """The DELETEs of each request are its optimal plan, in order (retries repeat a spec, so compress them)."""
    expected = [spec for request in requests for spec in expected_plan(expand_row_id_value(request), batch_size)]
    assert without_repeats(specs) == without_repeats(expected)
    for spec in specs:
        spec_ids(spec)


def test_random_deletes_remove_exactly_the_requested_rows(emulator, run_playbook):
    rng = random.Random(SEED)  # set OZONETEL_TEST_SEED to explore other cases
    emulator.seed(DEMO_USER, spec="1-%d" % ROWS)
    alive = set(range(1, ROWS + 1))

    plain = [random_row_id(rng) for _count in range(4)]
    result = run_playbook("delete_many.yml", {"row_id_requests": plain, "batch_size": 25})
    assert result.rc == 0, result
    for request in plain:
        alive -= set(expand_row_id_value(request))
    assert set(emulator.ids(DEMO_USER)) == alive
    assert_specs_cover(delete_specs(emulator.counters()), plain, 25)

    faulty = [random_row_id(rng) for _count in range(4)]
    before = len(emulator.counters()["requests"])
    emulator.faults(
        [
            dict(endpoint="delete", kind="http_status", status=503, skip=1),
            dict(endpoint="delete", kind="max_limit", skip=1),
            dict(endpoint="delete", kind="drop", skip=2),
            dict(endpoint="delete", kind="http_status", status=429, retry_after=0, skip=1),
        ]
    )
    # Small batches, so that there are enough DELETEs to meet every fault.
    result = run_playbook("delete_many.yml", {"row_id_requests": faulty, "batch_size": 10})
    assert result.rc == 0, result
    for request in faulty:
        alive -= set(expand_row_id_value(request))
    assert set(emulator.ids(DEMO_USER)) == alive
    counters = emulator.counters()
    assert emulator.pending_faults() == [], "every injected fault was met"
    assert_specs_cover(delete_specs({"requests": counters["requests"][before:]}), faulty, 10)
    assert counters["invalid_specs"] == 0

    rerun = run_playbook("delete_many.yml", {"row_id_requests": faulty, "batch_size": 10})
    assert rerun.rc == 0, rerun
    assert set(emulator.ids(DEMO_USER)) == alive
    for item_result in rerun.one(TASK)["results"]:
        assert item_result["changed"] is False
        assert {batch["result"] for batch in item_result["batches"]} == {"not_found"}
