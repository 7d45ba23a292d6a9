# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import (
    MIN_CUT_LENGTH,
    REDACTED,
    mask_text,
    secret_forms,
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
