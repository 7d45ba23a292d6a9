# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""state=present end to end: only missing rows are POSTed, reruns send nothing, exclusive and replace_changed
touch only pending rows, rejected rows are reported; judged by the emulator's rows and request log."""

from __future__ import annotations

import datetime
import json

import pytest

from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from cloudagent_harness.planner_oracle import expected_plan
from helpers import JWT_PATTERN, SecretScan, delete_specs, requests_to

FIRST = "Schedule the rows"
AGAIN = "Schedule the same rows again"
SEEDED_FIRST_TIME = datetime.datetime(2026, 12, 1, 9, 0, 0)  # the emulator synthesizes seeded rows from their id


def future(minutes: int, days: int = 1) -> str:
    """A local time inside the API's 30-day window."""
    base = datetime.datetime.now().replace(second=0, microsecond=0) + datetime.timedelta(days=days)
    return (base + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


def new_rows(count: int, first_phone: int = 9900000000, **columns) -> list:
    return [dict(phone_number=str(first_phone + n), scheduled_time=future(n), **columns) for n in range(count)]


def seeded_row(row_id: int) -> dict:
    """The identity the emulator gives a seeded row."""
    moment = SEEDED_FIRST_TIME + datetime.timedelta(minutes=row_id % 100000)
    return dict(phone_number="98%08d" % row_id, scheduled_time=moment.strftime("%Y-%m-%d %H:%M:%S"))


def identities(records) -> set:
    return {(record["phone_number"], record["scheduled_time"]) for record in records}


def wanted_identities(rows) -> set:
    return {(row["phone_number"], row["scheduled_time"].replace("T", " ")) for row in rows}


class Requests:
    """The vendor requests the emulator received since the last call."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.seen = len(emulator.counters()["requests"])

    def since_last(self) -> dict:
        log = self.emulator.counters()["requests"]
        new, self.seen = log[self.seen :], len(log)
        return {
            "posts": [entry for entry in new if entry["endpoint"] == "schedule"],
            "deletes": [entry["row_spec"] for entry in new if entry["endpoint"] == "delete"],
            "reads": sum(1 for entry in new if entry["endpoint"] == "get_scheduled_data"),
        }


def test_250_new_rows_take_3_posts_and_the_identical_rerun_sends_nothing(emulator, run_playbook):
    wanted = new_rows(250, name="Customer")
    log = Requests(emulator)

    first = run_playbook("present.yml", {"wanted_rows": wanted})
    first_requests = log.since_last()
    again = run_playbook("present.yml", {"wanted_rows": wanted})
    again_requests = log.since_last()

    assert first.rc == 0 and again.rc == 0, first
    held = emulator.records(DEMO_USER)
    assert identities(held) == wanted_identities(wanted) and len(held) == 250
    assert [post["rows"] for post in first_requests["posts"]] == [100, 100, 50]
    assert first_requests["reads"] == 2 and first_requests["deletes"] == []
    assert again_requests == {"posts": [], "deletes": [], "reads": 1}
    result = first.one(FIRST)
    assert result["changed"] is True
    assert [entry["index"] for entry in result["created"]] == list(range(250))
    ids_by_identity = {(r["phone_number"], r["scheduled_time"]): r["id"] for r in held}
    assert [entry["row_id"] for entry in result["created"]] == [
        ids_by_identity[(row["phone_number"], row["scheduled_time"])] for row in wanted
    ]
    assert [b["kind"] for b in result["batches"]] == ["read", "create", "create", "create", "read"]
    assert result["deleted"] == "" and result["rejected"] == [] and result["differing"] == []
    rerun = again.one(FIRST)
    assert rerun["changed"] is False and rerun["created"] == [] and rerun["deleted"] == ""
    assert [b["kind"] for b in rerun["batches"]] == ["read"]


def test_check_mode_predicts_the_first_run_exactly_without_writing(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-30")
    wanted = [seeded_row(n) for n in (3, 4, 5)] + new_rows(120)
    log = Requests(emulator)

    predicted = run_playbook("present.yml", {"wanted_rows": wanted, "exclusive": True}, check=True, diff=True)
    predicted_requests = log.since_last()
    real = run_playbook("present.yml", {"wanted_rows": wanted, "exclusive": True}, diff=True)
    real_requests = log.since_last()

    assert predicted.rc == 0 and real.rc == 0, predicted
    assert predicted_requests == {"posts": [], "deletes": [], "reads": 1}
    guess, done = predicted.one(FIRST), real.one(FIRST)
    assert guess["changed"] is done["changed"] is True
    assert [(c["index"], c["phone_number"], c["scheduled_time"]) for c in guess["created"]] == [
        (c["index"], c["phone_number"], c["scheduled_time"]) for c in done["created"]
    ]
    assert {c["row_id"] for c in guess["created"]} == {None}
    assert guess["deleted"] == done["deleted"] == "1-2,6-30"
    assert guess["diff"]["before"] == done["diff"]["before"]
    assert len(guess["diff"]["after"].splitlines()) == len(done["diff"]["after"].splitlines()) == 120
    assert len(real_requests["posts"]) == 2 and real_requests["deletes"] == expected_plan(
        list(range(1, 3)) + list(range(6, 31)), 100
    )


def test_exclusive_deletes_exactly_the_undeclared_pending_rows_with_the_fewest_deletes_and_never_a_sent_row(
    emulator, run_playbook
):
    emulator.seed(DEMO_USER, spec="1-40")
    emulator.seed(DEMO_USER, spec="41-50", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="60-65,70,72,74")
    emulator.seed(DEMO_USER, spec="100-110", campaign_name="other_campaign")
    declared = [seeded_row(n) for n in (1, 2, 3, 45, 62)]
    wanted = declared + new_rows(5)
    log = Requests(emulator)

    result = run_playbook("present.yml", {"wanted_rows": wanted, "exclusive": True, "rerun": True})
    first_requests = log.since_last()

    assert result.rc == 0, result
    doomed = list(range(4, 41)) + [60, 61, 63, 64, 65, 70, 72, 74]
    held_ids = {record["id"] for record in emulator.records(DEMO_USER)}
    assert held_ids.isdisjoint(doomed)
    assert set(range(41, 51)) <= held_ids, "a sent row was deleted"
    assert set(range(100, 111)) <= held_ids, "a row of another campaign was deleted"
    assert {1, 2, 3, 62} <= held_ids
    assert first_requests["deletes"] == expected_plan(doomed, 100)
    assert len(first_requests["posts"]) == 1
    assert result.one(FIRST)["deleted"] == "4-40,60-61,63-65,70,72,74"
    again = result.one(AGAIN)
    assert again["changed"] is False and again["deleted"] == ""


def test_exclusive_with_no_rows_clears_the_pending_schedule_only(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-20")
    emulator.seed(DEMO_USER, spec="21-25", is_request_sent=True)

    result = run_playbook("present.yml", {"wanted_rows": [], "exclusive": True})

    assert result.rc == 0, result
    assert emulator.ids(DEMO_USER) == list(range(21, 26))
    assert delete_specs(emulator.counters()) == ["1-20"]
    assert requests_to(emulator.counters(), "schedule") == []


def test_replace_changed_recreates_only_pending_rows_whose_fields_differ(emulator, run_playbook):
    wanted = new_rows(5, name="Asha", priority=1)
    assert run_playbook("present.yml", {"wanted_rows": wanted}).rc == 0
    before = {(r["phone_number"], r["scheduled_time"]): r for r in emulator.records(DEMO_USER)}
    sent_id = before[(wanted[1]["phone_number"], wanted[1]["scheduled_time"])]["id"]
    emulator.dial(DEMO_USER, [sent_id])
    changed = [dict(row) for row in wanted]
    changed[0]["name"] = "Asha Rao"  # pending: replaced
    changed[1]["name"] = "Asha Rao"  # sent: history, never touched
    changed[2]["priority"] = 2  # pending: replaced
    log = Requests(emulator)

    left_alone = run_playbook("present.yml", {"wanted_rows": changed})
    left_alone_requests = log.since_last()
    replaced = run_playbook("present.yml", {"wanted_rows": changed, "replace_changed": True, "rerun": True})
    replaced_requests = log.since_last()

    assert left_alone.rc == 0 and replaced.rc == 0, replaced
    assert left_alone_requests == {"posts": [], "deletes": [], "reads": 1}
    alone = left_alone.one(FIRST)
    assert alone["changed"] is False
    assert [(d["index"], d["is_request_sent"]) for d in alone["differing"]] == [(0, False), (1, True), (2, False)]
    assert alone["differing"][0]["changes"] == {"Name": {"existing": "Asha", "wanted": "Asha Rao"}}
    old_ids = [before[(row["phone_number"], row["scheduled_time"])]["id"] for row in wanted]
    assert replaced_requests["deletes"] == expected_plan([old_ids[0], old_ids[2]], 100)
    assert [post["rows"] for post in replaced_requests["posts"]] == [2]
    after = {(r["phone_number"], r["scheduled_time"]): r for r in emulator.records(DEMO_USER)}
    assert after[(wanted[0]["phone_number"], wanted[0]["scheduled_time"])]["columns"]["Name"] == "Asha Rao"
    assert after[(wanted[2]["phone_number"], wanted[2]["scheduled_time"])]["columns"]["Priority"] == "2"
    assert after[(wanted[1]["phone_number"], wanted[1]["scheduled_time"])]["id"] == sent_id
    assert {r["id"] for r in after.values()} >= {sent_id, old_ids[3], old_ids[4]}
    result = replaced.one(FIRST)
    assert [c["index"] for c in result["created"]] == [0, 2]
    assert [d["index"] for d in result["differing"]] == [1]
    again = replaced.one(AGAIN)
    assert again["changed"] is False and [d["index"] for d in again["differing"]] == [1]


def test_rejected_rows_are_reported_the_other_batches_go_out_and_the_rerun_creates_nothing_twice(
    emulator, run_playbook
):
    wanted = new_rows(150)
    wanted[5]["phone_number"] = "12345"
    wanted[120]["phone_number"] = "+1 (234)"
    wanted[130]["scheduled_time"] = future(0, days=40)
    log = Requests(emulator)

    first = run_playbook("present.yml", {"wanted_rows": wanted})
    first_requests = log.since_last()
    again = run_playbook("present.yml", {"wanted_rows": wanted})
    again_requests = log.since_last()

    assert first.rc != 0 and again.rc != 0
    assert [post["rows"] for post in first_requests["posts"]] == [100, 50]
    assert [post["rows"] for post in again_requests["posts"]] == [3]
    assert len(emulator.records(DEMO_USER)) == 147
    assert len(identities(emulator.records(DEMO_USER))) == 147, "a row was created twice"
    for run in (first, again):
        result = run.one(FIRST)
        assert [(r["index"], r["message"]) for r in result["rejected"]] == [
            (5, "Invalid PhoneNumber"),
            (120, "Invalid PhoneNumber"),
            (130, "ScheduledTime should be within the next 30 days"),
        ]
        assert "rows[5]" in result["msg"] and "rows[130]" in result["msg"]
    assert len(first.one(FIRST)["created"]) == 147
    assert again.one(FIRST)["created"] == []


def test_unknown_campaign_fails_with_the_api_message(emulator, run_playbook):
    result = run_playbook("present.yml", {"wanted_rows": new_rows(2), "campaign_name": "no_such_campaign"})

    assert result.rc != 0
    assert "api_key or campaign_name is invalid or not found" in result.one(FIRST)["msg"]
    emulator.add_campaign(DEMO_USER, "no_such_campaign")
    assert run_playbook("present.yml", {"wanted_rows": new_rows(2), "campaign_name": "no_such_campaign"}).rc == 0
    assert len(emulator.records(DEMO_USER)) == 2


@pytest.mark.parametrize(
    "extravars, expected",
    [
        ({"wanted_rows": [{"phone_number": "9876543210"}]}, "rows[0] has no scheduled_time"),
        (
            {"wanted_rows": [{"phone_number": "9876543210", "scheduled_time": "2026-12-02T09:00:00+05:30"}]},
            "rows[0].scheduled_time '2026-12-02T09:00:00+05:30' carries a time zone",
        ),
        (
            {
                "wanted_rows": [
                    {"phone_number": "9876543210", "scheduled_time": "2026-12-02 09:00"},
                    {"phone_number": "98765 43210", "scheduled_time": "2026-12-02T09:00:00"},
                ]
            },
            "rows[1] has the same phone number and scheduled time as rows[0]",
        ),
        (
            {"wanted_rows": [{"phone_number": "1", "scheduled_time": "2026-12-02 09:00"}, "oops"]},
            "rows[1] must be a dict",
        ),
        (
            {"wanted_rows": [{"phone_number": "1", "scheduled_time": "2026-12-02 09:00", "priority": "high"}]},
            "rows[0].priority must be an integer",
        ),
        (
            {"wanted_rows": [{"phone_number": -1, "scheduled_time": "2026-12-02 09:00"}]},
            "rows[0].phone_number -1 is not a phone number",
        ),
        ({"wanted_rows": [], "exclusive": True, "campaign_name": ""}, "exclusive: true needs campaign_name"),
        ({"schedule_state": "absent"}, "state=absent needs row_id or a selector"),
    ],
)
def test_bad_input_fails_before_any_request_naming_the_row(emulator, run_playbook, extravars, expected):
    result = run_playbook("present.yml", extravars)

    assert result.rc != 0
    assert expected in result.one(FIRST)["msg"]
    assert emulator.counters()["requests"] == []


def test_a_very_verbose_present_run_with_a_diff_leaks_no_secret(emulator, run_playbook, token_cache_file):
    emulator.seed(DEMO_USER, spec="1-5")
    wanted = new_rows(3, name="Asha")
    assert run_playbook("present.yml", {"wanted_rows": wanted}).rc == 0
    wanted[0]["name"] = "Asha Rao"
    wanted.append(dict(phone_number="12345", scheduled_time=future(30)))

    result = run_playbook(
        "present.yml", {"wanted_rows": wanted, "exclusive": True, "replace_changed": True}, verbosity=4, diff=True
    )

    assert result.rc != 0 and result.one(FIRST)["deleted"], "the run must walk the delete, create and reject paths"
    assert result.one(FIRST)["rejected"] and result.one(FIRST)["created"]
    tokens = set(JWT_PATTERN.findall(token_cache_file.read_text(encoding="utf-8")))
    scan = SecretScan(dict({"demo api key": DEMO_API_KEY}, **{"token %d" % n: t for n, t in enumerate(tokens)}))
    scan.scan("stdout", result.stdout)
    scan.scan("stderr", result.stderr)
    scan.scan("task results", json.dumps(result.records))
    assert tokens and scan.hits == {}, "secrets found: %r" % scan.hits


def test_a_replacement_the_api_refuses_leaves_the_old_row_and_lists_it_in_rejected(emulator, run_playbook):
    soon, later = new_rows(1, name="Asha")[0], dict(new_rows(1, first_phone=9900000100, name="Ravi")[0])
    later["scheduled_time"] = future(0, days=3)
    assert run_playbook("present.yml", {"wanted_rows": [soon, later]}).rc == 0
    old_ids = {r["phone_number"]: r["id"] for r in emulator.records(DEMO_USER)}
    emulator.advance_clock(2 * 86400)  # the first row's time is now past: the API refuses its replacement
    changed = [dict(soon, name="Asha Rao"), dict(later, name="Ravi Kumar")]
    log = Requests(emulator)

    result = run_playbook("present.yml", {"wanted_rows": changed, "replace_changed": True})
    requests = log.since_last()

    assert result.rc != 0
    held = {r["phone_number"]: r for r in emulator.records(DEMO_USER)}
    assert held[soon["phone_number"]]["id"] == old_ids[soon["phone_number"]], "the refused row's old row was deleted"
    assert held[soon["phone_number"]]["columns"]["Name"] == "Asha"
    assert held[later["phone_number"]]["columns"]["Name"] == "Ravi Kumar"
    assert held[later["phone_number"]]["id"] != old_ids[later["phone_number"]]
    assert requests["deletes"] == [str(old_ids[later["phone_number"]])], "only the accepted replacement's old row"
    outcome = result.one(FIRST)
    assert [(r["index"], r["message"]) for r in outcome["rejected"]] == [
        (0, "ScheduledTime should be within the next 30 days")
    ]
    assert outcome["deleted"] == str(old_ids[later["phone_number"]])
    assert [c["index"] for c in outcome["created"]] == [1]
    assert [b["kind"] for b in outcome["batches"]] == ["read", "create", "delete", "read"]
    assert "rows[0]" in outcome["msg"] and "old row" in outcome["msg"]


@pytest.mark.parametrize("check", [False, True], ids=["real", "check-mode"])
def test_max_rows_counts_the_deletes_of_exclusive_and_fails_before_any_write(emulator, run_playbook, check):
    emulator.seed(DEMO_USER, spec="1-150")
    log = Requests(emulator)

    result = run_playbook("present.yml", {"wanted_rows": [], "exclusive": True, "max_rows": 5}, check=check)

    assert result.rc != 0
    assert log.since_last() == {"posts": [], "deletes": [], "reads": 1}
    assert emulator.ids(DEMO_USER) == list(range(1, 151))
    msg = result.one(FIRST)["msg"]
    assert "150" in msg and "max_rows (5)" in msg and "exclusive" in msg


def test_max_rows_counts_the_deletes_of_replace_changed_too(emulator, run_playbook):
    wanted = new_rows(4, name="Asha")
    assert run_playbook("present.yml", {"wanted_rows": wanted}).rc == 0
    emulator.seed(DEMO_USER, spec="101-102")
    changed = [dict(row, name="Asha Rao") for row in wanted]
    log = Requests(emulator)

    refused = run_playbook(
        "present.yml", {"wanted_rows": changed, "replace_changed": True, "exclusive": True, "max_rows": 5}
    )
    refused_requests = log.since_last()
    allowed = run_playbook(
        "present.yml", {"wanted_rows": changed, "replace_changed": True, "exclusive": True, "max_rows": 6}
    )

    assert refused.rc != 0 and allowed.rc == 0, allowed
    assert refused_requests == {"posts": [], "deletes": [], "reads": 1}
    msg = refused.one(FIRST)["msg"]
    assert "6 rows" in msg and "max_rows (5)" in msg and "replace_changed" in msg
    assert len(allowed.one(FIRST)["created"]) == 4


def test_typed_fields_are_sent_as_text_and_a_rerun_with_replace_changed_changes_nothing(emulator, run_playbook):
    wanted = new_rows(2, fields={"VIP": True, "Score": 5, "Ratio": 1.5, "Weight": 2.0, "Opted": False})
    log = Requests(emulator)

    result = run_playbook("present.yml", {"wanted_rows": wanted, "replace_changed": True, "rerun": True})
    first, again = log.since_last(), None

    assert result.rc == 0, result
    assert result.one(FIRST)["changed"] is True and len(first["posts"]) == 1
    again = result.one(AGAIN)
    assert again["changed"] is False and again["differing"] == [], again
    assert len(first["posts"]) == 1 and first["deletes"] == [], "the rerun re-created rows"
    columns = emulator.records(DEMO_USER)[0]["columns"]
    assert {name: columns[name] for name in ("VIP", "Score", "Ratio", "Weight", "Opted")} == {
        "VIP": "true",
        "Score": "5",
        "Ratio": "1.5",
        "Weight": "2.0",
        "Opted": "false",
    }


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"Extra": {"a": 1}}, "rows[1].fields.Extra must be text, a number or a boolean, got a dict"),
        ({"Extra": [1, 2]}, "rows[1].fields.Extra must be text, a number or a boolean, got a list"),
        ({"campaign_name": "other"}, "rows[1].fields.campaign_name names the campaign"),
        ({"API_KEY": "x"}, "rows[1].fields.API_KEY names the account"),
        ({"action": "STOP"}, "rows[1].fields.action"),
        ({"format": "xml"}, "rows[1].fields.format"),
        ({"AgentID": "7"}, "rows[1].fields.AgentID is a column the row's own keys set"),
    ],
)
def test_a_field_that_is_not_a_cell_or_names_the_row_fails_before_any_request(emulator, run_playbook, fields, expected):
    wanted = new_rows(2)
    wanted[1]["fields"] = fields

    result = run_playbook("present.yml", {"wanted_rows": wanted})

    assert result.rc != 0
    assert expected in result.one(FIRST)["msg"]
    assert emulator.counters()["requests"] == []


def test_a_created_row_the_read_back_does_not_find_gets_a_warning_naming_it(emulator, run_playbook):
    emulator.settings(hide_created_rows=True)
    wanted = new_rows(2)

    result = run_playbook("present.yml", {"wanted_rows": wanted})

    assert result.rc == 0, result
    outcome = result.one(FIRST)
    assert [c["row_id"] for c in outcome["created"]] == [None, None]
    warnings = " ".join(outcome.get("warnings", []))
    assert "rows[0] (%s at %s)" % (wanted[0]["phone_number"], wanted[0]["scheduled_time"]) in warnings
    assert "rows[1]" in warnings and "row_id is null" in warnings


def test_after_a_lost_post_answer_the_message_says_that_request_was_sent(emulator, run_playbook):
    emulator.fault(endpoint="schedule", kind="drop", skip=1)
    wanted = new_rows(150)

    result = run_playbook("present.yml", {"wanted_rows": wanted})

    assert result.rc != 0
    msg = result.one(FIRST)["msg"]
    assert "was not sent" not in msg and "request 2 and later were not" not in msg
    assert "Request 1 of 2 was answered" in msg
    assert "request 2 was sent but its answer was lost" in msg
    assert len(requests_to(emulator.counters(), "schedule")) == 2


def test_an_unknown_campaign_with_a_working_token_names_campaign_name_as_the_likely_cause(emulator, run_playbook):
    result = run_playbook("present.yml", {"wanted_rows": new_rows(1), "campaign_name": "SpringOffer"})

    assert result.rc != 0
    msg = result.one(FIRST)["msg"]
    assert "api_key or campaign_name is invalid or not found" in msg
    assert "credentials worked" in msg and "campaign_name 'SpringOffer'" in msg


def test_a_rerun_with_differing_rows_says_they_differ_instead_of_nothing_to_do(emulator, run_playbook):
    wanted = new_rows(2, name="Asha")
    assert run_playbook("present.yml", {"wanted_rows": wanted}).rc == 0

    result = run_playbook("present.yml", {"wanted_rows": [dict(row, name="Asha Rao") for row in wanted]})

    assert result.rc == 0
    msg = result.one(FIRST)["msg"]
    assert "nothing to do" not in msg
    assert "nothing created or deleted; 2 rows differ (replace_changed is false" in msg


def test_the_diff_of_an_international_number_shows_one_plus(emulator, run_playbook):
    wanted = [dict(phone_number="+91 98765 43210", scheduled_time=future(5), name="Asha")]

    result = run_playbook("present.yml", {"wanted_rows": wanted, "exclusive": True}, diff=True)

    assert result.rc == 0, result
    after = result.one(FIRST)["diff"]["after"]
    assert "+919876543210" in after and "++" not in after
    shown = [line for line in result.stdout.splitlines() if "919876543210" in line]
    assert shown and not [line for line in shown if "++" in line], shown


def test_one_rejected_row_is_reported_in_the_singular(emulator, run_playbook):
    wanted = new_rows(2)
    wanted[1]["phone_number"] = "12345"

    result = run_playbook("present.yml", {"wanted_rows": wanted})

    assert result.rc != 0
    msg = result.one(FIRST)["msg"]
    assert "The API rejected 1 row:" in msg and "The other row was created" in msg
    assert "row(s)" not in msg
