# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile networks and odd servers: redirects, netrc, Retry-After, huge or deep bodies, echoed secrets, TLS."""

from __future__ import annotations

import json
import ssl
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, SSLError as Urllib3SSLError

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    DELETE_PATH,
    STATUS_PATH,
    TOKEN_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._info import scheduled_data_info
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import open_token_store

BASE = "https://cloudagent.example.test"
OTHER = "https://attacker.example.test"
API_KEY = "FAKE-API-KEY-0000-abcdef"
ODD_API_KEY = "FAKE+KEY/0000=odd&key"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1bml0In0.sig-hostile"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def warnings():
    return []


@pytest.fixture
def make_client(tmp_path, sleeps, warnings):
    def make(**overrides):
        settings = dict(
            base_url=BASE, user_name="unit_user", api_key=API_KEY, retries=2, timeout=5.0, auth_mode="basic"
        )
        settings.update(overrides)
        return CloudAgentClient(
            ConnectionSettings(**settings),
            token_store=open_token_store(str(tmp_path / "t.json")),
            warn=warnings.append,
            sleep=sleeps.append,
        )

    return make


def delete_reply(status=200, body=None, headers=None):
    if body is None:
        body = {"status": "success", "message": {"deleted": 1}}
    content = {"body": body} if isinstance(body, (str, bytes)) else {"json": body}
    return responses.Response(responses.DELETE, BASE + DELETE_PATH, status=status, headers=headers, **content)


# ---- 1. redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@responses.activate
def test_redirect_to_another_host_is_refused_and_never_followed(make_client, status):
    responses.add(delete_reply(status=status, body="", headers={"Location": OTHER + "/steal"}))
    responses.add(responses.GET, OTHER + "/steal", json={"status": "success", "message": "deleted"})
    responses.add(responses.DELETE, OTHER + "/steal", json={"status": "success", "message": "deleted"})
    with pytest.raises(ApiError) as caught:
        make_client().delete_scheduled_data("1")
    assert [call.request.url for call in responses.calls] == [BASE + DELETE_PATH]
    assert "HTTP %d" % status in str(caught.value) and "attacker.example.test" in str(caught.value)
    assert caught.value.status == status


@responses.activate
def test_redirect_of_token_generation_caches_no_token_of_the_other_host(make_client, tmp_path):
    responses.add(responses.POST, BASE + TOKEN_PATH, status=307, headers={"Location": OTHER + TOKEN_PATH})
    responses.add(responses.POST, OTHER + TOKEN_PATH, json={"token": TOKEN, "message": ""})
    with pytest.raises(ApiError) as caught:
        make_client(auth_mode="token").get_token()
    assert len(responses.calls) == 1 and "307" in str(caught.value)
    assert not (tmp_path / "t.json").exists() or TOKEN not in (tmp_path / "t.json").read_text()


# ---- 9. netrc ---------------------------------------------------------------------------------


@pytest.fixture
def netrc_for_the_api_host(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine cloudagent.example.test login netrc_user password netrc_password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))


@responses.activate
def test_netrc_for_the_api_host_does_not_replace_the_bearer_token(make_client, netrc_for_the_api_host):
    responses.add(delete_reply())
    make_client(auth_mode="token", token=TOKEN).delete_scheduled_data("1")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer " + TOKEN


