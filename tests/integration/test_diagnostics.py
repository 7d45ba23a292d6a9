# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Diagnostics end to end: the transcript, its replay, DELETE answered 405, and every status spelling."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
import json
from urllib.parse import quote, quote_plus

import pytest
from cloudagent_emulator.control import Emulator
from helpers import JWT_PATTERN

USER = "diag_user"
# Characters that change under URL encoding, so the encoded forms are tested too.
API_KEY = "FAKE/DIAG+KEY 0001&x=y"
CAMPAIGN = "diag_campaign"
DELETE_TASK = "Delete the requested rows"
INFO_TASK = "Read scheduled data with each filter"
PRESENT_TASK = "Schedule the rows"


def future(minutes: int) -> str:
    moment = datetime.datetime.now() + datetime.timedelta(days=2, minutes=minutes)
    return moment.strftime("%Y-%m-%d %H:%M:00")


WANTED_ROWS = [dict(phone_number="99000000%02d" % n, scheduled_time=future(n), name="Asha") for n in range(3)]


def prepare_account(emulator) -> None:
    emulator.add_account(USER, API_KEY, "TOKEN_AUTH")
    emulator.add_campaign(USER, CAMPAIGN)
    emulator.seed(USER, spec="1-6", campaign_name=CAMPAIGN)


def account_env(transcript=None) -> dict:
    env = {"OZONETEL_USERNAME": USER, "OZONETEL_API_KEY": API_KEY}
    if transcript is not None:
        env["OZONETEL_TRANSCRIPT"] = str(transcript)
    return env


def run_the_three(run_playbook, env: dict) -> list:
    """A delete, an info read and a state: present run; their results."""
    return [
        run_playbook("delete.yml", {"row_id": "1-2,9"}, env=env),
        run_playbook("info.yml", {"info_queries": [{}]}, env=env),
        run_playbook("present.yml", {"wanted_rows": WANTED_ROWS, "campaign_name": CAMPAIGN}, env=env),
    ]


def transcript_lines(path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def key_forms(secret: str) -> set:
    return {secret, quote(secret), quote(secret, safe=""), quote_plus(secret), secret[:10], secret[-10:]}


def test_a_transcript_holds_every_exchange_and_no_secret(emulator, run_playbook, tmp_path):
    prepare_account(emulator)
    emulator.settings(echo_secrets=True)
    transcript = tmp_path / "transcript.jsonl"

    runs = run_the_three(run_playbook, account_env(transcript))

    assert all(run.rc == 0 for run in runs), runs
    lines = transcript_lines(transcript)
    sent = [(entry["method"], entry["path"], entry["status"]) for entry in emulator.counters()["requests"]]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == sent
    assert [method for method, _path, _status in sent] == ["POST", "DELETE", "GET", "GET", "POST", "GET"]
    text = transcript.read_text(encoding="utf-8")
    for form in key_forms(API_KEY):
        assert form not in text, "the api key leaked as %r" % form
    assert JWT_PATTERN.findall(text) == []
    assert "received apiKey ******** (url-encoded ********) and Authorization Bearer ********" in text
    token_line, delete_line = lines[0], lines[1]
    assert json.loads(token_line["answer"])["token"] == "********"
    assert json.loads(delete_line["request"])["rowId"] == "1,2,9"
    assert "campaign_name=%s" % CAMPAIGN in lines[2]["answer"]  # the status records, their api key masked
    assert json.loads(lines[4]["request"])["bulkData"]["data"][0][0] == WANTED_ROWS[0]["phone_number"]
    assert oct(transcript.stat().st_mode & 0o777) == "0o600"


def test_nothing_is_written_without_the_variable(emulator, run_playbook, tmp_path):
    prepare_account(emulator)
    before = set(tmp_path.rglob("*"))

    assert run_playbook("delete.yml", {"row_id": "1"}, env=account_env()).rc == 0

    assert not [path for path in set(tmp_path.rglob("*")) - before if "transcript" in path.name]


def without_invocation(value):
    """A result without its ``invocation`` members (they hold base_url, which differs), at any depth."""
    if isinstance(value, dict):
        return {key: without_invocation(item) for key, item in value.items() if key != "invocation"}
    if isinstance(value, list):
        return [without_invocation(item) for item in value]
    return value


def comparable(run) -> list:
    """What the tasks of a run returned, in order."""
    return [
        (record["task"], record["status"], json.dumps(without_invocation(record["result"]), sort_keys=True))
        for record in run.task_results
    ]


def test_a_replayed_transcript_gives_the_same_task_results(emulator, run_playbook, tmp_path, ansible_env):
    prepare_account(emulator)
    transcript = tmp_path / "transcript.jsonl"
    recorded = run_the_three(run_playbook, account_env(transcript))
    assert all(run.rc == 0 for run in recorded), recorded

    with Emulator.start(["--replay", str(transcript)]) as replay:
        env = dict(account_env(), OZONETEL_BASE_URL=replay.url, OZONETEL_TOKEN_CACHE=str(tmp_path / "replay-cache"))
        replayed = run_the_three(run_playbook, env)
        progress = replay.request("GET", "replay")

    assert [comparable(run) for run in replayed] == [comparable(run) for run in recorded]
    assert progress == {"served": len(transcript_lines(transcript)), "left": {}}
    assert replayed[1].one(INFO_TASK)["results"][0]["row_ids"] == "3-6"


# ---- DELETE answered 405 --------------------------------------------------------------------


def test_a_server_that_deletes_only_by_post_gets_the_delete_as_post_with_a_warning(emulator, run_playbook):
    prepare_account(emulator)
    emulator.settings(delete_method="POST")

    run = run_playbook("delete.yml", {"row_id": "2,4-5", "batch_size": 2}, env=account_env())

    assert run.rc == 0, run
    result = run.one(DELETE_TASK)
    assert result["changed"] is True and result["deleted"] == "2,4-5"
    assert emulator.ids(USER) == [1, 3, 6]
    deletes = [entry for entry in emulator.counters()["requests"] if entry["endpoint"] == "delete"]
    assert [(entry["method"], entry["status"]) for entry in deletes] == [("DELETE", 405), ("POST", 200), ("POST", 200)]
    (warning,) = [text for text in result.get("warnings", []) if "405" in text]
    assert "POST" in warning and "nothing was deleted" in warning


def test_a_405_to_the_post_as_well_fails_clearly(emulator, run_playbook):
    prepare_account(emulator)
    emulator.fault(endpoint="delete", kind="http_status", status=405, times=2)

    run = run_playbook("delete.yml", {"row_id": "3"}, env=account_env())

    assert run.rc != 0
    message = run.one(DELETE_TASK)["msg"]
    assert "405" in message and "DELETE and to POST" in message and "base_url" in message, message
    assert API_KEY not in message
    assert emulator.ids(USER) == [1, 2, 3, 4, 5, 6]
    assert [e["method"] for e in emulator.counters()["requests"] if e["endpoint"] == "delete"] == ["DELETE", "POST"]


def test_other_refusals_are_never_repeated_as_post(emulator, run_playbook):
    prepare_account(emulator)
    emulator.fault(endpoint="delete", kind="http_status", status=404)

    run = run_playbook("delete.yml", {"row_id": "3"}, env=account_env())

    assert run.rc != 0
    assert [e["method"] for e in emulator.counters()["requests"] if e["endpoint"] == "delete"] == ["DELETE"]


# ---- status spellings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "error_word, status_case",
    [("error", "lower"), ("Error", "lower"), ("false", "lower"), ("fail", "lower"), ("error", "upper")],
)
def test_every_status_spelling_gives_the_same_delete_results(emulator, run_playbook, error_word, status_case):
    prepare_account(emulator)
    emulator.settings(error_word=error_word, status_case=status_case)

    run = run_playbook("delete.yml", {"row_id": "5-9", "rerun": True}, env=account_env())

    assert run.rc == 0, run
    first, again = run.results(DELETE_TASK)[0], run.results("Delete the same rows again")[0]
    assert (first["changed"], first["deleted"], first["not_found"]) == (True, "5-9", "")
    assert (again["changed"], again["deleted"], again["not_found"]) == (False, "", "5-9")
    statuses = {entry["api_status"] for entry in emulator.counters()["requests"] if entry["endpoint"] == "delete"}
    assert statuses == {"success" if status_case == "lower" else "SUCCESS", error_word}


