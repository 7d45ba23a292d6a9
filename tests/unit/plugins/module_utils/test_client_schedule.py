# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client's one Schedule Campaign Data call, at the HTTP seam."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    SCHEDULE_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError, TransportError

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000"
BULK = {"map": ["PhoneNumber", "ScheduledTime"], "data": [["9800000001", "2026-12-02 09:00:00"]]}


@pytest.fixture
def client():
    sleeps = []
    made = CloudAgentClient(
        ConnectionSettings(base_url=BASE, user_name="unit_user", api_key=API_KEY, auth_mode="basic", retries=3),
        sleep=sleeps.append,
    )
    made.sleeps = sleeps
    return made


@responses.activate
def test_the_post_carries_campaign_name_check_duplicate_and_bulk_data(client):
    entry = {"Response": "success", "msg": "Data updated successfully", "index": "0"}
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": [entry]})
    assert client.schedule_campaign_data("c1", BULK, True) == [entry]
    call = responses.calls[0].request
    assert json.loads(call.body) == {
        "userName": "unit_user",
        "campaignName": "c1",
        "checkDuplicate": True,
        "bulkData": BULK,
    }
    assert call.headers["apiKey"] == API_KEY


@responses.activate
def test_an_answer_keyed_by_position_is_read_as_per_row_entries(client):
    garbled = {"0-0": {"msg": "Invalid PhoneNumber"}, "0-1": {"msg": "Invalid PhoneNumber"}}
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": garbled})
    assert client.schedule_campaign_data("c1", BULK, False) == list(garbled.values())


@responses.activate
@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "message": "api_key or campaign_name is invalid or not found"},
        {"status": "error", "message": "Mandatory parameter ScheduledTime is in bulkData map"},
        {"status": "success", "message": "done"},
    ],
)
def test_a_refused_or_unrecognised_answer_is_an_api_error_with_its_message(client, body):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json=body)
    with pytest.raises(ApiError) as caught:
        client.schedule_campaign_data("c1", BULK, False)
    assert body["message"] in str(caught.value) and API_KEY not in str(caught.value)


@responses.activate
def test_a_lost_answer_is_not_retried_because_the_rows_may_exist(client):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        client.schedule_campaign_data("c1", BULK, False)
    assert len(responses.calls) == 1 and client.sleeps == []
    assert "a POST that creates rows is not repeated once it may have reached CloudAgent" in str(caught.value)
    assert "token generation" not in str(caught.value)


OK_ENTRY = {"Response": "success", "msg": "Data updated successfully", "index": "0"}


@responses.activate
@pytest.mark.parametrize(
    "refusal",
    [
        dict(status=429, json={"status": "error", "message": "Too many requests"}),
        dict(status=503, json={"status": "error", "message": "Service unavailable"}),
        dict(status=200, json={"status": "error", "message": "Max limit exceeded"}),
    ],
    ids=["http-429", "http-503", "max-limit-exceeded"],
)
def test_a_post_refused_before_it_was_processed_is_retried(client, refusal):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, **refusal)
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": [OK_ENTRY]})
    assert client.schedule_campaign_data("c1", BULK, False) == [OK_ENTRY]
    assert len(responses.calls) == 2 and len(client.sleeps) == 1


@responses.activate
@pytest.mark.parametrize("status", [502, 504])
def test_a_post_answered_by_a_gateway_that_may_have_forwarded_it_is_not_retried(client, status):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, status=status, body="<html>Bad gateway</html>")
    with pytest.raises(ApiError) as caught:
        client.schedule_campaign_data("c1", BULK, False)
    assert len(responses.calls) == 1 and client.sleeps == []
    assert "a POST that creates rows is not repeated once it may have reached CloudAgent" in str(caught.value)


@responses.activate
def test_per_row_messages_echoing_secrets_are_masked_in_every_form():
    password = "redis/pass word+01"
    made = CloudAgentClient(
        ConnectionSettings(
            base_url=BASE,
            user_name="unit_user",
            api_key="FAKE/KEY+0000=&x",
            token="eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1bml0In0.c2lnbmF0dXJl",
            token_cache="redis://:%s@127.0.0.1:6379/0" % requests.utils.quote(password, safe=""),
        )
    )
    echo = "Bearer %s; key=%s; cut=%s; redis=%s" % (
        made.settings.token,
        requests.utils.quote(made.settings.api_key, safe=""),
        made.settings.token[:20],
        password,
    )
    entry = {"Response": "failed", "msg": "Invalid PhoneNumber " + echo, "index": "0"}
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": [entry]})
    message = made.schedule_campaign_data("c1", BULK, False)[0]["msg"]
    assert message == "Invalid PhoneNumber Bearer ********; key=********; cut=********; redis=********"
