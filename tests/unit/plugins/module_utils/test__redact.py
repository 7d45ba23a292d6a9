# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import (
    MAX_RECORD_DEPTH,
    MIN_CUT_LENGTH,
    REDACTED,
    TOO_DEEP,
    is_secret_key,
    mask_text,
    mask_value,
    query_secrets,
    secret_forms,
    secret_values,
)

TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
KEY = "FAKE/ECHO+KEY=0003&x y"


@pytest.mark.parametrize(
    "text",
    [
        "Bearer %s" % TOKEN,
        "token=%s..." % TOKEN[:40],
        "cut: %s" % TOKEN[:MIN_CUT_LENGTH],
        "api_key=%s&x=1" % quote(KEY, safe=""),
        "api_key=%s" % quote(KEY, safe="")[:20],
        "key %s and again %s" % (KEY, KEY[:15]),
    ],
)
def test_a_secret_is_masked_whole_url_encoded_and_cut_short(text):
    masked = mask_text(text, secret_forms([TOKEN, KEY]))
    assert REDACTED in masked
    for secret in (TOKEN, KEY, quote(KEY, safe="")):
        assert secret[:MIN_CUT_LENGTH] not in masked, masked


def test_a_cut_start_shorter_than_the_minimum_and_other_text_stay():
    text = "%s is not a secret; neither is eyJhbG" % TOKEN[: MIN_CUT_LENGTH - 1]
    assert mask_text(text, secret_forms([TOKEN])) == text


def test_text_after_a_masked_start_is_kept():
    assert mask_text("a %s b" % TOKEN[:30], secret_forms([TOKEN])) == "a %s b" % REDACTED


def test_forms_sharing_a_start_are_each_masked_whole():
    key = "FAKE-HOSTILE-KEY+0001/x=y"
    text = "apiKey %s (%s)" % (key, quote_plus(key))
    assert mask_text(text, secret_forms([key])) == "apiKey %s (%s)" % (REDACTED, REDACTED)
    cut = "apiKey %s" % key[:18]
    assert mask_text(cut, secret_forms([key])) == "apiKey %s" % REDACTED


def test_every_echoed_form_of_a_secret_is_a_form_longest_first_and_empty_secrets_none():
    forms = secret_forms([KEY, "", None])
    assert set(forms) >= {KEY, quote(KEY), quote(KEY, safe=""), quote_plus(KEY), KEY.replace("/", "\\/")}
    assert "FAKE%2fECHO%2bKEY%3d0003%26x%20y" in forms  # a server may echo lower-case escapes
    assert [len(form) for form in forms] == sorted((len(form) for form in forms), reverse=True)
    assert secret_forms(["", None]) == []


@pytest.mark.parametrize("name", ["apiKey", "api_key", "api-key", "API Key ", "APIKEY", "Api.Key"])
def test_api_key_names_are_secret_keys(name):
    assert is_secret_key(name)


@pytest.mark.parametrize("name", ["apiKeys", "key", "api", "token", 7, None])
def test_other_names_are_not(name):
    assert not is_secret_key(name)


def test_secret_values_are_the_strings_of_api_key_named_keys_at_any_depth():
    value = {"apiKey": "K1", "list": [{"api_key": "K2"}, {"API-KEY": ""}, {"apikey": 3}], "other": "K3"}
    assert secret_values(value) == {"K1", "K2"}
    deep = {"apiKey": "TOO-DEEP"}
    for _level in range(MAX_RECORD_DEPTH + 2):
        deep = {"next": deep}
    assert secret_values(deep) == set()


def test_mask_value_masks_keys_strings_and_api_key_named_values_and_keeps_the_rest():
    value = {
        "apiKey": 12345,
        "echo": ["key %s" % KEY, 7, None, True, {KEY: 1.5}],
        7: "seven",
    }
    assert mask_value(value, secret_forms([KEY])) == {
        "apiKey": REDACTED,
        "echo": ["key %s" % REDACTED, 7, None, True, {REDACTED: 1.5}],
        7: "seven",
    }


def test_mask_value_stops_at_the_depth_limit():
    deep = "bottom"
    for _level in range(MAX_RECORD_DEPTH + 5):
        deep = [deep]
    masked = mask_value(deep, [])
    for _level in range(MAX_RECORD_DEPTH):
        masked = masked[0]
    assert masked == TOO_DEEP


@pytest.mark.parametrize(
    "query, expected",
    [
        ("apiKey=FAKE-1&apiKey=&campaign_name=c", {"FAKE-1"}),
        ("api_key=FAKE-1&API-KEY=FAKE-2&api%20key=FAKE-3", {"FAKE-1", "FAKE-2", "FAKE-3"}),
        ("api\u212aey=FAKE+4&key=not-one&campaign_name=apikey", {"FAKE 4"}),
        ("apikey=&apikey", set()),
        ("", set()),
    ],
)
def test_query_secrets_are_the_values_of_every_apikey_named_field_repeats_included(query, expected):
    assert query_secrets(query) == expected
