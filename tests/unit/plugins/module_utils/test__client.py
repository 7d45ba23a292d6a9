# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    DELETE_PATH,
    SCHEDULE_PATH,
    STATUS_PATH,
    TOKEN_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    TokenExpiredError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import open_token_store

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000"


def fake_jwt(subject="unit_user", exp=4102444800, tag="a"):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return "%s.%s.sig-%s" % (part({"alg": "HS512"}), part({"sub": subject, "iat": exp - 3600, "exp": exp}), tag)


TOKEN_A = fake_jwt(tag="a")
TOKEN_B = fake_jwt(tag="b")


class Recorder:
    def __init__(self):
        self.sleeps = []
        self.warnings = []


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def make_client(tmp_path, recorder):
    def make(**overrides):
        settings = dict(base_url=BASE, user_name="unit_user", api_key=API_KEY, retries=3, timeout=5.0)
        settings.update(overrides)
        store = open_token_store(str(tmp_path / "tokens.json"))
        return CloudAgentClient(
            ConnectionSettings(**settings),
            token_store=store,
            warn=recorder.warnings.append,
            sleep=recorder.sleeps.append,
        )

    return make


def token_reply(token=TOKEN_A):
    return responses.Response(responses.POST, BASE + TOKEN_PATH, json={"token": token, "message": ""})


def delete_reply(body=None, status=200, headers=None):
    if body is None:
        body = {"status": "success", "message": {"deleted": 1}}
    content = {"body": body} if isinstance(body, str) else {"json": body}
    return responses.Response(responses.DELETE, BASE + DELETE_PATH, status=status, headers=headers, **content)


def sent_json(call):
    return json.loads(call.request.body)


@responses.activate
def test_token_mode_generates_once_and_sends_bearer_and_both_row_keys(make_client):
    responses.add(token_reply())
    responses.add(delete_reply())
    responses.add(delete_reply())
    client = make_client()
    assert client.delete_scheduled_data("2,3,5").result == "deleted"
    assert client.delete_scheduled_data("7-9").result == "deleted"
    token_calls = [c for c in responses.calls if c.request.url.endswith(TOKEN_PATH)]
    assert len(token_calls) == 1
    assert token_calls[0].request.headers["apiKey"] == API_KEY
    assert sent_json(token_calls[0]) == {"userName": "unit_user"}
    delete_call = responses.calls[1]
    assert delete_call.request.method == "DELETE"
    assert delete_call.request.headers["Authorization"] == "Bearer " + TOKEN_A
    assert sent_json(delete_call) == {"userName": "unit_user", "rowId": "2,3,5", "row_id": "2,3,5"}


@responses.activate
def test_basic_mode_sends_api_key_and_never_asks_for_a_token(make_client):
    responses.add(delete_reply({"status": "error", "message": "No data found"}))
    outcome = make_client(auth_mode="basic").delete_scheduled_data("4")
    assert (outcome.result, outcome.message) == ("not_found", "No data found")
    assert len(responses.calls) == 1
    assert responses.calls[0].request.headers["apiKey"] == API_KEY
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_given_token_is_used_without_generation(make_client):
    responses.add(delete_reply({"status": "SUCCESS", "message": {}}))
    assert make_client(token=TOKEN_B, api_key=None).delete_scheduled_data("1").result == "deleted"
    assert len(responses.calls) == 1
    assert responses.calls[0].request.headers["Authorization"] == "Bearer " + TOKEN_B
    assert "apiKey" not in responses.calls[0].request.headers


@pytest.mark.parametrize(
    "status, headers, expected_sleeps",
    [
        (503, {}, [1.0, 2.0]),
        (429, {"Retry-After": "7"}, [7.0, 7.0]),
        (502, {"Retry-After": "whenever"}, [1.0, 2.0]),
        (504, {"Retry-After": "99999"}, [60.0, 60.0]),
    ],
)
@responses.activate
def test_slow_down_answers_are_retried_with_back_off(make_client, recorder, status, headers, expected_sleeps):
    for dummy in range(2):
        responses.add(delete_reply(status=status, body="busy", headers=headers))
    responses.add(delete_reply())
    assert make_client(auth_mode="basic").delete_scheduled_data("1-3").result == "deleted"
    assert recorder.sleeps == expected_sleeps
    assert len(recorder.warnings) == 2 and "retry 1 of 3" in recorder.warnings[0]


@responses.activate
def test_in_body_max_limit_is_retried(make_client, recorder):
    responses.add(delete_reply({"status": "error", "message": "Max limit exceeded"}))
    responses.add(delete_reply())
    assert make_client(auth_mode="basic").delete_scheduled_data("1").result == "deleted"
    assert recorder.sleeps == [1.0]


