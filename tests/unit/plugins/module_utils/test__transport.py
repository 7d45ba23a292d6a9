# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The transport seam: answers that break off mid-body are lost answers, whatever urllib3 raises for them."""

from __future__ import annotations

import http.client
import json
import time
import zlib
from http.client import RemoteDisconnected

import pytest
import requests
from urllib3.exceptions import DecodeError, IncompleteRead, ProtocolError

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError, TransportError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import account_key, open_token_store
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._transport import (
    Deadline,
    HttpTransport,
    NoNetrc,
    iter_body,
    normalized_base_url,
    plain_http_warning,
    refuse_redirect,
)

BASE = "https://cloudagent.example.test"
USER = "unit_user"
API_KEY = "FAKE-API-KEY-0000-transport"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1bml0IiwiaWF0IjoxLCJleHAiOjM2MDF9.sig-transport"


def cut_errors():
    """What urllib3 raises from ``read1`` for a short body, a broken chunk, broken gzip and a reset."""
    return {
        "short-body": ProtocolError(
            "Connection broken: IncompleteRead(20 bytes read, 80 more expected)", IncompleteRead(20, 80)
        ),
        "broken-chunk": ProtocolError(
            "Connection broken: IncompleteRead(0 bytes read)", http.client.IncompleteRead(b"")
        ),
        "broken-gzip": DecodeError(
            "Received response with content-encoding: gzip, but failed to decode it.",
            zlib.error("Error -3 while decompressing data: invalid block type"),
        ),
        "reset": ProtocolError(
            "Connection broken: ConnectionResetError(104, 'Connection reset by peer')",
            ConnectionResetError(104, "Connection reset by peer"),
        ),
    }


class CutRaw:
    """``response.raw``: hands out ``pieces``, then raises ``error`` (or ends when there is none)."""

    def __init__(self, pieces, error=None):
        self.pieces = list(pieces)
        self.error = error

    def read1(self, size, decode_content=True):
        if self.pieces:
            return self.pieces.pop(0)
        if self.error is not None:
            raise self.error
        return b""


class FakeResponse:
    def __init__(self, payload, error=None, cut_after=20):
        body = json.dumps(payload).encode()
        self.status_code = 200
        self.headers = {"Content-Type": "application/json"}
        self.encoding = None
        self.url = BASE
        self.raw = CutRaw([body[:cut_after]] if error else [body], error)

    def close(self):
        pass


