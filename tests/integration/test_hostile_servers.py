# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real ansible-playbook runs against small hostile servers on 127.0.0.1 (tests/integration/hostile_servers.py).

Every case asserts what the play did, that a failure names what happened, and that no secret
(the api key or a token, also URL-encoded) shows in the results, the warnings or -vvv output.
"""

from __future__ import annotations

import json
import re
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

import pytest

from cloudagent_harness.layout import DEMO_USER
from helpers import SecretScan, requests_to
from hostile_servers import HostileServer, drip_body, drip_headers, echo, endless_body, redirect, reply

DELETE = "Delete against the server"
READ = "Read against the server"
API_KEY = "FAKE-HOSTILE-KEY+0001/x=y"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJob3N0aWxlIn0.sig-hostile-0001"
DELETED = json.dumps({"status": "success", "message": "1 row(s) deleted"}).encode()
WALL_TIME_LIMIT = 40.0


def secret_forms():
    forms = {}
    for name, secret in (("api key", API_KEY), ("token", TOKEN)):
        forms.update(
            {
                name: secret,
                name + " (url-encoded)": quote(secret, safe=""),
                name + " (form-encoded)": quote_plus(secret),
                name + " (first 12 characters)": secret[:12],
            }
        )
    return forms


def basic_env(server, **extra):
    env = {
        "OZONETEL_BASE_URL": server.url,
        "OZONETEL_AUTH_MODE": "basic",
        "OZONETEL_USERNAME": "hostile_user",
        "OZONETEL_API_KEY": API_KEY,
    }
    env.update(extra)
    return env


def run_hostile(run_playbook, server, extravars=None, **env):
    return run_playbook("hostile.yml", extravars or {}, env=basic_env(server, **env), verbosity=3)


def assert_no_secret(result):
    scan = SecretScan(secret_forms())
    scan.scan("stdout (-vvv)", result.stdout)
    scan.scan("stderr", result.stderr)
    scan.scan("task results and warnings", json.dumps(result.records))
    assert scan.hits == {}, "secrets found: %r" % scan.hits


def failure_message(result, task=DELETE):
    assert result.rc != 0, result
    assert result.status(task) == "failed", result
    assert "Traceback" not in result.output, result
    assert result.elapsed < WALL_TIME_LIMIT, result
    return result.one(task)["msg"]


# ---- 1. redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [302, 307])
def test_cross_host_redirect_of_a_delete_is_refused_and_the_other_host_gets_nothing(run_playbook, status):
    with HostileServer([reply(200, DELETED)]) as other:
        target = "http://localhost:%d/ca_apis/deleteScheduledData" % other.port
        with HostileServer([redirect(status, target)]) as server:
            result = run_hostile(run_playbook, server, {"request_retries": 0})
        message = failure_message(result)
        assert other.requests == [], "the redirect target received %r" % other.requests
    assert len(server.requests) == 1
    assert "HTTP %d redirect to localhost:%d refused" % (status, other.port) in message
    assert_no_secret(result)


def test_redirect_of_token_generation_is_refused_and_no_token_is_cached(run_playbook, token_cache_file):
    token_answer = reply(200, json.dumps({"token": TOKEN, "message": ""}).encode())
    with HostileServer([token_answer]) as other:
        with HostileServer([redirect(307, "http://localhost:%d/ca_apis/CAToken/generateToken" % other.port)]) as server:
            result = run_hostile(run_playbook, server, OZONETEL_AUTH_MODE="token")
        message = failure_message(result)
        assert other.requests == []
    assert "HTTP 307 redirect to localhost:%d refused" % other.port in message
    assert not token_cache_file.exists() or TOKEN not in token_cache_file.read_text(encoding="utf-8")
    assert_no_secret(result)


# ---- 4. the whole-request deadline -------------------------------------------------------------


DRIP_SECONDS = 120  # a client without a whole-request deadline waits this long; the bound below is half of it


@pytest.mark.parametrize(
    "answer", [drip_body(DRIP_SECONDS), drip_headers(DRIP_SECONDS)], ids=["slow-body", "slow-headers"]
)
def test_slow_drip_is_cut_at_the_timeout_of_the_whole_request(run_playbook, answer):
    with HostileServer([answer]) as server:
        result = run_hostile(run_playbook, server, {"request_timeout": 2, "request_retries": 0})
    message = failure_message(result)
    assert "no complete answer within 2 s" in message
    # Far below the drip's length, however slow a loaded machine starts ansible-playbook: the message above
    # says where the request was cut, this says it was not cut only after the server gave up.
    assert result.elapsed < DRIP_SECONDS / 2, "timeout 2 must bound the request, the run took %.1f s" % result.elapsed
    assert_no_secret(result)


# ---- huge and deep answers ----------------------------------------------------------------------


def test_huge_answer_is_refused_by_size_without_exhausting_memory(run_playbook):
    with HostileServer([endless_body(200 * 1024 * 1024)]) as server:
        result = run_hostile(run_playbook, server, {"request_retries": 0})
    message = failure_message(result)
    assert re.search(r"larger than \d+ MiB", message), message
    assert_no_secret(result)


def test_deeply_nested_status_answer_is_a_clean_failure(run_playbook):
    nested = b"[" * 100000 + b"]" * 100000
    with HostileServer([reply(200, nested)]) as server:
        result = run_hostile(run_playbook, server, {"action": "info"})
    message = failure_message(result, READ)
    assert "nested too deeply" in message
    assert_no_secret(result)


def test_record_id_of_5000_digits_is_skipped_with_a_warning_in_info_and_check_mode(run_playbook):
    records = [
        {"Id": "9" * 5000, "ScheduleParams": "campaign_name=x"},
        {"Id": "3", "ScheduleParams": "campaign_name=x"},
    ]
    status = reply(200, json.dumps({"status": "success", "message": records}).encode())
    with HostileServer([status]) as server:
        info = run_hostile(run_playbook, server, {"action": "info"})
        check = run_playbook("hostile.yml", {"row_id": "1-5"}, env=basic_env(server), check=True, diff=True)
    assert info.rc == 0, info
    assert [record["id"] for record in info.one(READ)["scheduled_data"]] == [3]
    assert any("not an integer" in warning for warning in info.one(READ)["warnings"])
    assert check.rc == 0, check
    assert check.one(DELETE)["deleted"] == "3" and check.one(DELETE)["changed"] is True
    assert "Traceback" not in info.output + check.output
    assert_no_secret(info)


# ---- 8. Retry-After -----------------------------------------------------------------------------


def http_date(seconds_from_now):
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now), usegmt=True)


def too_many_requests(retry_after):
    """HTTP 429 with ``Retry-After: retry_after()``, computed when the request arrives."""

    def answer(handler, request, stopping):
        reply(429, b"slow down", {"Retry-After": retry_after()}, "text/plain")(handler, request, stopping)

    return answer


# case, Retry-After value, (least, most) seconds between the 429 and the retry; the normal back-off is 1 s
RETRY_AFTER = [
    ("nan", lambda: "nan", (0.8, 5.0)),
    ("-5", lambda: "-5", (0.8, 5.0)),
    ("99999", lambda: "99999", (59.0, 70.0)),
    ("an HTTP date 6 s ahead", lambda: http_date(6), (4.0, 9.0)),  # whole seconds: 5 to 6 s
]


def test_retry_after_values_are_checked_before_they_are_waited(playbook_runner):
    """The four runs go in parallel (one waits 60 s); each server answers 429 once, then success."""
    servers, runs = [], []
    try:
        for case in RETRY_AFTER:
            server = HostileServer([too_many_requests(case[1]), reply(200, DELETED)])
            servers.append(server.__enter__())
            runs.append(
                playbook_runner.start("hostile.yml", {"request_retries": 1}, env=basic_env(server), verbosity=3)
            )
        results = [run.wait() for run in runs]
    finally:
        for server in servers:
            server.stop()
    for (value, dummy, (least, most)), server, result in zip(RETRY_AFTER, servers, results):
        assert result.rc == 0, "Retry-After %s: %s" % (value, result)
        assert result.one(DELETE)["changed"] is True
        assert len(server.requests) == 2
        gap = server.requests[1]["time"] - server.requests[0]["time"]
        assert least <= gap <= most, "Retry-After %s: waited %.1f s, expected %s-%s" % (value, gap, least, most)
        assert "Traceback" not in result.output
        assert_no_secret(result)


# ---- 5. secrets echoed by the server ---------------------------------------------------------------


def api_key_of(request):
    return request["headers"].get("apiKey", "")


# Ansible itself masks the literal value of a no_log option in module results; these echoes are
# the forms it cannot recognise: cut by the error snippet, percent- and form-encoded.
ECHOES = [
    (
        "html-page-cut-in-the-key",
        echo(
            lambda r: ("<html><body><p>%s apiKey %s refused</p></body></html>" % ("x" * 50, api_key_of(r))).encode(),
            status=500,
            content_type="text/html",
        ),
        "failed",
    ),
    (
        "json-error",
        echo(
            lambda r: json.dumps(
                {"status": "error", "message": "apiKey %s is not allowed" % quote(api_key_of(r), safe="")}
            ).encode()
        ),
        "failed",
    ),
    (
        "url-encoded",
        echo(
            lambda r: ("error=bad+request&apiKey=%s" % quote_plus(api_key_of(r))).encode(),
            status=400,
            content_type="application/x-www-form-urlencoded",
        ),
        "failed",
    ),
    (
        "json-success",
        echo(
            lambda r: json.dumps(
                {"status": "success", "message": "deleted for apiKey %s" % quote(api_key_of(r), safe="")}
            ).encode()
        ),
        "ok",
    ),
]


@pytest.mark.parametrize("answer, outcome", [pytest.param(case[1], case[2], id=case[0]) for case in ECHOES])
def test_echoed_api_key_is_masked_everywhere(run_playbook, answer, outcome):
    with HostileServer([answer]) as server:
        result = run_hostile(run_playbook, server, {"request_retries": 0})
    assert server.requests and api_key_of(server.requests[0]) == API_KEY, "the server must have had the key to echo"
    if outcome == "ok":
        assert result.rc == 0, result
        assert "********" in result.one(DELETE)["batches"][0]["message"]
    else:
        message = failure_message(result)
        assert re.search(r"apiKey[ =]\*", message), message  # the mask itself may be cut by the snippet
    assert_no_secret(result)


def invalid_key_echo(request):
    return json.dumps(
        {
            "status": "false",
            "message": "Invalid userName or apiKey %s (%s)" % (api_key_of(request), quote_plus(api_key_of(request))),
        }
    ).encode()


def test_generate_token_error_quoting_the_key_is_masked(run_playbook):
    with HostileServer([echo(invalid_key_echo)]) as server:
        result = run_hostile(run_playbook, server, OZONETEL_AUTH_MODE="token")
    message = failure_message(result)
    assert "Invalid userName or apiKey ******** (********)" in message
    assert_no_secret(result)


def test_lookup_error_quoting_the_key_is_masked(run_playbook):
    """A lookup's error is not a module result: nothing but the collection masks it."""
    with HostileServer([echo(invalid_key_echo)]) as server:
        result = run_playbook("token_lookup.yml", env=basic_env(server, OZONETEL_AUTH_MODE="token"), verbosity=3)
    message = failure_message(result, "Look up a token through the cache")
    assert "Invalid userName or apiKey ******** (********)" in message
    assert_no_secret(result)


