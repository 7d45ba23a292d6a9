# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token lookup: its options go to the one client factory, and every failure becomes an AnsibleLookupError."""

from __future__ import annotations

import pytest
import responses
from ansible.errors import AnsibleLookupError

from ansible_collections.ozonetel.cloudagent.plugins.lookup import ozonetel_token
from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _token_redis
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import TOKEN_PATH

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000-lookup"
TOKEN_A = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1IiwiaWF0IjoxLCJleHAiOjM2MDF9.sig-a"
TOKEN_B = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ1IiwiaWF0IjoxLCJleHAiOjM2MDF9.sig-b"


class Lookup(ozonetel_token.LookupModule):
    """The lookup with its options from a dict (Ansible's own option loading is tested by the integration tests)."""

    def __init__(self, options):
        super().__init__()
        self.options = options
        self.asked = []

    def set_options(self, task_keys=None, var_options=None, direct=None):
        self.options = dict(self.options, **(direct or {}))

    def get_option(self, option, hostvars=None):
        self.asked.append(option)
        return self.options[option]


@pytest.fixture
def options(tmp_path, monkeypatch):
    monkeypatch.delenv("OZONETEL_CA_PATH", raising=False)
    return dict(
        base_url=BASE,
        user_name="unit_user",
        api_key=API_KEY,
        token=None,
        auth_mode="token",
        validate_certs=True,
        ca_path=None,
        timeout=30.0,
        retries=3,
        token_cache=str(tmp_path / "tokens.json"),
        cache=True,
        min_validity=300,
    )


def token_reply(token):
    return responses.Response(responses.POST, BASE + TOKEN_PATH, json={"token": token, "message": ""})


@responses.activate
def test_a_token_is_generated_once_then_reused_from_the_cache(options):
    responses.add(token_reply(TOKEN_A))
    assert Lookup(options).run([]) == [TOKEN_A]
    assert Lookup(options).run([]) == [TOKEN_A]
    assert len(responses.calls) == 1


@responses.activate
def test_cache_false_generates_a_fresh_token_every_time(options):
    responses.add(token_reply(TOKEN_A))
    responses.add(token_reply(TOKEN_B))
    assert Lookup(options).run([]) == [TOKEN_A]
    assert Lookup(options).run([], cache=False) == [TOKEN_B]
    assert len(responses.calls) == 2


@responses.activate
def test_a_token_or_basic_mode_from_the_module_options_does_not_change_what_the_lookup_does(options):
    responses.add(token_reply(TOKEN_A))
    lookup = Lookup(dict(options, token="GIVEN-TOKEN", auth_mode="basic", retries=5))
    assert lookup.run([]) == [TOKEN_A]
    assert not {"token", "auth_mode", "retries"} & set(lookup.asked)


@responses.activate
def test_min_validity_decides_whether_the_cached_token_is_reused(options):
    responses.add(token_reply(TOKEN_A))  # lives one hour (iat 1, exp 3601)
    responses.add(token_reply(TOKEN_B))
    assert Lookup(options).run([]) == [TOKEN_A]
    assert Lookup(options).run([], min_validity=3600) == [TOKEN_B]


def test_without_requests_the_lookup_says_what_to_install(options, monkeypatch):
    monkeypatch.setattr(ozonetel_token, "HAS_REQUESTS", False)
    with pytest.raises(AnsibleLookupError, match=r"needs the Python library requests on the controller"):
        Lookup(options).run([])


def test_without_api_key_the_lookup_names_every_way_to_give_one(options):
    with pytest.raises(AnsibleLookupError, match=r"api_key is required: .*ozonetel_api_key .*OZONETEL_API_KEY"):
        Lookup(dict(options, api_key=None)).run([])


@responses.activate
def test_a_refused_generation_is_a_lookup_error_without_the_api_key(options):
    responses.add(responses.POST, BASE + TOKEN_PATH, json={"status": "error", "message": "Invalid key " + API_KEY})
    with pytest.raises(AnsibleLookupError) as raised:
        Lookup(options).run([])
    assert "Check user_name and api_key" in str(raised.value) and API_KEY not in str(raised.value)


def test_a_missing_redis_library_is_the_standard_missing_library_error(options, monkeypatch):
    monkeypatch.setattr(_token_redis, "HAS_REDIS", False)
    with pytest.raises(AnsibleLookupError, match=r"Failed to import the required Python library \(redis\)"):
        Lookup(dict(options, token_cache="redis://:pw-of-redis@127.0.0.1:1/0")).run([])


@pytest.mark.parametrize(
    "environment, direct, expected",
    [
        ("", {}, None),  # an AWX credential without a CA bundle sets OZONETEL_CA_PATH to ""
        ("", {"ca_path": "/etc/ca.pem"}, "/etc/ca.pem"),
        (None, {}, "/from/the/options"),
        ("/from/env.pem", {}, "/from/the/options"),
    ],
)
def test_an_empty_ca_path_variable_means_not_set(options, monkeypatch, environment, direct, expected):
    if environment is not None:
        monkeypatch.setenv("OZONETEL_CA_PATH", environment)
    lookup = Lookup(dict(options, ca_path="/from/the/options"))
    lookup.set_options(direct=direct)
    lookup._direct_options = frozenset(direct)
    assert lookup._option("ca_path") == expected
