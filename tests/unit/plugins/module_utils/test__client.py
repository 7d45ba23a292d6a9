# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP client: authentication, retries, the three API calls, and secrets masked on every path."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
import json
import ssl
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, ProtocolError, SSLError as Urllib3SSLError

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import Answer, classify_payload
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    NEVER_REPEAT,
    SAFE_TO_REPEAT,
    UNPROCESSED_ONLY,
    CloudAgentClient,
    ConnectionSettings,
    DELETE_PATH,
    SCHEDULE_PATH,
    STATUS_PATH,
    TOKEN_PATH,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    TokenExpiredError,
    TokenInvalidError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._info import scheduled_data_info
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import account_key, open_token_store

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


@pytest.mark.parametrize(
    "policy, attempts, after_refusal, after_lost_answer",
    [(SAFE_TO_REPEAT, 4, True, True), (UNPROCESSED_ONLY, 4, True, False), (NEVER_REPEAT, 1, False, False)],
)
def test_each_retry_policy_says_how_often_and_after_what_a_request_is_repeated(
    policy, attempts, after_refusal, after_lost_answer
):
    refused, lost = TransportError("refused"), TransportError("lost")
    lost.may_have_landed = True
    assert policy.attempts(3) == attempts
    assert (policy.may_repeat(refused), policy.may_repeat(lost)) == (after_refusal, after_lost_answer)
    assert bool(policy.one_attempt_because) is (policy is not SAFE_TO_REPEAT)


@responses.activate
def test_an_http_library_error_quoting_the_key_is_masked_before_it_is_cut(make_client):
    error = requests.exceptions.InvalidHeader("x" * 70 + API_KEY + " refused")
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=error)
    with pytest.raises(TransportError) as caught:
        make_client(auth_mode="basic").delete_scheduled_data("1")
    assert API_KEY[:6] not in str(caught.value) and "x" * 70 + "********" in str(caught.value)


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


# ---- Refused tokens: replaced once through the store; lost generations counted -------------------------------------
# The client's token handling at the HTTP seam: refused tokens, lost generations.

INVALID_TOKEN = {"status": "false", "message": "Invalid Token", "data": None}


def tokens_fake_jwt(tag):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return "%s.%s.sig-%s" % (
        part({"alg": "HS512"}),
        part({"sub": "unit_user", "iat": 4102441200, "exp": 4102444800}),
        tag,
    )


TOKEN_A, TOKEN_B, TOKEN_C = tokens_fake_jwt("a"), tokens_fake_jwt("b"), tokens_fake_jwt("c")


@pytest.fixture
def store(tmp_path):
    return open_token_store(str(tmp_path / "tokens.json"))


@pytest.fixture
def tokens_make_client(store):
    def make(**overrides):
        settings = dict(base_url=BASE, user_name="unit_user", api_key=API_KEY, retries=0, timeout=5.0)
        settings.update(overrides)
        return CloudAgentClient(ConnectionSettings(**settings), token_store=store, sleep=lambda seconds: None)

    return make


def tokens_token_reply(token):
    return responses.Response(responses.POST, BASE + TOKEN_PATH, json={"token": token, "message": ""})


def tokens_delete_reply(body=None, status=200):
    return responses.Response(
        responses.DELETE,
        BASE + DELETE_PATH,
        status=status,
        json=body or {"status": "success", "message": {"deleted": 1}},
    )


def endpoints_called():
    return [call.request.url.rsplit("/", 1)[-1] for call in responses.calls]


def stored_token(store):
    cached = store.backend.load_token(account_key(BASE, "unit_user"))
    return cached.token if cached else None