def test_records_mask_every_apikey_named_key_at_any_depth_and_secrets_used_as_keys(run_playbook):
    nested_secret = "FAKE-NESTED-SECRET-0077"
    response = {
        "request": {"api-key": nested_secret, "params": [{"apiKey ": nested_secret}]},
        "by key": {API_KEY: "the api key used as a key"},
        "echo": "sent %s" % quote_plus(API_KEY),
    }
    record = {
        "Id": "4",
        "apiKey": API_KEY,
        "ScheduleParams": "api-key=%s&campaign_name=c" % quote_plus(API_KEY),
        "Response": json.dumps(response),
    }
    status = reply(200, json.dumps({"status": "success", "message": [record]}).encode())
    with HostileServer([status]) as server:
        result = run_hostile(run_playbook, server, {"action": "info"})
    assert result.rc == 0, result
    returned = result.one(READ)["scheduled_data"]
    assert [entry["id"] for entry in returned] == [4] and returned[0]["params"] == {"campaign_name": "c"}
    assert returned[0]["response"]["request"]["api-key"] == "********"
    assert nested_secret not in result.output and nested_secret not in json.dumps(result.records)
    assert_no_secret(result)


# ---- 10. TLS against a plain-http port ------------------------------------------------------------


@pytest.mark.parametrize("validate_certs", [True, False])
def test_https_to_a_plain_http_port_says_so(run_playbook, validate_certs):
    with HostileServer([reply(200, DELETED)]) as server:
        https_url = server.url.replace("http://", "https://")
        result = run_hostile(
            run_playbook, server, {"validate_certs": validate_certs, "request_retries": 0}, OZONETEL_BASE_URL=https_url
        )
    message = failure_message(result)
    assert "WRONG_VERSION_NUMBER" in message and "plain HTTP port" in message, message
    assert "validate_certs: false" not in message and "verification failed" not in message
    assert_no_secret(result)


