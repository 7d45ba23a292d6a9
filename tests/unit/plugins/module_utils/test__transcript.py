# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The transcript (OZONETEL_TRANSCRIPT): one redacted JSON line per HTTP exchange."""

from __future__ import annotations

import json
import os
import stat
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _transcript
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    DELETE_PATH,
    SCHEDULE_PATH,
    STATUS_PATH,
    TOKEN_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError, TransportError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import open_token_store

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE/KEY+with space&0001"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1IiwiaWF0Ijo0MTAyNDQxMjAwLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl"
OTHER_KEY = "UNKNOWN-ACCOUNT-KEY-77"  # an api key the client was never given, echoed in a record
REDIS_PASSWORD = "redis/pa ss"


@pytest.fixture
def transcript_file(tmp_path, monkeypatch):
    path = tmp_path / "transcript.jsonl"
    monkeypatch.setenv(_transcript.ENV_VAR, str(path))
    monkeypatch.setattr(_transcript, "_TRANSCRIPTS", {})
    return path


@pytest.fixture
def warnings():
    return []


def make_client(tmp_path, warnings, **overrides):
    settings = dict(base_url=BASE, user_name="unit_user", api_key=API_KEY, retries=1, timeout=5.0)
    settings.update(overrides)
    return CloudAgentClient(
        ConnectionSettings(**settings),
        token_store=open_token_store(str(tmp_path / "tokens.json")),
        warn=warnings.append,
        sleep=lambda seconds: None,
    )


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def secret_forms_of(*secrets):
    forms = set()
    for secret in secrets:
        forms |= {secret, quote(secret), quote(secret, safe=""), quote_plus(secret), secret[:12], secret[-12:]}
    return forms


def assert_no_secret(text):
    for form in secret_forms_of(API_KEY, TOKEN, OTHER_KEY, REDIS_PASSWORD):
        assert form not in text, "a secret form %r leaked" % form


@responses.activate
def test_every_exchange_is_one_line_with_secrets_masked(tmp_path, transcript_file, warnings):
    echo = "key %s, url-encoded %s, token %s, redis %s" % (API_KEY, quote(API_KEY, safe=""), TOKEN, REDIS_PASSWORD)
    responses.add(responses.POST, BASE + TOKEN_PATH, json={"token": TOKEN, "message": ""})
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "error", "message": "No data found", "e": echo})
    client = make_client(
        tmp_path, warnings, token_cache="redis://user:%s@localhost:6379/0" % quote(REDIS_PASSWORD, safe="")
    )

    assert client.delete_scheduled_data("5").result == "not_found"

    text = transcript_file.read_text(encoding="utf-8")
    assert_no_secret(text)
    token_line, delete_line = lines(transcript_file)
    assert (token_line["method"], token_line["path"], token_line["status"]) == ("POST", TOKEN_PATH, 200)
    assert json.loads(token_line["answer"]) == {"token": "********", "message": ""}
    assert json.loads(token_line["request"]) == {"userName": "unit_user"}
    assert (delete_line["method"], delete_line["path"], delete_line["status"]) == ("DELETE", DELETE_PATH, 200)
    assert json.loads(delete_line["request"]) == {"userName": "unit_user", "rowId": "5", "row_id": "5"}
    assert json.loads(delete_line["answer"])["message"] == "No data found"
    assert "key ********, url-encoded ********, token ********, redis ********" in delete_line["answer"]
    for line in (token_line, delete_line):
        assert set(line) >= {"time", "method", "path", "status", "elapsed", "request", "answer", "error"}
        assert line["error"] is None and line["elapsed"] >= 0
    assert stat.S_IMODE(os.stat(transcript_file).st_mode) == 0o600
    assert warnings == []


@responses.activate
def test_secret_named_keys_are_masked_at_any_depth_and_in_query_strings(tmp_path, transcript_file, warnings):
    params = "api_key=%s&campaign_name=spring&PhoneNumber=%%2B9198" % quote_plus(OTHER_KEY)
    record = {"Id": 1, "api_key": OTHER_KEY, "ScheduleParams": params, "x": {"deep": [{"API-Key": OTHER_KEY}]}}
    record["Response"] = json.dumps({"apiKey": OTHER_KEY})
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": [record]})
    client = make_client(tmp_path, warnings, api_key=None, token=TOKEN)

    client.get_scheduled_data()

    (line,) = lines(transcript_file)
    assert_no_secret(transcript_file.read_text(encoding="utf-8"))
    assert "campaign_name=spring" in line["answer"] and line["answer_truncated"] is False


@responses.activate
@pytest.mark.parametrize("shift", range(0, 40, 3))
def test_a_long_status_answer_is_cut_after_masking(tmp_path, transcript_file, warnings, shift):
    records = [{"Id": n, "api_key": API_KEY, "ScheduleParams": "api_key=%s" % quote_plus(API_KEY)} for n in range(400)]
    body = " " * shift + json.dumps({"status": "success", "message": records})
    responses.add(responses.GET, BASE + STATUS_PATH, body=body, content_type="application/json")
    client = make_client(tmp_path, warnings, api_key=None, token=TOKEN)

    assert len(client.get_scheduled_data()) == 400

    (line,) = lines(transcript_file)
    assert len(line["answer"]) == _transcript.BODY_LIMIT and line["answer_truncated"] is True
    assert_no_secret(line["answer"])
    assert "********" in line["answer"][-200:] or "Id" in line["answer"][-200:]