@responses.activate
def test_retries_are_bounded_and_the_error_says_how_long_it_waited(make_client, recorder):
    for dummy in range(4):
        responses.add(delete_reply(status=503, body="busy"))
    with pytest.raises(RateLimitError) as caught:
        make_client(auth_mode="basic").delete_scheduled_data("1")
    assert len(responses.calls) == 4
    assert recorder.sleeps == [1.0, 2.0, 4.0]
    assert "HTTP 503" in str(caught.value) and "after 3 retries (7.0 s of back-off)" in str(caught.value)


@responses.activate
def test_token_generation_is_never_retried(make_client, recorder):
    responses.add(responses.POST, BASE + TOKEN_PATH, status=503, body="busy")
    with pytest.raises(RateLimitError) as caught:
        make_client().get_token()
    assert len(responses.calls) == 1 and recorder.sleeps == []
    assert "never retried" in str(caught.value)


@responses.activate
def test_connection_errors_are_retried_then_reported(make_client, recorder):
    for dummy in range(3):
        responses.add(
            responses.DELETE,
            BASE + DELETE_PATH,
            body=requests.exceptions.ConnectionError(
                "HTTPConnectionPool: Failed to establish a new connection: [Errno 111] Connection refused"
            ),
        )
    with pytest.raises(TransportError) as caught:
        make_client(auth_mode="basic", retries=2).delete_scheduled_data("1")
    assert len(responses.calls) == 3 and recorder.sleeps == [1.0, 2.0]
    assert "cannot connect to %s ([Errno 111] Connection refused)" % BASE in str(caught.value)


@responses.activate
def test_read_timeout_on_delete_is_retried(make_client):
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.add(delete_reply())
    assert make_client(auth_mode="basic").delete_scheduled_data("1").result == "deleted"


@responses.activate
def test_tls_failure_is_not_retried_and_points_at_ca_path(make_client):
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(TransportError) as caught:
        make_client(auth_mode="basic").delete_scheduled_data("1")
    assert len(responses.calls) == 1 and "ca_path" in str(caught.value)


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (200, "", "empty body"),
        (200, "OK", "not JSON"),
        (500, "<html><body>Bad gateway</body></html>", "HTML page"),
        (500, json.dumps({"status": 500, "error": "Internal Server Error"}), "HTTP 500: 'Internal Server Error'"),
        (200, json.dumps({"status": "error", "message": "Mandatory parameter row_id is missing"}), "row_id is missing"),
    ],
)
@responses.activate
def test_bad_answers_become_api_errors_naming_the_request(make_client, status, body, expected):
    responses.add(delete_reply(status=status, body=body))
    with pytest.raises(ApiError) as caught:
        make_client(auth_mode="basic").delete_scheduled_data("5-9")
    assert expected in str(caught.value) and "rowId '5-9'" in str(caught.value)
    assert len(responses.calls) == 1


@responses.activate
def test_expired_token_is_refreshed_once_through_the_cache(make_client):
    responses.add(delete_reply({"status": "false", "message": "Token Expired", "data": None}))
    responses.add(token_reply(TOKEN_B))
    responses.add(delete_reply())
    assert make_client(token=TOKEN_A).delete_scheduled_data("1").result == "deleted"
    called = [c.request.url.rsplit("/", 1)[-1] for c in responses.calls]
    assert called == ["deleteScheduledData", "generateToken", "deleteScheduledData"]
    assert responses.calls[2].request.headers["Authorization"] == "Bearer " + TOKEN_B


@responses.activate
def test_expired_token_without_api_key_fails_saying_what_to_do(make_client):
    responses.add(delete_reply({"status": "False", "message": "Token Expired", "data": None}))
    with pytest.raises(TokenExpiredError) as caught:
        make_client(token=TOKEN_A, api_key=None).delete_scheduled_data("1")
    assert "expired" in str(caught.value) and "api_key" in str(caught.value)
    assert TOKEN_A not in str(caught.value)


@responses.activate
def test_wrong_credentials_on_generation_are_an_authentication_error(make_client):
    responses.add(responses.POST, BASE + TOKEN_PATH, json={"status": "false", "message": "Invalid userName or apiKey"})
    with pytest.raises(AuthenticationError) as caught:
        make_client().get_token()
    assert "Invalid userName or apiKey" in str(caught.value) and API_KEY not in str(caught.value)


@responses.activate
def test_secrets_echoed_by_the_api_are_redacted(make_client):
    responses.add(delete_reply({"status": "error", "message": "bad key %s for token %s" % (API_KEY, TOKEN_B)}))
    with pytest.raises(ApiError) as caught:
        make_client(auth_mode="basic", token=TOKEN_B).delete_scheduled_data("1")
    assert API_KEY not in str(caught.value) and TOKEN_B not in str(caught.value) and "********" in str(caught.value)


API_CALLS = {
    "status read": (responses.GET, STATUS_PATH, lambda client: client.get_scheduled_data()),
    "delete": (responses.DELETE, DELETE_PATH, lambda client: client.delete_scheduled_data("1")),
    "schedule": (responses.POST, SCHEDULE_PATH, lambda client: client.schedule_campaign_data("c", {}, False)),
    "token generation": (responses.POST, TOKEN_PATH, lambda client: client.generate_token()),
}