@responses.activate
def test_cached_token_answered_invalid_token_is_evicted_and_replaced_once(tokens_make_client, store):
    responses.add(tokens_token_reply(TOKEN_A))
    tokens_make_client().get_token()  # TOKEN_A is now in the store, as after an earlier run
    responses.add(tokens_delete_reply(INVALID_TOKEN, status=401))
    responses.add(tokens_token_reply(TOKEN_B))
    responses.add(tokens_delete_reply())
    assert tokens_make_client().delete_scheduled_data("1").result == "deleted"
    assert endpoints_called() == ["generateToken", "deleteScheduledData", "generateToken", "deleteScheduledData"]
    assert responses.calls[3].request.headers["Authorization"] == "Bearer " + TOKEN_B
    assert stored_token(store) == TOKEN_B
    assert len(store.backend.load_ledger(account_key(BASE, "unit_user"))) == 2


@responses.activate
def test_fresh_token_refused_too_fails_suggesting_basic_auth_without_a_third_generation(tokens_make_client, store):
    responses.add(tokens_token_reply(TOKEN_A))
    responses.add(tokens_delete_reply(INVALID_TOKEN, status=401))
    responses.add(tokens_token_reply(TOKEN_B))
    responses.add(tokens_delete_reply(INVALID_TOKEN, status=401))
    with pytest.raises(TokenInvalidError) as caught:
        tokens_make_client().delete_scheduled_data("1")
    message = str(caught.value)
    assert "auth_mode: basic" in message and "Invalid Token" in message
    assert endpoints_called().count("generateToken") == 2
    assert TOKEN_A not in message and TOKEN_B not in message and API_KEY not in message


@responses.activate
def test_user_token_refused_as_invalid_without_api_key_fails_clearly(tokens_make_client):
    responses.add(tokens_delete_reply(INVALID_TOKEN, status=401))
    with pytest.raises(TokenInvalidError) as caught:
        tokens_make_client(token=TOKEN_C, api_key=None).delete_scheduled_data("1")
    assert "token option" in str(caught.value) and "api_key" in str(caught.value)
    assert TOKEN_C not in str(caught.value)
    assert endpoints_called() == ["deleteScheduledData"]


@responses.activate
def test_user_token_refused_with_api_key_is_replaced_through_the_store(tokens_make_client, store):
    responses.add(tokens_delete_reply(INVALID_TOKEN, status=401))
    responses.add(tokens_token_reply(TOKEN_B))
    responses.add(tokens_delete_reply())
    assert tokens_make_client(token=TOKEN_C).delete_scheduled_data("1").result == "deleted"
    assert stored_token(store) == TOKEN_B