@responses.activate
def test_a_lost_answer_is_a_line_with_status_null_and_the_error_kind(tmp_path, transcript_file, warnings):
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=requests.exceptions.ConnectionError("reset " + TOKEN))
    client = make_client(tmp_path, warnings, token=TOKEN, retries=1)

    with pytest.raises(TransportError):
        client.delete_scheduled_data("5")

    found = lines(transcript_file)
    assert [(line["method"], line["status"], line["error"]) for line in found] == [
        ("DELETE", None, "ConnectionError")
    ] * 2
    assert all(line["answer"] is None for line in found)
    assert_no_secret(transcript_file.read_text(encoding="utf-8"))


@responses.activate
def test_nothing_is_written_when_the_variable_is_unset(tmp_path, monkeypatch, warnings):
    monkeypatch.delenv(_transcript.ENV_VAR, raising=False)
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "success", "message": {}})
    before = sorted(os.listdir(tmp_path))

    make_client(tmp_path, warnings, token=TOKEN).delete_scheduled_data("5")

    assert sorted(os.listdir(tmp_path)) == before
    assert warnings == []


@responses.activate
def test_an_existing_file_open_to_others_is_narrowed_to_0600(tmp_path, transcript_file, warnings):
    transcript_file.write_text('{"earlier": true}\n', encoding="utf-8")
    transcript_file.chmod(0o644)
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "success", "message": {}})

    make_client(tmp_path, warnings, token=TOKEN).delete_scheduled_data("5")

    assert stat.S_IMODE(os.stat(transcript_file).st_mode) == 0o600
    assert len(lines(transcript_file)) == 2  # appended, the earlier line kept


@responses.activate
def test_a_transcript_that_cannot_be_written_warns_once_and_never_fails_the_task(tmp_path, monkeypatch, warnings):
    monkeypatch.setenv(_transcript.ENV_VAR, str(tmp_path / "missing-dir" / "t.jsonl"))
    monkeypatch.setattr(_transcript, "_TRANSCRIPTS", {})
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "success", "message": {}})
    client = make_client(tmp_path, warnings, token=TOKEN)

    assert client.delete_scheduled_data("5").result == "deleted"
    assert client.delete_scheduled_data("6").result == "deleted"

    assert len(warnings) == 1 and "transcript" in warnings[0] and "OZONETEL_TRANSCRIPT" in warnings[0], warnings


@responses.activate
def test_a_symbolic_link_is_not_followed(tmp_path, transcript_file, warnings):
    target = tmp_path / "elsewhere"
    target.write_text("", encoding="utf-8")
    transcript_file.symlink_to(target)
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "success", "message": {}})

    assert make_client(tmp_path, warnings, token=TOKEN).delete_scheduled_data("5").result == "deleted"

    assert target.read_text(encoding="utf-8") == ""
    assert len(warnings) == 1


def test_secrets_in_text_finds_cut_and_nested_values():
    text = '{"Response": "{\\"apiKey\\": \\"NESTED-KEY-1\\"}", "token": "CUT-TOKEN-VAL'
    assert {"NESTED-KEY-1", "CUT-TOKEN-VAL"} <= _transcript.secrets_in_text(text)
    assert _transcript.secrets_in_text('{"token": "", "apiKey": "****"}') == set()


@responses.activate
def test_a_request_body_carrying_a_secret_is_masked_too(tmp_path, transcript_file, warnings):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": [{"index": "0"}]})
    bulk = {"map": ["PhoneNumber", "Remarks"], "data": [["9800000001", "key %s token %s" % (API_KEY, TOKEN)]]}
    make_client(tmp_path, warnings, auth_mode="basic", token=TOKEN).schedule_campaign_data("c", bulk, False)

    (line,) = lines(transcript_file)
    assert_no_secret(json.dumps(line))
    assert json.loads(line["request"])["bulkData"]["data"] == [["9800000001", "key ******** token ********"]]


@responses.activate
def test_answer_headers_quoting_a_secret_are_masked(tmp_path, transcript_file, warnings):
    target = "https://elsewhere.example.test/login?api_key=%s&token=%s" % (quote(API_KEY, safe=""), TOKEN)
    responses.add(responses.DELETE, BASE + DELETE_PATH, status=302, headers={"Location": target}, body="")
    with pytest.raises(ApiError, match="HTTP 302 redirect to elsewhere.example.test refused"):
        make_client(tmp_path, warnings, auth_mode="basic").delete_scheduled_data("5")

    (line,) = lines(transcript_file)
    assert_no_secret(json.dumps(line))
    assert line["answer_headers"]["Location"] == "https://elsewhere.example.test/login?api_key=********&token=********"
