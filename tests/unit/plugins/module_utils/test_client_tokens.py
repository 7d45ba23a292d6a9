# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client's token handling at the HTTP seam: refused tokens, lost generations, the token_cache option."""

from __future__ import annotations

import base64
import json

import pytest
import requests
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import (
    DELETE_PATH,
    TOKEN_PATH,
    CloudAgentClient,
    ConnectionSettings,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    TokenInvalidError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import account_key, open_token_store

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000"
INVALID_TOKEN = {"status": "false", "message": "Invalid Token", "data": None}


def fake_jwt(tag):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return "%s.%s.sig-%s" % (
        part({"alg": "HS512"}),
        part({"sub": "unit_user", "iat": 4102441200, "exp": 4102444800}),
        tag,
    )


TOKEN_A, TOKEN_B, TOKEN_C = fake_jwt("a"), fake_jwt("b"), fake_jwt("c")


@pytest.fixture
def store(tmp_path):
    return open_token_store(str(tmp_path / "tokens.json"))


@pytest.fixture
def make_client(store):
    def make(**overrides):
        settings = dict(base_url=BASE, user_name="unit_user", api_key=API_KEY, retries=0, timeout=5.0)
        settings.update(overrides)
        return CloudAgentClient(ConnectionSettings(**settings), token_store=store, sleep=lambda seconds: None)

    return make


def token_reply(token):
    return responses.Response(responses.POST, BASE + TOKEN_PATH, json={"token": token, "message": ""})


def delete_reply(body=None, status=200):
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
def test_cached_token_answered_invalid_token_is_evicted_and_replaced_once(make_client, store):
    responses.add(token_reply(TOKEN_A))
    make_client().get_token()  # TOKEN_A is now in the store, as after an earlier run
    responses.add(delete_reply(INVALID_TOKEN, status=401))
    responses.add(token_reply(TOKEN_B))
    responses.add(delete_reply())
    assert make_client().delete_scheduled_data("1").result == "deleted"
    assert endpoints_called() == ["generateToken", "deleteScheduledData", "generateToken", "deleteScheduledData"]
    assert responses.calls[3].request.headers["Authorization"] == "Bearer " + TOKEN_B
    assert stored_token(store) == TOKEN_B
    assert len(store.backend.load_ledger(account_key(BASE, "unit_user"))) == 2


@responses.activate
def test_fresh_token_refused_too_fails_suggesting_basic_auth_without_a_third_generation(make_client, store):
    responses.add(token_reply(TOKEN_A))
    responses.add(delete_reply(INVALID_TOKEN, status=401))
    responses.add(token_reply(TOKEN_B))
    responses.add(delete_reply(INVALID_TOKEN, status=401))
    with pytest.raises(TokenInvalidError) as caught:
        make_client().delete_scheduled_data("1")
    message = str(caught.value)
    assert "auth_mode: basic" in message and "Invalid Token" in message
    assert endpoints_called().count("generateToken") == 2
    assert TOKEN_A not in message and TOKEN_B not in message and API_KEY not in message


@responses.activate
def test_user_token_refused_as_invalid_without_api_key_fails_clearly(make_client):
    responses.add(delete_reply(INVALID_TOKEN, status=401))
    with pytest.raises(TokenInvalidError) as caught:
        make_client(token=TOKEN_C, api_key=None).delete_scheduled_data("1")
    assert "token option" in str(caught.value) and "api_key" in str(caught.value)
    assert TOKEN_C not in str(caught.value)
    assert endpoints_called() == ["deleteScheduledData"]


@responses.activate
def test_user_token_refused_with_api_key_is_replaced_through_the_store(make_client, store):
    responses.add(delete_reply(INVALID_TOKEN, status=401))
    responses.add(token_reply(TOKEN_B))
    responses.add(delete_reply())
    assert make_client(token=TOKEN_C).delete_scheduled_data("1").result == "deleted"
    assert stored_token(store) == TOKEN_B


@responses.activate
def test_generation_whose_answer_was_lost_counts_in_the_ledger(make_client, store):
    responses.add(token_reply(TOKEN_A))
    make_client().get_token()
    responses.add(responses.POST, BASE + TOKEN_PATH, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as caught:
        make_client().get_token(fresh=True)
    assert "counts as one of the 10 token generations" in str(caught.value)
    assert len(store.backend.load_ledger(account_key(BASE, "unit_user"))) == 2
    assert stored_token(store) is None, "the stored token may have been logged out by the lost generation"


@responses.activate
def test_generation_that_never_connected_is_not_counted(make_client, store):
    responses.add(responses.POST, BASE + TOKEN_PATH, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(TransportError):
        make_client().get_token()
    assert store.backend.load_ledger(account_key(BASE, "unit_user")) == []