@responses.activate
def test_generation_whose_answer_was_lost_counts_in_the_ledger(tokens_make_client, store):
    responses.add(tokens_token_reply(TOKEN_A))
    tokens_make_client().get_token()
    responses.add(responses.POST, BASE + TOKEN_PATH, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        tokens_make_client().get_token(fresh=True)
    assert "counts as one of the 10 token generations" in str(caught.value)
    assert len(store.backend.load_ledger(account_key(BASE, "unit_user"))) == 2
    assert stored_token(store) is None, "the stored token may have been logged out by the lost generation"


@responses.activate
def test_generation_that_never_connected_is_not_counted(tokens_make_client, store):
    responses.add(responses.POST, BASE + TOKEN_PATH, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(TransportError):
        tokens_make_client().get_token()
    assert store.backend.load_ledger(account_key(BASE, "unit_user")) == []


# ---- What the vendor leaves open: DELETE answered 405, status spellings --------------------------------------------
# The vendor page's own ambiguities: DELETE answered 405 (its cURL sample POSTs), and every status spelling.

AMBIGUOUS_API_KEY = "FAKE-API-KEY-0405"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1bml0X3VzZXIiLCJpYXQiOjQxMDI0NDEyMDAsImV4cCI6NDEwMjQ0NDgwMH0.sig"
SUCCESS_SPELLINGS = ("success", "Success", "SUCCESS", " success ")
ERROR_SPELLINGS = ("error", "Error", "ERROR", "false", "False", "fail", "Fail", "FAILED", 500, None)
DELETED = {"status": "success", "message": {"deleted": 1}}


@pytest.fixture
def warnings():
    return []


@pytest.fixture
def client(tmp_path, warnings):
    settings = ConnectionSettings(
        base_url=BASE, user_name="unit_user", api_key=AMBIGUOUS_API_KEY, token=TOKEN, retries=2
    )
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
    assert AMBIGUOUS_API_KEY not in warnings[0] and TOKEN not in warnings[0]


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
    settings = ConnectionSettings(base_url=BASE, user_name="unit_user", api_key=AMBIGUOUS_API_KEY)
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


# ---- Schedule Campaign Data: the POST that creates rows ------------------------------------------------------------
# The client's one Schedule Campaign Data call, at the HTTP seam.

BULK = {"map": ["PhoneNumber", "ScheduledTime"], "data": [["9800000001", "2026-12-02 09:00:00"]]}


@pytest.fixture
def schedule_client():
    sleeps = []
    made = CloudAgentClient(
        ConnectionSettings(base_url=BASE, user_name="unit_user", api_key=API_KEY, auth_mode="basic", retries=3),
        sleep=sleeps.append,
    )
    made.sleeps = sleeps
    return made


@responses.activate
def test_the_post_carries_campaign_name_check_duplicate_and_bulk_data(schedule_client):
    entry = {"Response": "success", "msg": "Data updated successfully", "index": "0"}
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": [entry]})
    assert schedule_client.schedule_campaign_data("c1", BULK, True) == [entry]
    call = responses.calls[0].request
    assert json.loads(call.body) == {
        "userName": "unit_user",
        "campaignName": "c1",
        "checkDuplicate": True,
        "bulkData": BULK,
    }
    assert call.headers["apiKey"] == API_KEY


@responses.activate
def test_an_answer_keyed_by_position_is_read_as_per_row_entries(schedule_client):
    garbled = {"0-0": {"msg": "Invalid PhoneNumber"}, "0-1": {"msg": "Invalid PhoneNumber"}}
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": garbled})
    assert schedule_client.schedule_campaign_data("c1", BULK, False) == list(garbled.values())


@responses.activate
@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "message": "api_key or campaign_name is invalid or not found"},
        {"status": "error", "message": "Mandatory parameter ScheduledTime is in bulkData map"},
        {"status": "success", "message": "done"},
    ],
)
def test_a_refused_or_unrecognised_answer_is_an_api_error_with_its_message(schedule_client, body):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json=body)
    with pytest.raises(ApiError) as caught:
        schedule_client.schedule_campaign_data("c1", BULK, False)
    assert body["message"] in str(caught.value) and API_KEY not in str(caught.value)


@responses.activate
def test_a_lost_answer_is_not_retried_because_the_rows_may_exist(schedule_client):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        schedule_client.schedule_campaign_data("c1", BULK, False)
    assert len(responses.calls) == 1 and schedule_client.sleeps == []
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
def test_a_post_refused_before_it_was_processed_is_retried(schedule_client, refusal):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, **refusal)
    responses.add(responses.POST, BASE + SCHEDULE_PATH, json={"status": "success", "message": [OK_ENTRY]})
    assert schedule_client.schedule_campaign_data("c1", BULK, False) == [OK_ENTRY]
    assert len(responses.calls) == 2 and len(schedule_client.sleeps) == 1


@responses.activate
@pytest.mark.parametrize("status", [502, 504])
def test_a_post_answered_by_a_gateway_that_may_have_forwarded_it_is_not_retried(schedule_client, status):
    responses.add(responses.POST, BASE + SCHEDULE_PATH, status=status, body="<html>Bad gateway</html>")
    with pytest.raises(ApiError) as caught:
        schedule_client.schedule_campaign_data("c1", BULK, False)
    assert len(responses.calls) == 1 and schedule_client.sleeps == []
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


# ---- Secrets a server or the network stack echoes, on every path ---------------------------------------------------
# Secrets a server or the network stack echoes never reach a warning or an error, on every path.
#
# Each test here fails when the redaction of its path is removed (with the redaction that shadows it):
# the retry warning, a lost connection, a refused request, the final rate-limit error and a status page.

