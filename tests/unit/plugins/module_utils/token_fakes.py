# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fakes for the token store's tests: accounts, CloudAgent-shaped JWTs, a clock and a token generator."""

from __future__ import annotations

import base64
import json
import time

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import open_token_store

BASE_URL = "https://in1-ccaas-api.ozonetel.com"
USER = "fake_user"
API_KEY = "FAKE-API-KEY-0000"
OTHER_API_KEY = "FAKE-API-KEY-1111"
T0 = 1_700_000_000.0


def b64url(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def make_jwt(exp, jti="1", **extra_claims) -> str:
    """An unsigned JWT shaped like CloudAgent's (HS512 header, sub/iat/exp claims)."""
    claims = {"sub": USER, "iat": int(exp) - 3600, "exp": int(exp), "jti": jti}
    claims.update(extra_claims)
    return b64url({"alg": "HS512", "typ": "JWT"}) + "." + b64url(claims) + ".FAKE-SIGNATURE-" + jti


def file_store(path=None, clock=time.time, warn=None):
    """The file-backed token store, the way every plugin opens it from the token_cache option."""
    return open_token_store(path, warn=warn, clock=clock)


class FakeClock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


class FakeGenerate:
    """Counts calls and returns a distinct token valid ``lifetime`` seconds from the fake clock."""

    def __init__(self, clock, lifetime=3600):
        self.clock = clock
        self.lifetime = lifetime
        self.tokens = []

    @property
    def calls(self):
        return len(self.tokens)

    def __call__(self):
        token = make_jwt(self.clock() + self.lifetime, jti=str(len(self.tokens) + 1))
        self.tokens.append(token)
        return token


def read_cache_file(path):
    with open(path, encoding="utf-8") as cache_file:
        return json.load(cache_file)


def only_account(path):
    (entry,) = read_cache_file(path)["accounts"].values()
    return entry


def assert_no_secret(text, *tokens):
    for secret in (API_KEY, OTHER_API_KEY) + tokens:
        assert secret not in text
