# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a new user trips on: base_url pasted with /ca_apis, a 404, plain http to another host, an http->https redirect."""

from __future__ import annotations

import re

import pytest

from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from helpers import requests_to
from hostile_servers import HostileServer, redirect, reply

DELETE = "Delete the requested rows"
HOSTILE_DELETE = "Delete against the server"
UNENCRYPTED = "unencrypted"


def assert_clean(result):
    assert "Traceback" not in result.output, result
    assert DEMO_API_KEY not in result.output


@pytest.mark.parametrize("suffix", ["/ca_apis", "/ca_apis/", "/CA_APIS"])
def test_a_base_url_pasted_with_ca_apis_works(emulator, run_playbook, suffix):
    emulator.seed(DEMO_USER, spec="1-10")

    result = run_playbook("delete.yml", {"row_id": "1-5"}, env={"OZONETEL_BASE_URL": emulator.url + suffix})

    assert result.rc == 0, result
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]
    assert [entry["path"] for entry in emulator.counters()["requests"]] == [
        "/ca_apis/CAToken/generateToken",
        "/ca_apis/deleteScheduledData",
    ]


def test_a_404_names_the_url_path_that_was_requested(run_playbook):
    with HostileServer([reply(404, b"Not Found", content_type="text/plain")]) as server:
        env = {"OZONETEL_BASE_URL": server.url + "/partner", "OZONETEL_USERNAME": "new_user"}
        result = run_playbook("delete.yml", {"row_id": "1-5"}, env=env)
    assert result.rc != 0
    message = result.one(DELETE)["msg"]
    assert "HTTP 404" in message and "/partner/ca_apis/CAToken/generateToken" in message, message
    assert "base_url" in message
    assert [request["path"] for request in server.requests] == ["/partner/ca_apis/CAToken/generateToken"]
    assert_clean(result)


def test_plain_http_to_another_host_warns_that_the_api_key_travels_unencrypted(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    # The emulator doubles as the HTTP proxy, so a non-loopback host name reaches it.
    proxy = {"HTTP_PROXY": emulator.url, "http_proxy": emulator.url, "NO_PROXY": None, "no_proxy": None}
    remote = dict(proxy, OZONETEL_BASE_URL="http://cloudagent.example.test")

    result = run_playbook("delete.yml", {"row_id": "1-5"}, env=remote)
    local = run_playbook("delete.yml", {"row_id": "6-7"})

    assert result.rc == 0 and local.rc == 0, (result, local)
    assert emulator.ids(DEMO_USER) == [8, 9, 10]
    warnings = result.one(DELETE)["warnings"]
    assert any(UNENCRYPTED in warning and "cloudagent.example.test" in warning for warning in warnings), warnings
    assert not any(UNENCRYPTED in warning for warning in local.one(DELETE)["warnings"]), "loopback http is quiet"
    assert len(requests_to(emulator.counters(), "delete")) == 2
    assert_clean(result)


@pytest.mark.parametrize("status", [301, 308])
def test_a_redirect_to_the_https_form_of_the_same_host_says_to_use_https(run_playbook, status):
    with HostileServer([redirect(status, "https://127.0.0.1/ca_apis/deleteScheduledData")]) as server:
        env = {"OZONETEL_BASE_URL": server.url, "OZONETEL_AUTH_MODE": "basic", "OZONETEL_USERNAME": "new_user"}
        result = run_playbook("hostile.yml", {"request_retries": 0}, env=env)
    assert result.rc != 0
    message = result.one(HOSTILE_DELETE)["msg"]
    assert "HTTP %d redirect" % status in message and "refused" in message, message
    assert re.search(r"use https:// in base_url", message), message
    assert len(server.requests) == 1
    assert_clean(result)