def test_an_in_body_error_fails_alike_whatever_its_spelling(emulator, run_playbook):
    prepare_account(emulator)
    messages = []
    for word in ("error", "Error", "false", "fail"):
        emulator.reset()
        prepare_account(emulator)
        emulator.settings(error_word=word)
        emulator.fault(endpoint="delete", kind="max_limit", times=10)
        run = run_playbook("delete.yml", {"row_id": "3", "request_retries": 0}, env=account_env())
        assert run.rc != 0
        messages.append(run.one(DELETE_TASK)["msg"])
    assert len(set(messages)) == 1 and "Max limit exceeded" in messages[0], messages


@pytest.mark.parametrize(
    "changes", [{"delete_method": "PUT"}, {"error_word": "Success"}, {"error_word": ""}, {"echo_secrets": "yes"}]
)
def test_the_emulator_refuses_a_bad_diagnostics_setting(emulator, changes):
    with pytest.raises(Exception, match="400|delete_method|error_word|echo_secrets"):
        emulator.settings(**changes)
    assert emulator.settings()["delete_method"] == "DELETE"


def test_a_replay_with_no_answer_left_says_so(tmp_path):
    transcript = tmp_path / "t.jsonl"
    line = {"method": "GET", "path": "/ca_apis/getScheduledData", "status": 200, "answer": '{"status": "success"}'}
    transcript.write_text(json.dumps(line) + "\nnot json\n", encoding="utf-8")
    with Emulator.start(["--replay", str(transcript)]) as replay:
        answers = [replay_get(replay.url), replay_get(replay.url)]
        progress = replay.request("GET", "replay")
    assert answers[0] == (200, {"status": "success"})
    assert (
        answers[1][0] == 500 and "no recorded answer left for GET /ca_apis/getScheduledData" in answers[1][1]["message"]
    )
    assert progress == {"served": 1, "left": {}}


def replay_get(url: str):
    request = urllib.request.Request(url + "/ca_apis/getScheduledData", data=b"{}", method="GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310  (a loopback emulator)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