@responses.activate
def test_netrc_adds_no_basic_credentials_in_basic_mode(make_client, netrc_for_the_api_host):
    responses.add(delete_reply())
    make_client().delete_scheduled_data("1")
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_proxy_and_ca_bundle_variables_still_apply(make_client, monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used by the mock")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    responses.add(delete_reply())
    make_client().delete_scheduled_data("1")
    sent = responses.calls[0].request.req_kwargs
    assert sent["verify"] == str(bundle)
    assert sent["proxies"].get("https") == "http://proxy.example.test:3128"


# ---- 8. Retry-After and hostile bodies -------------------------------------------------------------


def http_date(seconds_from_now):
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize("value", ["nan", "NaN", "-5", "inf", "-inf", "soon", "1e999", ""])
@responses.activate
def test_retry_after_that_is_not_a_finite_wait_falls_back_to_backoff(make_client, sleeps, value):
    responses.add(delete_reply(status=429, body="slow down", headers={"Retry-After": value}))
    responses.add(delete_reply(status=429, body="slow down", headers={"Retry-After": value}))
    responses.add(delete_reply())
    assert make_client().delete_scheduled_data("1").result == "deleted"
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize("value, expected", [("99999", 60.0), ("7", 7.0), ("0", 0.0), ("2.5", 2.5)])
@responses.activate
def test_retry_after_seconds_are_honoured_and_capped_at_60(make_client, sleeps, value, expected):
    responses.add(delete_reply(status=503, body="busy", headers={"Retry-After": value}))
    responses.add(delete_reply())
    make_client().delete_scheduled_data("1")
    assert sleeps == [expected]


@responses.activate
def test_retry_after_http_date_is_honoured_and_capped(make_client, sleeps):
    responses.add(delete_reply(status=503, body="busy", headers={"Retry-After": http_date(20)}))
    responses.add(delete_reply(status=503, body="busy", headers={"Retry-After": http_date(3600)}))
    responses.add(delete_reply(status=503, body="busy", headers={"Retry-After": http_date(-3600)}))
    responses.add(delete_reply())
    make_client(retries=3).delete_scheduled_data("1")
    assert 17.0 <= sleeps[0] <= 20.0 and sleeps[1:] == [60.0, 0.0]


@responses.activate
def test_json_nested_100000_deep_is_a_clean_error(make_client):
    responses.add(delete_reply(body="[" * 100000 + "]" * 100000))
    with pytest.raises(ApiError) as caught:
        make_client().delete_scheduled_data("1")
    assert "nested" in str(caught.value)


@responses.activate
def test_huge_answer_is_refused_by_size(make_client):
    responses.add(delete_reply(body=b'{"status": "success", "message": "' + b"x" * (9 * 1024 * 1024) + b'"}'))
    with pytest.raises(ApiError) as caught:
        make_client().delete_scheduled_data("1")
    assert "MiB" in str(caught.value) and "rowId '1'" in str(caught.value)


@responses.activate
def test_status_read_may_be_larger_than_the_small_answer_cap(make_client):
    records = [{"Id": str(number), "Response": "y" * 1000} for number in range(1, 10001)]
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": records})
    assert len(make_client().get_scheduled_data()) == 10000


# ---- 5. masking --------------------------------------------------------------------------------------


@responses.activate
def test_generate_token_error_quoting_the_key_is_masked(make_client):
    responses.add(
        responses.POST,
        BASE + TOKEN_PATH,
        json={"status": "false", "message": "Invalid apiKey %s for unit_user" % API_KEY},
    )
    with pytest.raises(AuthenticationError) as caught:
        make_client(auth_mode="token").get_token()
    assert API_KEY not in str(caught.value) and "********" in str(caught.value)
    assert API_KEY not in (caught.value.api_message or "")


@pytest.mark.parametrize("offset", [60, 70, 75, 79])
@responses.activate
def test_snippet_cut_inside_an_echoed_key_leaks_no_part_of_it(make_client, offset):
    page = "<html>" + "x" * (offset - 6) + API_KEY + "</html>"
    responses.add(delete_reply(status=500, body=page))
    with pytest.raises(ApiError) as caught:
        make_client().delete_scheduled_data("1")
    assert API_KEY[:5] not in str(caught.value)


@pytest.mark.parametrize("encode", [quote_plus, lambda key: quote(key, safe=""), quote, json.dumps])
@responses.activate
def test_url_encoded_echo_of_the_key_is_masked(make_client, encode):
    responses.add(delete_reply(status=500, body="<html>bad request apiKey=%s</html>" % encode(ODD_API_KEY)))
    with pytest.raises(ApiError) as caught:
        make_client(api_key=ODD_API_KEY).delete_scheduled_data("1")
    assert encode(ODD_API_KEY).strip('"') not in str(caught.value) and "********" in str(caught.value)


@responses.activate
def test_delete_success_message_echoing_the_key_is_masked(make_client):
    responses.add(delete_reply(body={"status": "success", "message": "deleted with key %s" % quote(ODD_API_KEY)}))
    outcome = make_client(api_key=ODD_API_KEY).delete_scheduled_data("1")
    assert outcome.result == "deleted" and quote(ODD_API_KEY) not in outcome.message
    assert "********" in outcome.message


@responses.activate
def test_records_echoing_the_client_secrets_are_masked_in_the_info_result(make_client, warnings):
    echo = json.dumps({"sent": {"token": TOKEN, "key": quote_plus(ODD_API_KEY)}})
    responses.add(
        responses.GET,
        BASE + STATUS_PATH,
        json={
            "status": "success",
            "message": [{"Id": "1", "Response": echo, TOKEN: "as a key", "ScheduleParams": "campaign_name=c"}],
        },
    )
    client = make_client(api_key=ODD_API_KEY, auth_mode="token", token=TOKEN)
    result = scheduled_data_info(client, Selection(), warnings.append).result()
    dumped = json.dumps(result)
    assert TOKEN not in dumped and quote_plus(ODD_API_KEY) not in dumped and result["scheduled_data"]


# ---- 10. TLS -------------------------------------------------------------------------------------


def ssl_failure(reason_text, verify=False):
    inner = ssl.SSLCertVerificationError(1, reason_text) if verify else ssl.SSLError(1, reason_text)
    wrapped = Urllib3SSLError(inner)
    pool_error = MaxRetryError(None, BASE + DELETE_PATH, reason=wrapped)
    return requests.exceptions.SSLError(pool_error)


@pytest.mark.parametrize("validate_certs", [True, False])
@responses.activate
def test_tls_to_a_plain_http_port_says_so_instead_of_blaming_verification(make_client, validate_certs):
    responses.add(
        responses.DELETE,
        BASE + DELETE_PATH,
        body=ssl_failure("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
    )
    with pytest.raises(TransportError) as caught:
        make_client(validate_certs=validate_certs).delete_scheduled_data("1")
    message = str(caught.value)
    assert "WRONG_VERSION_NUMBER" in message and "plain HTTP" in message
    assert "verification failed" not in message and "validate_certs: false" not in message


@responses.activate
def test_tls_handshake_failure_names_the_real_cause(make_client):
    responses.add(
        responses.DELETE,
        BASE + DELETE_PATH,
        body=ssl_failure("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)"),
    )
    with pytest.raises(TransportError) as caught:
        make_client().delete_scheduled_data("1")
    assert "SSLV3_ALERT_HANDSHAKE_FAILURE" in str(caught.value) and "verification failed" not in str(caught.value)


@responses.activate
def test_tls_verification_failure_keeps_its_advice_and_its_cause(make_client):
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
        make_client().delete_scheduled_data("1")
    assert "self-signed certificate in certificate chain" in str(caught.value) and "ca_path" in str(caught.value)


# ---- 5 and 8. records ----------------------------------------------------------------------------


def test_apikey_named_keys_are_masked_at_any_depth_and_their_values_everywhere():
    from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records

    response = {
        "data": {"api-key": "NESTED-SECRET-1", "apiKey ": "NESTED-SECRET-2", "list": [{"API_KEY": "NESTED-3"}]},
        "echo": "top=TOP-SECRET-0 nested=NESTED-SECRET-1",
        "NESTED-SECRET-2": "used as a key",
    }
    raw = {
        "Id": "4",
        "apiKey": "TOP-SECRET-0",
        "ScheduleParams": "api-key=PARAM-SECRET&apiKey%20=PARAM-2&campaign_name=c",
        "Response": json.dumps(response),
    }
    records = normalize_records([raw], [].append)
    dumped = json.dumps(records)
    for secret in ("TOP-SECRET-0", "NESTED-SECRET-1", "NESTED-SECRET-2", "NESTED-3", "PARAM-SECRET", "PARAM-2"):
        assert secret not in dumped, secret
    assert records[0]["response"]["data"]["api-key"] == "********"
    assert records[0]["params"] == {"campaign_name": "c"}


def test_record_id_of_5000_digits_is_skipped_with_a_short_warning():
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import existing_ids_in
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet

    warnings = []
    found = existing_ids_in(RowSet([(1, 10)]))(iter([{"Id": "9" * 5000}, {"Id": "3"}]))
    found.warn_skipped(warnings.append)
    assert found.kept.to_list() == [3]
    assert len(warnings) == 1 and "not an integer" in warnings[0] and len(warnings[0]) < 300


@pytest.mark.parametrize("depth", [200, 100000])
def test_deeply_nested_record_response_is_returned_shallow(depth):
    from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records

    raw = {"Id": "1", "Response": "[" * depth + "]" * depth}
    records = normalize_records([raw], [].append)
    json.dumps(records)  # Ansible must be able to serialise the result
    assert records[0]["id"] == 1


# ---- 4. the whole-request deadline ----------------------------------------------------------------


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
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._transport import Deadline, iter_body

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
