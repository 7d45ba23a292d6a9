# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""From options to a client: checked before any HTTP, the same way for modules and the lookup."""

from __future__ import annotations

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._options import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_options,
    settings_from_options,
    token_cache_secrets,
    unmask_plain_token_cache,
)

BASE = "https://api.example.test"
API_KEY = "FAKE-API-KEY-0000-options"


def options(**overrides):
    values = dict(
        base_url=BASE + "/",
        user_name="u",
        api_key=API_KEY,
        token=None,
        auth_mode="token",
        validate_certs=True,
        ca_path=None,
        timeout=30.0,
        retries=3,
        token_cache=None,
    )
    values.update(overrides)
    return values.get


def test_settings_strip_the_trailing_slash():
    assert settings_from_options(options()).base_url == BASE


def test_settings_take_every_option_and_treat_empty_text_as_not_given():
    settings = settings_from_options(
        options(
            base_url="  http://127.0.0.1:8765/ ",
            user_name=" u ",
            token="",
            ca_path="",
            timeout="2.5",
            retries="0",
            validate_certs=0,
            token_cache="  ",
        )
    )
    assert (settings.base_url, settings.user_name, settings.token, settings.ca_path) == (
        "http://127.0.0.1:8765",
        "u",
        None,
        None,
    )
    assert (settings.timeout, settings.retries, settings.validate_certs, settings.token_cache) == (2.5, 0, False, None)
    assert settings_from_options(options(token_cache=" /tmp/t.json ", auth_mode=None)).token_cache == "/tmp/t.json"
    assert settings_from_options(options(auth_mode=None)).auth_mode == "token"


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (
            dict(user_name=None),
            "user_name is required: set the option user_name or the environment variable OZONETEL_USERNAME.",
        ),
        (dict(user_name="  "), "OZONETEL_USERNAME"),
        (
            dict(base_url=None),
            "base_url is required: set the option base_url or the environment variable OZONETEL_BASE_URL.",
        ),
        (dict(base_url="in1-ccaas-api.ozonetel.com"), "base_url 'in1-ccaas-api.ozonetel.com' is not an http(s) URL"),
        (dict(timeout=0), "timeout must be a positive"),
        (dict(retries=-1), "retries must be 0 or more"),
        (dict(auth_mode="oauth"), "auth_mode must be 'token' or 'basic', got 'oauth'."),
        (dict(auth_mode="basic", api_key=None), "auth_mode=basic needs api_key"),
        (dict(api_key=None), "auth_mode=token needs api_key or token"),
    ],
)
def test_bad_connection_options_are_named(overrides, expected):
    with pytest.raises(ConfigurationError) as caught:
        settings_from_options(options(**overrides))
    assert expected in str(caught.value)


@pytest.mark.parametrize("accepted", [dict(retries=0), dict(api_key=None, token="T"), dict(base_url="HTTP://h")])
def test_edge_values_are_accepted(accepted):
    settings_from_options(options(**accepted))


@pytest.mark.parametrize(
    "location, expected",
    [
        ("redis://", "names no host"),
        ("redis://:FAKE-PASSWORD-9@cache.example.test:6379/zero", "is not a number"),
        ("unix://", "names no socket"),
        ("https://:FAKE-PASSWORD-9@cache.example.test/", "neither a file path nor a Redis URL"),
    ],
)
def test_bad_token_cache_fails_before_any_request_naming_it_masked(location, expected):
    with pytest.raises(ConfigurationError) as caught:
        client_from_options(options(token_cache=location))
    assert expected in str(caught.value)
    assert "FAKE-PASSWORD-9" not in str(caught.value)


def test_basic_mode_never_opens_the_token_store():
    client = client_from_options(options(auth_mode="basic", token_cache="redis://"))
    assert client.settings.auth_mode == "basic"


def test_the_client_gets_the_settings_and_the_warning_callback(tmp_path):
    warnings = []
    client = client_from_options(options(token_cache=str(tmp_path / "t.json")), warn=warnings.append)
    assert client.settings == settings_from_options(options(token_cache=str(tmp_path / "t.json")))
    assert client.token_store().description == "the token cache %s" % (tmp_path / "t.json")
    client._warn("a warning naming " + API_KEY)
    assert warnings == ["a warning naming ********"]


def test_url_encoded_password_is_masked_in_both_forms():
    assert token_cache_secrets("redis://:p%40ss@host:6379/0") == ["p%40ss", "p@ss"]
    assert token_cache_secrets("/home/u/.cache/tokens.json") == []
    assert token_cache_secrets(None) == []


@pytest.mark.parametrize(
    "location, left",
    [
        ("/home/u/.cache/tokens.json", {"other"}),
        ("redis://cache.example.test:6379/0", {"other"}),
        (
            "redis://:p%40ss@cache.example.test:6379/0",
            {"other", "redis://:p%40ss@cache.example.test:6379/0", "p%40ss", "p@ss"},
        ),
    ],
)
def test_only_the_secret_parts_of_token_cache_stay_masked(location, left):
    no_log_values = {"other", location}
    unmask_plain_token_cache(no_log_values, location)
    assert no_log_values == left


def test_the_secrets_of_the_argument_spec_are_no_log():
    assert sorted(name for name, spec in CONNECTION_ARGUMENT_SPEC.items() if spec.get("no_log")) == [
        "api_key",
        "token",
        "token_cache",
    ]