@pytest.mark.parametrize("call", sorted(API_CALLS))
@responses.activate
def test_every_api_call_masks_the_secrets_its_refusal_echoes(make_client, call):
    method, path, run = API_CALLS[call]
    echo = "bad key %s for token %s" % (API_KEY, TOKEN_B)
    responses.add(method, BASE + path, json={"status": "error", "message": echo})
    with pytest.raises(ApiError) as caught:
        run(make_client(auth_mode="basic", token=TOKEN_B))
    for shown in (str(caught.value), caught.value.api_message):
        assert API_KEY not in shown and TOKEN_B not in shown and "bad key ******** for token ********" in shown


@pytest.mark.parametrize(
    "message, expected_ids",
    [
        ({"Id": "7"}, ["7"]),
        ([{"Id": "1"}, {"Id": "2"}, "junk"], ["1", "2"]),
        ("null", []),
        (None, []),
        ([], []),
    ],
)
@responses.activate
def test_status_read_accepts_every_shape(make_client, message, expected_ids):
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "Success", "message": message})
    records = make_client(auth_mode="basic").get_scheduled_data()
    assert [r["Id"] for r in records] == expected_ids
    assert sent_json(responses.calls[0]) == {"userName": "unit_user"}


@responses.activate
def test_status_read_no_data_found_is_empty(make_client):
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "error", "message": "No data found"})
    assert make_client(auth_mode="basic").get_scheduled_data() == []


@responses.activate
def test_status_read_hands_the_records_to_collect_and_returns_what_it_keeps(make_client):
    records = [{"Id": str(n), "api_key": API_KEY} for n in range(1, 3001)]
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": records})
    kept = make_client(auth_mode="basic").get_scheduled_data(
        collect=lambda found: [r["Id"] for r in found if r["Id"].endswith("00")]
    )
    assert kept == [str(n) for n in range(100, 3001, 100)]


@responses.activate
def test_status_read_refusal_describes_the_records_without_the_api_key(make_client):
    responses.add(
        responses.GET, BASE + STATUS_PATH, json={"status": "error", "message": [{"Id": "1", "api_key": API_KEY}]}
    )
    with pytest.raises(ApiError) as caught:
        make_client(auth_mode="basic").get_scheduled_data()
    assert "<a list of 1 record(s)>" in str(caught.value) and API_KEY not in str(caught.value)


@responses.activate
def test_status_read_gateway_page_is_masked_and_named(make_client):
    responses.add(
        responses.GET,
        BASE + STATUS_PATH,
        status=200,
        content_type="text/html",
        body="<html>upstream said key=%s</html>" % API_KEY,
    )
    with pytest.raises(ApiError) as caught:
        make_client(auth_mode="basic").get_scheduled_data()
    assert "an HTML page" in str(caught.value) and API_KEY not in str(caught.value)


@responses.activate
def test_status_read_broken_json_is_masked_and_named(make_client):
    responses.add(
        responses.GET,
        BASE + STATUS_PATH,
        status=200,
        content_type="application/json",
        body='{"status": "success", "message": [{"api_key": "%s"}, oops' % API_KEY,
    )
    with pytest.raises(ApiError) as caught:
        make_client(auth_mode="basic").get_scheduled_data()
    assert "a body that is not JSON" in str(caught.value) and API_KEY not in str(caught.value)


def test_token_mode_without_any_credential_fails_before_http(make_client):
    with responses.RequestsMock() as mock:
        with pytest.raises(ConfigurationError) as caught:
            make_client(api_key=None).delete_scheduled_data("1")
        assert len(mock.calls) == 0
    assert "api_key" in str(caught.value)


@pytest.mark.parametrize(
    "first_failure, expected",
    [
        (requests.exceptions.ReadTimeout("read timed out"), True),
        (requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())), True),
        (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), False),
        (requests.exceptions.ConnectTimeout("connect timed out"), False),
    ],
)
@responses.activate
def test_no_data_after_a_lost_attempt_is_flagged(make_client, first_failure, expected):
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=first_failure)
    responses.add(delete_reply({"status": "error", "message": "No data found"}))
    outcome = make_client(auth_mode="basic").delete_scheduled_data("1-4")
    assert outcome.result == "not_found" and outcome.possibly_deleted_earlier is expected


@pytest.mark.parametrize("status, expected", [(504, True), (502, True), (503, False), (429, False)])
@responses.activate
def test_no_data_after_a_gateway_answer_is_flagged_only_when_forwarded(make_client, status, expected):
    responses.add(delete_reply(status=status, body="gateway"))
    responses.add(delete_reply({"status": "error", "message": "No data found"}))
    assert make_client(auth_mode="basic").delete_scheduled_data("1").possibly_deleted_earlier is expected
