# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secrets a server or the network stack echoes never reach a warning or an error, on every path.

Each test here fails when the redaction of its path is removed (with the redaction that shadows it):
the retry warning, a lost connection, a refused request, the final rate-limit error and a status page.
"""

from __future__ import annotations

import pytest
import requests
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    DELETE_PATH,
    STATUS_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    RateLimitError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._info import scheduled_data_info
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000-redact"


@pytest.fixture
def warnings():
    return []


@pytest.fixture
def client(warnings):
    settings = ConnectionSettings(
        base_url=BASE, user_name="unit_user", api_key=API_KEY, retries=1, timeout=5.0, auth_mode="basic"
    )
    return CloudAgentClient(settings, warn=warnings.append, sleep=lambda seconds: None)


def busy_reply():
    body = {"status": "error", "message": "busy, apiKey %s is rate limited" % API_KEY}
    return responses.Response(responses.DELETE, BASE + DELETE_PATH, status=503, json=body)


@responses.activate
def test_the_retry_warning_and_the_final_error_mask_an_echoed_key(client, warnings):
    responses.add(busy_reply())
    responses.add(busy_reply())
    with pytest.raises(RateLimitError) as caught:
        client.delete_scheduled_data("1")
    assert len(warnings) == 1 and "retry 1 of 1" in warnings[0]
    assert API_KEY not in warnings[0] and "********" in warnings[0]
    assert API_KEY not in str(caught.value) and "********" in str(caught.value)
    assert API_KEY not in (caught.value.api_message or "")


@pytest.mark.parametrize(
    "exception",
    [
        requests.exceptions.ConnectionError("refused by proxy for apiKey=%s" % API_KEY),
        requests.exceptions.InvalidHeader("header apiKey %s is not valid" % API_KEY),
        requests.exceptions.SSLError("certificate check failed for apiKey=%s" % API_KEY),
    ],
    ids=["lost-connection", "refused-request", "tls"],
)
@responses.activate
def test_a_network_error_quoting_the_key_is_masked(client, warnings, exception):
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=exception)
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=exception)
    with pytest.raises(TransportError) as caught:
        client.delete_scheduled_data("1")
    assert API_KEY not in str(caught.value) and "********" in str(caught.value)
    assert not any(API_KEY in warning for warning in warnings)


@pytest.mark.parametrize("offset", [60, 70, 75, 79])
@responses.activate
def test_a_status_page_cut_inside_an_echoed_key_leaks_no_part_of_it(client, offset):
    # the quoted snippet is 80 characters: a key masked only after the cut would show its first part
    page = "<html>" + "x" * (offset - 6) + API_KEY + "</html>"
    responses.add(responses.GET, BASE + STATUS_PATH, status=500, body=page)
    with pytest.raises(ApiError) as caught:
        client.get_scheduled_data()
    assert "HTTP 500" in str(caught.value) and API_KEY[:5] not in str(caught.value)


@responses.activate
def test_the_warning_about_a_record_id_quoting_the_key_masks_it(client):
    record = {"Id": "id-%s" % API_KEY, "ScheduleParams": "campaign_name=c", "IsRequestSent": "0"}
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": [record]})
    shown = []
    result = scheduled_data_info(client, Selection(), shown.append).result()
    assert result["scheduled_data"] == [] and len(shown) == 1 and "not an integer" in shown[0]
    assert API_KEY[:5] not in shown[0] and "********" in shown[0]