REDACTION_API_KEY = "FAKE-API-KEY-0000-redact"


@pytest.fixture
def redaction_warnings():
    return []


@pytest.fixture
def redaction_client(redaction_warnings):
    settings = ConnectionSettings(
        base_url=BASE, user_name="unit_user", api_key=REDACTION_API_KEY, retries=1, timeout=5.0, auth_mode="basic"
    )
    return CloudAgentClient(settings, warn=redaction_warnings.append, sleep=lambda seconds: None)


def busy_reply():
    body = {"status": "error", "message": "busy, apiKey %s is rate limited" % REDACTION_API_KEY}
    return responses.Response(responses.DELETE, BASE + DELETE_PATH, status=503, json=body)


@responses.activate
def test_the_retry_warning_and_the_final_error_mask_an_echoed_key(redaction_client, redaction_warnings):
    responses.add(busy_reply())
    responses.add(busy_reply())
    with pytest.raises(RateLimitError) as caught:
        redaction_client.delete_scheduled_data("1")
    assert len(redaction_warnings) == 1 and "retry 1 of 1" in redaction_warnings[0]
    assert REDACTION_API_KEY not in redaction_warnings[0] and "********" in redaction_warnings[0]
    assert REDACTION_API_KEY not in str(caught.value) and "********" in str(caught.value)
    assert REDACTION_API_KEY not in (caught.value.api_message or "")


@pytest.mark.parametrize(
    "exception",
    [
        requests.exceptions.ConnectionError("refused by proxy for apiKey=%s" % REDACTION_API_KEY),
        requests.exceptions.InvalidHeader("header apiKey %s is not valid" % REDACTION_API_KEY),
        requests.exceptions.SSLError("certificate check failed for apiKey=%s" % REDACTION_API_KEY),
    ],
    ids=["lost-connection", "refused-request", "tls"],
)
@responses.activate
def test_a_network_error_quoting_the_key_is_masked(redaction_client, redaction_warnings, exception):
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=exception)
    responses.add(responses.DELETE, BASE + DELETE_PATH, body=exception)
    with pytest.raises(TransportError) as caught:
        redaction_client.delete_scheduled_data("1")
    assert REDACTION_API_KEY not in str(caught.value) and "********" in str(caught.value)
    assert not any(REDACTION_API_KEY in warning for warning in redaction_warnings)


@pytest.mark.parametrize("offset", [60, 70, 75, 79])
@responses.activate
def test_a_status_page_cut_inside_an_echoed_key_leaks_no_part_of_it(redaction_client, offset):
    # the quoted snippet is 80 characters: a key masked only after the cut would show its first part
    page = "<html>" + "x" * (offset - 6) + REDACTION_API_KEY + "</html>"
    responses.add(responses.GET, BASE + STATUS_PATH, status=500, body=page)
    with pytest.raises(ApiError) as caught:
        redaction_client.get_scheduled_data()
    assert "HTTP 500" in str(caught.value) and REDACTION_API_KEY[:5] not in str(caught.value)


@responses.activate
def test_the_warning_about_a_record_id_quoting_the_key_masks_it(redaction_client):
    record = {"Id": "id-%s" % REDACTION_API_KEY, "ScheduleParams": "campaign_name=c", "IsRequestSent": "0"}
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": [record]})
    shown = []
    result = scheduled_data_info(redaction_client, Selection(), shown.append).result()
    assert result["scheduled_data"] == [] and len(shown) == 1 and "not an integer" in shown[0]
    assert REDACTION_API_KEY[:5] not in shown[0] and "********" in shown[0]


# ---- Hostile networks and odd servers ------------------------------------------------------------------------------
# Hostile networks and odd servers: redirects, netrc, Retry-After, huge or deep bodies, echoed secrets, TLS.