class FakeSession:
    """Answers each request with the next response; records (method, url)."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url))
        return self.responses.pop(0)


@pytest.fixture
def store(tmp_path):
    return open_token_store(str(tmp_path / "tokens.json"))


def client(session, store, sleeps, **overrides):
    settings = dict(base_url=BASE, user_name=USER, api_key=API_KEY, retries=2, timeout=5.0, auth_mode="basic")
    settings.update(overrides)
    return CloudAgentClient(ConnectionSettings(**settings), token_store=store, sleep=sleeps.append, session=session)


@pytest.mark.parametrize("name", sorted(cut_errors()))
def test_iter_body_turns_every_cut_into_a_lost_answer(name):
    response = FakeResponse({"status": "success"}, cut_errors()[name])

    with pytest.raises(TransportError) as raised:
        list(iter_body(response, Deadline(5), "Some request"))

    assert raised.value.may_have_landed is True
    assert str(raised.value).startswith("Some request: the answer broke off before its end (")
    assert (
        "invalid block type" in str(raised.value) if name == "broken-gzip" else "Connection broken" in str(raised.value)
    )


@pytest.mark.parametrize("name", sorted(cut_errors()))
def test_a_cut_token_answer_is_recorded_in_the_ledger_and_not_retried(store, name):
    session = FakeSession(FakeResponse({"token": TOKEN, "message": ""}, cut_errors()[name]))
    sleeps = []

    with pytest.raises(TransportError) as raised:
        client(session, store, sleeps, auth_mode="token").get_token()

    assert len(session.calls) == 1 and sleeps == []
    assert len(store.backend.load_ledger(account_key(BASE, USER))) == 1
    assert "counts as one of the 10 token generations" in str(raised.value)
    assert store.backend.load_token(account_key(BASE, USER)) is None


@pytest.mark.parametrize("name", sorted(cut_errors()))
def test_a_cut_status_answer_is_read_again(store, name):
    records = [{"Id": "1"}, {"Id": "2"}]
    session = FakeSession(
        FakeResponse({"status": "success", "message": records}, cut_errors()[name]),
        FakeResponse({"status": "success", "message": records}),
    )
    sleeps = []

    assert client(session, store, sleeps).get_scheduled_data() == records
    assert [method for method, url in session.calls] == ["GET", "GET"] and len(sleeps) == 1


def test_a_cut_delete_answer_then_no_data_counts_as_possibly_deleted(store):
    session = FakeSession(
        FakeResponse({"status": "success", "message": {"deleted": 3}}, cut_errors()["short-body"]),
        FakeResponse({"status": "error", "message": "No data found"}),
    )

    outcome = client(session, store, []).delete_scheduled_data("1-3")

    assert len(session.calls) == 2
    assert outcome.result == "not_found" and outcome.possibly_deleted_earlier is True


@pytest.mark.parametrize("name", sorted(cut_errors()))
def test_a_cut_post_answer_is_never_repeated_and_says_the_rows_may_exist(store, name):
    accepted = {"status": "success", "message": [{"msg": "Data updated successfully", "index": "0"}]}
    session = FakeSession(FakeResponse(accepted, cut_errors()[name]), FakeResponse(accepted))

    with pytest.raises(TransportError) as raised:
        client(session, store, []).schedule_campaign_data("camp", {"map": [], "data": [[]]}, False, " (1 rows)")

    assert len(session.calls) == 1
    assert "may have created them" in str(raised.value) and "broke off" in str(raised.value)


def test_an_http_library_error_raised_past_requests_is_a_lost_answer_too(store):
    class Exploding(FakeSession):
        def request(self, method, url, **kwargs):
            self.calls.append((method, url))
            raise cut_errors()["reset"]

    session = Exploding()

    with pytest.raises(TransportError) as raised:
        client(session, store, [], retries=1).get_scheduled_data()

    assert len(session.calls) == 2, "a status read is repeated"
    assert "broke off" in str(raised.value)


@pytest.mark.parametrize(
    "pasted, expected",
    [
        ("https://api.example.test/ca_apis", "https://api.example.test"),
        ("https://api.example.test/ca_apis/", "https://api.example.test"),
        ("https://api.example.test/CA_APIS//", "https://api.example.test"),
        ("https://api.example.test/partner/ca_apis", "https://api.example.test/partner"),
        ("https://api.example.test/", "https://api.example.test"),
        ("https://api.example.test/ca_apis_v2", "https://api.example.test/ca_apis_v2"),
    ],
)
def test_a_trailing_ca_apis_is_dropped_from_base_url(pasted, expected):
    assert normalized_base_url(pasted) == expected


@pytest.mark.parametrize(
    "base_url, warns",
    [
        ("http://cloudagent.example.test", True),
        ("http://192.0.2.7:8080", True),
        ("HTTP://[2001:db8::1]", True),
        ("http://127.0.0.1:8765", False),
        ("http://127.8.9.10", False),
        ("http://localhost:8765", False),
        ("http://[::1]:8765", False),
        ("https://cloudagent.example.test", False),
    ],
)
def test_plain_http_warns_unless_the_host_is_this_machine(base_url, warns):
    warning = plain_http_warning(base_url)
    assert (warning is not None) is warns
    if warns:
        assert "unencrypted" in warning and "https://" in warning


class Redirect:
    def __init__(self, status, location, url="http://api.example.test/ca_apis/getScheduledData"):
        self.status_code = status
        self.headers = {"Location": location}
        self.url = url


@pytest.mark.parametrize(
    "location, says_https",
    [
        ("https://api.example.test/ca_apis/getScheduledData", True),
        ("https://api.example.test:8443/ca_apis/getScheduledData", True),
        ("https://other.example.test/ca_apis/getScheduledData", False),
        ("http://api.example.test/elsewhere", False),
        ("/relative", False),
    ],
)
def test_a_redirect_to_the_https_form_of_the_same_host_says_to_use_https(location, says_https):
    with pytest.raises(ApiError) as raised:
        refuse_redirect(Redirect(301, location), "Status read")
    assert "HTTP 301 redirect" in str(raised.value) and "refused" in str(raised.value)
    assert ("use https:// in base_url" in str(raised.value)) is says_https


def test_a_404_names_the_url_path_requested(store):
    response = FakeResponse({"status": "error", "message": "Not Found"})
    response.status_code = 404
    response.url = BASE + "/partner/ca_apis/deleteScheduledData"

    with pytest.raises(ApiError) as raised:
        client(FakeSession(response), store, []).delete_scheduled_data("1")

    assert raised.value.status == 404
    assert "The URL path requested was /partner/ca_apis/deleteScheduledData" in str(raised.value)


# ---- HttpTransport: requests' exceptions become the collection's errors -------------------------------------


class Raising:
    """A session whose request raises ``error``."""

    def __init__(self, error):
        self.error = error
        self.calls = 0

    def request(self, method, url, **kwargs):
        self.calls += 1
        raise self.error


class Recording:
    """Stands for a transcript recording: keeps the responses tapped and the exception seen."""

    def __init__(self):
        self.tapped = []
        self.seen = "not left"

    def tap(self, response):
        self.tapped.append(response)
        return response

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.seen = exc_type
        return False


def transport(session, **overrides):
    settings = dict(base_url=BASE, timeout=5.0, validate_certs=True, ca_path=None, warn=lambda message: None)
    settings.update(overrides)
    return HttpTransport(session=session, **settings)


def attempt(session_or_transport, consume=lambda response, deadline: response, **options):
    sender = (
        session_or_transport if isinstance(session_or_transport, HttpTransport) else transport(session_or_transport)
    )
    return sender.attempt(
        "GET", "/ca_apis/x", {"userName": USER}, {"apiKey": API_KEY}, "Some request", consume, **options
    )


@pytest.mark.parametrize(
    "error, cause, landed",
    [
        (requests.exceptions.ConnectTimeout("slow"), "connecting to %s timed out after 5.0 s" % BASE, False),
        (requests.exceptions.ReadTimeout("slow"), "no answer from %s within 5.0 s (read timeout)" % BASE, True),
        (
            requests.exceptions.ConnectionError("Failed: [Errno 111] Connection refused')"),
            "cannot connect to %s ([Errno 111] Connection refused)" % BASE,
            False,
        ),
        (
            requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", RemoteDisconnected("gone"))),
            "cannot connect to %s (('Connection aborted.', RemoteDisconnected('gone')))" % BASE,
            True,
        ),
    ],
)
def test_a_connection_failure_is_returned_as_a_lost_answer_saying_whether_it_may_have_landed(error, cause, landed):
    lost = attempt(Raising(error))
    assert isinstance(lost, TransportError)
    assert str(lost) == "Some request: " + cause
    assert lost.may_have_landed is landed


def test_an_http_library_error_past_requests_is_returned_as_a_cut_answer():
    lost = attempt(Raising(cut_errors()["reset"]))
    assert isinstance(lost, TransportError) and lost.may_have_landed is True
    assert str(lost).startswith("Some request: the answer broke off before its end (Connection broken")


def test_a_tls_failure_is_raised_with_advice_not_returned():
    error = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:1000)")
    with pytest.raises(TransportError, match=r"TLS certificate verification failed .*Set ca_path"):
        attempt(Raising(error))


@pytest.mark.parametrize(
    "validate_certs, advice", [(True, ", or validate_certs: false for a test gateway."), (False, ".")]
)
def test_the_tls_advice_follows_validate_certs_even_with_a_ca_path(validate_certs, advice):
    error = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    with pytest.raises(TransportError) as raised:
        attempt(transport(Raising(error), validate_certs=validate_certs, ca_path="/etc/ca.pem"))
    assert str(raised.value).endswith("Set ca_path to the CA bundle that signed the server's certificate" + advice)


def test_a_request_requests_refuses_is_raised_with_its_first_line():
    error = requests.exceptions.InvalidHeader("Invalid leading whitespace in header value\nsecond line")
    with pytest.raises(TransportError) as raised:
        attempt(Raising(error))
    assert str(raised.value) == "Some request: Invalid leading whitespace in header value"


def test_an_error_text_is_masked_before_it_is_cut_to_a_snippet():
    secret = "FAKE-SECRET-0123456789-abcdefghij"
    error = requests.exceptions.InvalidHeader("x" * 75 + secret)
    with pytest.raises(TransportError) as raised:
        attempt(Raising(error), redact=lambda text: text.replace(secret, "********"))
    assert secret[:5] not in str(raised.value) and str(raised.value).endswith("x" * 75 + "*****...")


def test_an_answer_read_past_the_deadline_is_returned_as_lost():
    session = FakeSession(FakeResponse({"status": "success"}))
    lost = attempt(transport(session, timeout=0.2), consume=lambda response, deadline: time.sleep(2))
    assert isinstance(lost, TransportError) and lost.may_have_landed is True
    assert str(lost) == "Some request: no complete answer within 0.2 s (timeout bounds the whole request)"


def test_the_answer_goes_to_consume_through_the_recording_with_the_deadline():
    response = FakeResponse({"status": "success"})
    recording = Recording()
    seen = attempt(FakeSession(response), lambda answer, deadline: (answer, deadline.seconds), recording=recording)
    assert seen == (response, 5.0)
    assert recording.tapped == [response] and recording.seen is None


def test_the_recording_sees_a_lost_answer_and_an_error_of_consume_is_raised():
    recording = Recording()
    assert isinstance(attempt(Raising(requests.exceptions.ReadTimeout("slow")), recording=recording), TransportError)
    assert recording.seen is requests.exceptions.ReadTimeout

    def refuse(response, deadline):
        raise ApiError("refused", status=400)

    with pytest.raises(ApiError, match="refused"):
        attempt(FakeSession(FakeResponse({})), refuse)


def test_the_request_is_json_with_no_redirects_streamed_and_verified_against_ca_path():
    class Capturing(FakeSession):
        def request(self, method, url, **kwargs):
            self.kwargs = kwargs
            return super().request(method, url, **kwargs)

    session = Capturing(FakeResponse({}))
    attempt(transport(session, ca_path="/etc/ca.pem", timeout=7.0))
    assert session.calls == [("GET", BASE + "/ca_apis/x")]
    assert session.kwargs == dict(
        json={"userName": USER},
        headers={"apiKey": API_KEY, "Content-Type": "application/json", "Accept": "application/json"},
        timeout=(7.0, 7.0),
        verify="/etc/ca.pem",
        stream=True,
        allow_redirects=False,
    )


@pytest.mark.parametrize("base_url, warnings", [("http://api.example.test", 1), ("https://api.example.test", 0)])
def test_the_session_is_made_once_without_netrc_and_warns_of_plain_http_once(monkeypatch, base_url, warnings):
    seen = []
    made = []

    def new_session():
        made.append(FakeSession(FakeResponse({}), FakeResponse({})))
        made[-1].headers = {}
        return made[-1]

    monkeypatch.setattr(requests, "Session", new_session)
    sender = transport(None, base_url=base_url, warn=seen.append)
    attempt(sender)
    attempt(sender)
    assert len(made) == 1 and isinstance(made[0].auth, NoNetrc)
    assert made[0].headers["User-Agent"].startswith("ozonetel.cloudagent/")
    assert len(seen) == warnings


# ---- the whole-request deadline --------------------------------------------------------------------------------


class DrippingRaw:
    """A response body that yields one byte per read, the clock moving one second each time."""

    def __init__(self, clock, size):
        self.clock = clock
        self.left = size

    def read1(self, amount=None, decode_content=None):
        self.clock.now += 1.0
        if not self.left:
            return b""
        self.left -= 1
        return b"x"


class FakeClock:
    now = 100.0

    def __call__(self):
        return self.now


def test_iter_body_enforces_the_deadline_on_a_slow_drip():
    clock = FakeClock()
    response = requests.Response()
    response.raw = DrippingRaw(clock, 1000)
    deadline = Deadline(2.0, clock=clock)
    received = []
    with pytest.raises(TransportError) as caught:
        for chunk in iter_body(response, deadline):
            received.append(chunk)
    assert len(received) <= 2 and "2 s" in str(caught.value)
    assert caught.value.may_have_landed is True
