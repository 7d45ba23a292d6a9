# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The vendor page's own ambiguities: DELETE answered 405 (its cURL sample POSTs), and every status spelling."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import Answer, classify_payload
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    DELETE_PATH,
    TOKEN_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import open_token_store

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0405"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1bml0X3VzZXIiLCJpYXQiOjQxMDI0NDEyMDAsImV4cCI6NDEwMjQ0NDgwMH0.sig"
SUCCESS_SPELLINGS = ("success", "Success", "SUCCESS", " success ")
ERROR_SPELLINGS = ("error", "Error", "ERROR", "false", "False", "fail", "Fail", "FAILED", 500, None)
DELETED = {"status": "success", "message": {"deleted": 1}}


@pytest.fixture
def warnings():
    return []


@pytest.fixture
def client(tmp_path, warnings):
    settings = ConnectionSettings(base_url=BASE, user_name="unit_user", api_key=API_KEY, token=TOKEN, retries=2)
    return CloudAgentClient(
        settings, token_store=open_token_store(str(tmp_path / "t.json")), warn=warnings.append, sleep=lambda s: None
    )


def deletes(method, status=200, body=None):
    content = {"body": body} if isinstance(body, str) else {"json": DELETED if body is None else body}
    return responses.Response(method, BASE + DELETE_PATH, status=status, **content)


def sent(call):
    return call.request.method, json.loads(call.request.body), call.request.headers


@responses.activate
@pytest.mark.parametrize("body", ["Method Not Allowed", {"status": 405, "error": "Method Not Allowed"}])
def test_delete_answered_405_is_repeated_once_as_post_with_the_same_body_and_headers(client, warnings, body):
    responses.add(deletes(responses.DELETE, 405, body))
    responses.add(deletes(responses.POST))

    outcome = client.delete_scheduled_data("3-10")

    assert outcome.result == "deleted"
    assert [call.request.method for call in responses.calls] == ["DELETE", "POST"]
    (first_method, first_body, first_headers), (_method, second_body, second_headers) = map(sent, responses.calls)
    assert second_body == first_body == {"userName": "unit_user", "rowId": "3-10", "row_id": "3-10"}
    for name in ("Authorization", "apiKey", "Content-Type"):
        assert second_headers[name] == first_headers[name]
    assert len(warnings) == 1 and "405" in warnings[0] and "POST" in warnings[0], warnings
    assert API_KEY not in warnings[0] and TOKEN not in warnings[0]


@responses.activate
def test_after_one_405_the_later_deletes_of_the_run_go_as_post_directly(client, warnings):
    responses.add(deletes(responses.DELETE, 405, "Method Not Allowed"))
    responses.add(deletes(responses.POST))
    responses.add(deletes(responses.POST, body={"status": "error", "message": "No data found"}))

    assert client.delete_scheduled_data("1").result == "deleted"
    assert client.delete_scheduled_data("2").result == "not_found"

    assert [call.request.method for call in responses.calls] == ["DELETE", "POST", "POST"]
    assert len(warnings) == 1, warnings


@responses.activate
def test_a_405_to_the_post_too_fails_clearly_after_two_requests(client):
    responses.add(deletes(responses.DELETE, 405, "Method Not Allowed"))
    responses.add(deletes(responses.POST, 405, "Method Not Allowed"))

    with pytest.raises(ApiError) as caught:
        client.delete_scheduled_data("7")

    assert len(responses.calls) == 2
    message = str(caught.value)
    assert "405" in message and "DELETE" in message and "POST" in message and "base_url" in message, message
    assert caught.value.status == 405


@responses.activate
@pytest.mark.parametrize("status", [400, 403, 404, 500, 501])
def test_other_statuses_are_never_repeated_as_post(client, warnings, status):
    responses.add(deletes(responses.DELETE, status, "refused"))

    with pytest.raises(ApiError):
        client.delete_scheduled_data("7")

    assert [call.request.method for call in responses.calls] == ["DELETE"]
    assert not any("POST" in warning for warning in warnings), warnings


@responses.activate
def test_a_405_to_token_generation_is_not_turned_into_anything_else(tmp_path):
    responses.add(responses.Response(responses.POST, BASE + TOKEN_PATH, status=405, body="Method Not Allowed"))
    settings = ConnectionSettings(base_url=BASE, user_name="unit_user", api_key=API_KEY)
    client = CloudAgentClient(settings, token_store=open_token_store(str(tmp_path / "t.json")))

    with pytest.raises(ApiError, match="405"):
        client.get_token()
    assert len(responses.calls) == 1


# ---- status spellings ---------------------------------------------------------------------


@pytest.mark.parametrize("word", SUCCESS_SPELLINGS)
def test_every_success_spelling_is_success(word):
    answer = classify_payload(200, {}, {"status": word, "message": []}, "a read")
    assert isinstance(answer, Answer) and answer.ok


@pytest.mark.parametrize("word", ERROR_SPELLINGS)
def test_every_error_spelling_answered_with_http_200_is_a_refusal(word):
    answer = classify_payload(200, {}, {"status": word, "message": "Mandatory parameter row_id is missing"}, "a read")
    assert isinstance(answer, Answer) and not answer.ok
    assert answer.message_text == "Mandatory parameter row_id is missing"


@responses.activate
@pytest.mark.parametrize("word", ERROR_SPELLINGS)
def test_no_data_found_is_not_found_whatever_the_status_spelling(client, word):
    responses.add(deletes(responses.DELETE, body={"status": word, "message": "No data found"}))
    outcome = client.delete_scheduled_data("9")
    assert (outcome.result, outcome.message) == ("not_found", "No data found")


@responses.activate
@pytest.mark.parametrize("word", ERROR_SPELLINGS)
def test_an_in_body_error_fails_alike_whatever_the_spelling(client, word):
    responses.add(deletes(responses.DELETE, body={"status": word, "message": "Mandatory parameter row_id is missing"}))
    with pytest.raises(ApiError) as caught:
        client.delete_scheduled_data("9")
    assert caught.value.status == 200
    assert caught.value.api_message == "Mandatory parameter row_id is missing"
    assert "Mandatory parameter row_id is missing" in str(caught.value)


@responses.activate
@pytest.mark.parametrize("word", SUCCESS_SPELLINGS)
def test_deleted_whatever_the_success_spelling(client, word):
    responses.add(deletes(responses.DELETE, body={"status": word, "message": {"deleted": 1}}))
    assert client.delete_scheduled_data("9").result == "deleted"