OTHER = "https://attacker.example.test"
HOSTILE_API_KEY = "FAKE-API-KEY-0000-abcdef"
ODD_API_KEY = "FAKE+KEY/0000=odd&key"
HOSTILE_TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1bml0In0.sig-hostile"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def hostile_warnings():
    return []


@pytest.fixture
def hostile_make_client(tmp_path, sleeps, hostile_warnings):
    def make(**overrides):
        settings = dict(
            base_url=BASE, user_name="unit_user", api_key=HOSTILE_API_KEY, retries=2, timeout=5.0, auth_mode="basic"
        )
        settings.update(overrides)
        return CloudAgentClient(
            ConnectionSettings(**settings),
            token_store=open_token_store(str(tmp_path / "t.json")),
            warn=hostile_warnings.append,
            sleep=sleeps.append,
        )

    return make


def hostile_delete_reply(status=200, body=None, headers=None):
    if body is None:
        body = {"status": "success", "message": {"deleted": 1}}
    content = {"body": body} if isinstance(body, (str, bytes)) else {"json": body}
    return responses.Response(responses.DELETE, BASE + DELETE_PATH, status=status, headers=headers, **content)


# ---- 1. redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@responses.activate
def test_redirect_to_another_host_is_refused_and_never_followed(hostile_make_client, status):
    responses.add(hostile_delete_reply(status=status, body="", headers={"Location": OTHER + "/steal"}))
    responses.add(responses.GET, OTHER + "/steal", json={"status": "success", "message": "deleted"})
    responses.add(responses.DELETE, OTHER + "/steal", json={"status": "success", "message": "deleted"})
    with pytest.raises(ApiError) as caught:
        hostile_make_client().delete_scheduled_data("1")
    assert [call.request.url for call in responses.calls] == [BASE + DELETE_PATH]
    assert "HTTP %d" % status in str(caught.value) and "attacker.example.test" in str(caught.value)
    assert caught.value.status == status


@responses.activate
def test_redirect_of_token_generation_caches_no_token_of_the_other_host(hostile_make_client, tmp_path):
    responses.add(responses.POST, BASE + TOKEN_PATH, status=307, headers={"Location": OTHER + TOKEN_PATH})
    responses.add(responses.POST, OTHER + TOKEN_PATH, json={"token": HOSTILE_TOKEN, "message": ""})
    with pytest.raises(ApiError) as caught:
        hostile_make_client(auth_mode="token").get_token()
    assert len(responses.calls) == 1 and "307" in str(caught.value)
    assert not (tmp_path / "t.json").exists() or HOSTILE_TOKEN not in (tmp_path / "t.json").read_text()


# ---- 9. netrc ---------------------------------------------------------------------------------


@pytest.fixture
def netrc_for_the_api_host(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine cloudagent.example.test login netrc_user password netrc_password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))


@responses.activate
def test_netrc_for_the_api_host_does_not_replace_the_bearer_token(hostile_make_client, netrc_for_the_api_host):
    responses.add(hostile_delete_reply())
    hostile_make_client(auth_mode="token", token=HOSTILE_TOKEN).delete_scheduled_data("1")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer " + HOSTILE_TOKEN