# ---- 9. ~/.netrc (the bundled emulator) -----------------------------------------------------------


def test_netrc_for_the_api_host_does_not_replace_the_bearer_token(emulator, run_playbook, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc_user password netrc_password\n", encoding="utf-8")
    netrc.chmod(0o600)
    emulator.seed(DEMO_USER, spec="1-10")

    result = run_playbook("delete.yml", {"row_id": "1-5"}, env={"NETRC": str(netrc)})

    assert result.rc == 0, result
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]
    assert {entry["auth"] for entry in requests_to(emulator.counters(), "delete")} == {"bearer"}


# ---- 6. a DELETE whose answer was lost (the bundled emulator) ---------------------------------------


@pytest.mark.parametrize("diff", [True, False], ids=["with-status-read", "without-status-read"])
def test_lost_delete_answer_counts_as_this_runs_change(emulator, run_playbook, diff):
    emulator.seed(DEMO_USER, spec="1-10")
    # The first DELETE is carried out 1.4 s late: after the 1 s timeout, before the retry (timeout + 1 s back-off).
    emulator.fault(endpoint="delete", kind="delay", seconds=1.4)

    result = run_playbook("delete.yml", {"row_id": "1-5", "request_timeout": 1}, diff=diff)

    assert result.rc == 0, result
    deletes = requests_to(emulator.counters(), "delete")
    assert [entry["api_message"] for entry in deletes][-1] == "No data found", deletes
    outcome = result.one("Delete the requested rows")
    assert outcome["changed"] is True
    assert outcome["deleted"] == "1-5"
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]
    warning = " ".join(outcome.get("warnings", []))
    assert ("status read showed rows 1-5" if diff else "probably deleted") in warning, warning
    if diff:
        assert outcome["diff"]["before"]["row_ids"] == [1, 2, 3, 4, 5]