@responses.activate
def test_netrc_adds_no_basic_credentials_in_basic_mode(hostile_make_client, netrc_for_the_api_host):
    responses.add(hostile_delete_reply())
    hostile_make_client().delete_scheduled_data("1")
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_proxy_and_ca_bundle_variables_still_apply(hostile_make_client, monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used by the mock")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    responses.add(hostile_delete_reply())
    hostile_make_client().delete_scheduled_data("1")
    sent = responses.calls[0].request.req_kwargs
    assert sent["verify"] == str(bundle)
    assert sent["proxies"].get("https") == "http://proxy.example.test:3128"


# ---- 8. Retry-After and hostile bodies -------------------------------------------------------------


def http_date(seconds_from_now):
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize("value", ["nan", "NaN", "-5", "inf", "-inf", "soon", "1e999", ""])
@responses.activate
def test_retry_after_that_is_not_a_finite_wait_falls_back_to_backoff(hostile_make_client, sleeps, value):
    responses.add(hostile_delete_reply(status=429, body="slow down", headers={"Retry-After": value}))
    responses.add(hostile_delete_reply(status=429, body="slow down", headers={"Retry-After": value}))
    responses.add(hostile_delete_reply())
    assert hostile_make_client().delete_scheduled_data("1").result == "deleted"
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize("value, expected", [("99999", 60.0), ("7", 7.0), ("0", 0.0), ("2.5", 2.5)])
@responses.activate
def test_retry_after_seconds_are_honoured_and_capped_at_60(hostile_make_client, sleeps, value, expected):
    responses.add(hostile_delete_reply(status=503, body="busy", headers={"Retry-After": value}))
    responses.add(hostile_delete_reply())
    hostile_make_client().delete_scheduled_data("1")
    assert sleeps == [expected]


@responses.activate
def test_retry_after_http_date_is_honoured_and_capped(hostile_make_client, sleeps):
    responses.add(hostile_delete_reply(status=503, body="busy", headers={"Retry-After": http_date(20)}))
    responses.add(hostile_delete_reply(status=503, body="busy", headers={"Retry-After": http_date(3600)}))
    responses.add(hostile_delete_reply(status=503, body="busy", headers={"Retry-After": http_date(-3600)}))
    responses.add(hostile_delete_reply())
    hostile_make_client(retries=3).delete_scheduled_data("1")
    assert 17.0 <= sleeps[0] <= 20.0 and sleeps[1:] == [60.0, 0.0]


@responses.activate
def test_json_nested_100000_deep_is_a_clean_error(hostile_make_client):
    responses.add(hostile_delete_reply(body="[" * 100000 + "]" * 100000))
    with pytest.raises(ApiError) as caught:
        hostile_make_client().delete_scheduled_data("1")
    assert "nested" in str(caught.value)


@responses.activate
def test_huge_answer_is_refused_by_size(hostile_make_client):
    responses.add(hostile_delete_reply(body=b'{"status": "success", "message": "' + b"x" * (9 * 1024 * 1024) + b'"}'))
    with pytest.raises(ApiError) as caught:
        hostile_make_client().delete_scheduled_data("1")
    assert "MiB" in str(caught.value) and "rowId '1'" in str(caught.value)


@responses.activate
def test_status_read_may_be_larger_than_the_small_answer_cap(hostile_make_client):
    records = [{"Id": str(number), "Response": "y" * 1000} for number in range(1, 10001)]
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": records})
    assert len(hostile_make_client().get_scheduled_data()) == 10000


# ---- 5. masking --------------------------------------------------------------------------------------


@responses.activate
def test_generate_token_error_quoting_the_key_is_masked(hostile_make_client):
    responses.add(
        responses.POST,
        BASE + TOKEN_PATH,
        json={"status": "false", "message": "Invalid apiKey %s for unit_user" % HOSTILE_API_KEY},
    )
    with pytest.raises(AuthenticationError) as caught:
        hostile_make_client(auth_mode="token").get_token()
    assert HOSTILE_API_KEY not in str(caught.value) and "********" in str(caught.value)
    assert HOSTILE_API_KEY not in (caught.value.api_message or "")


@pytest.mark.parametrize("offset", [60, 70, 75, 79])
@responses.activate
def test_snippet_cut_inside_an_echoed_key_leaks_no_part_of_it(hostile_make_client, offset):
    page = "<html>" + "x" * (offset - 6) + HOSTILE_API_KEY + "</html>"
    responses.add(hostile_delete_reply(status=500, body=page))
    with pytest.raises(ApiError) as caught:
        hostile_make_client().delete_scheduled_data("1")
    assert HOSTILE_API_KEY[:5] not in str(caught.value)


@pytest.mark.parametrize("encode", [quote_plus, lambda key: quote(key, safe=""), quote, json.dumps])
@responses.activate
def test_url_encoded_echo_of_the_key_is_masked(hostile_make_client, encode):
    responses.add(hostile_delete_reply(status=500, body="<html>bad request apiKey=%s</html>" % encode(ODD_API_KEY)))
    with pytest.raises(ApiError) as caught:
        hostile_make_client(api_key=ODD_API_KEY).delete_scheduled_data("1")
    assert encode(ODD_API_KEY).strip('"') not in str(caught.value) and "********" in str(caught.value)


@responses.activate
def test_delete_success_message_echoing_the_key_is_masked(hostile_make_client):
    responses.add(
        hostile_delete_reply(body={"status": "success", "message": "deleted with key %s" % quote(ODD_API_KEY)})
    )
    outcome = hostile_make_client(api_key=ODD_API_KEY).delete_scheduled_data("1")
    assert outcome.result == "deleted" and quote(ODD_API_KEY) not in outcome.message
    assert "********" in outcome.message


@responses.activate
def test_records_echoing_the_client_secrets_are_masked_in_the_info_result(hostile_make_client, hostile_warnings):
    echo = json.dumps({"sent": {"token": HOSTILE_TOKEN, "key": quote_plus(ODD_API_KEY)}})
    responses.add(
        responses.GET,
        BASE + STATUS_PATH,
        json={
            "status": "success",
            "message": [{"Id": "1", "Response": echo, HOSTILE_TOKEN: "as a key", "ScheduleParams": "campaign_name=c"}],
        },
    )
    client = hostile_make_client(api_key=ODD_API_KEY, auth_mode="token", token=HOSTILE_TOKEN)
    result = scheduled_data_info(client, Selection(), hostile_warnings.append).result()
    dumped = json.dumps(result)
    assert HOSTILE_TOKEN not in dumped and quote_plus(ODD_API_KEY) not in dumped and result["scheduled_data"]


# ---- 10. TLS -------------------------------------------------------------------------------------


def ssl_failure(reason_text, verify=False):
    inner = ssl.SSLCertVerificationError(1, reason_text) if verify else ssl.SSLError(1, reason_text)
    wrapped = Urllib3SSLError(inner)
    pool_error = MaxRetryError(None, BASE + DELETE_PATH, reason=wrapped)
    return requests.exceptions.SSLError(pool_error)


@pytest.mark.parametrize("validate_certs", [True, False])
@responses.activate
def test_tls_to_a_plain_http_port_says_so_instead_of_blaming_verification(hostile_make_client, validate_certs):
    responses.add(
        responses.DELETE,
        BASE + DELETE_PATH,
        body=ssl_failure("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
    )
    with pytest.raises(TransportError) as caught:
        hostile_make_client(validate_certs=validate_certs).delete_scheduled_data("1")
    message = str(caught.value)
    assert "WRONG_VERSION_NUMBER" in message and "plain HTTP" in message
    assert "verification failed" not in message and "validate_certs: false" not in message


@responses.activate
def test_tls_handshake_failure_names_the_real_cause(hostile_make_client):
    responses.add(
        responses.DELETE,
        BASE + DELETE_PATH,
        body=ssl_failure("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)"),
    )
    with pytest.raises(TransportError) as caught:
        hostile_make_client().delete_scheduled_data("1")
    assert "SSLV3_ALERT_HANDSHAKE_FAILURE" in str(caught.value) and "verification failed" not in str(caught.value)


@responses.activate
def test_tls_verification_failure_keeps_its_advice_and_its_cause(hostile_make_client):
    responses.add(
        responses.DELETE,
        BASE + DELETE_PATH,
        body=ssl_failure(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain "
            "(_ssl.c:1006)",
            verify=True,
        ),
    )
    with pytest.raises(TransportError) as caught:
        hostile_make_client().delete_scheduled_data("1")
    assert "self-signed certificate in certificate chain" in str(caught.value) and "ca_path" in str(caught.value)
