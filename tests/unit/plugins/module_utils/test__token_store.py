# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token rules (reuse, the 10-an-hour ledger, expiry, lost generations), shown over the file backend."""

from __future__ import annotations

import base64
import datetime

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    TokenBudgetError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import (
    DEFAULT_MIN_VALIDITY,
    GENERATIONS_PER_HOUR,
    TOKEN_LIFETIME_FALLBACK,
    token_lifetime,
)
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.token_fakes import (
    API_KEY,
    BASE_URL,
    OTHER_API_KEY,
    T0,
    USER,
    assert_no_secret,
    b64url,
    file_store,
    make_jwt,
    only_account,
    read_cache_file,
)


# ---- reuse and regeneration ----------------------------------------------------------------


def test_reuses_cached_token_while_it_has_enough_life_left(cache, clock, generate):
    first = cache.get_token(BASE_URL, USER, API_KEY, generate)
    clock.now += 3600 - DEFAULT_MIN_VALIDITY - 1
    again = cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert again == first == generate.tokens[0]
    assert generate.calls == 1


def test_other_instances_reuse_the_file(cache_path, clock, generate):
    first = file_store(cache_path, clock).get_token(BASE_URL, USER, API_KEY, generate)
    second = file_store(cache_path, clock).get_token(BASE_URL + "/", USER, API_KEY, generate)
    assert second == first
    assert generate.calls == 1


@pytest.mark.parametrize("seconds_left", [DEFAULT_MIN_VALIDITY, 10, 0, -100])
def test_regenerates_when_less_than_min_validity_is_left(cache, clock, generate, seconds_left):
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    clock.now = T0 + 3600 - seconds_left
    token = cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert generate.calls == 2
    assert token == generate.tokens[1]


def test_min_validity_is_honoured(cache, clock, generate):
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    clock.now += 1000
    cache.get_token(BASE_URL, USER, API_KEY, generate, min_validity=2000)
    assert generate.calls == 1
    cache.get_token(BASE_URL, USER, API_KEY, generate, min_validity=2700)
    assert generate.calls == 2


def test_fresh_generates_and_later_calls_reuse_the_newest(cache, clock, generate):
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    newest = cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert newest == generate.tokens[1]
    assert cache.get_token(BASE_URL, USER, API_KEY, generate) == newest
    assert generate.calls == 2
    assert only_account(cache.backend.path)["generated"] == [T0, T0]


def test_refused_token_is_replaced_once(cache, clock, generate):
    refused = cache.get_token(BASE_URL, USER, API_KEY, generate)
    replacement = cache.get_token(BASE_URL, USER, API_KEY, generate, refused_token=refused)
    assert replacement != refused
    assert generate.calls == 2
    assert cache.get_token(BASE_URL, USER, API_KEY, generate, refused_token=refused) == replacement
    assert generate.calls == 2


def test_refused_token_yields_the_newer_token_of_another_process(cache_path, clock, generate):
    ours = file_store(cache_path, clock).get_token(BASE_URL, USER, API_KEY, generate)
    theirs = file_store(cache_path, clock).get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    token = file_store(cache_path, clock).get_token(BASE_URL, USER, API_KEY, generate, refused_token=ours)
    assert token == theirs != ours
    assert generate.calls == 2


def test_token_made_with_another_key_is_not_reused(cache, generate):
    first = cache.get_token(BASE_URL, USER, API_KEY, generate)
    second = cache.get_token(BASE_URL, USER, OTHER_API_KEY, generate)
    assert second != first
    assert generate.calls == 2
    assert cache.get_token(BASE_URL, USER, OTHER_API_KEY, generate) == second
    with open(cache.backend.path, encoding="utf-8") as cache_file:
        assert_no_secret(cache_file.read())


def test_accounts_are_kept_apart_and_keyed_without_the_key(cache, generate):
    cache.get_token("HTTPS://In1-CCaaS-API.ozonetel.com/", USER, API_KEY, generate)
    cache.get_token("https://api.ccaas.ozonetel.com", USER, API_KEY, generate)
    cache.get_token(BASE_URL, "other_user", API_KEY, generate)
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert generate.calls == 3
    assert sorted(read_cache_file(cache.backend.path)["accounts"]) == [
        "https://api.ccaas.ozonetel.com|fake_user",
        "https://in1-ccaas-api.ozonetel.com|fake_user",
        "https://in1-ccaas-api.ozonetel.com|other_user",
    ]


# ---- expiry -------------------------------------------------------------------------------


def test_token_lifetime_is_exp_minus_iat():
    assert token_lifetime(make_jwt(T0 + 123, iat=int(T0))) == 123


@pytest.mark.parametrize("lifetime", [86400, 86401, 7 * 86400, 1e17, 1e300])
def test_token_lifetime_is_capped_at_24_hours(lifetime):
    assert token_lifetime(make_jwt(T0 + lifetime, iat=int(T0))) == min(lifetime, 86400)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "a.%%%.c",
        "a." + b64url(["exp"]) + ".c",
        "a." + b64url({"sub": USER}) + ".c",
        "a." + b64url({"exp": "soon"}) + ".c",
        "a." + b64url({"exp": True}) + ".c",
        "a." + base64.urlsafe_b64encode(b"\xff\xfe").decode() + ".c",
    ],
)
def test_token_lifetime_falls_back_when_unreadable(token):
    assert token_lifetime(token) == TOKEN_LIFETIME_FALLBACK


def test_stored_expiry_comes_from_the_token_or_the_fallback(cache, clock):
    cache.get_token(BASE_URL, USER, API_KEY, lambda: make_jwt(T0 + 1800, iat=int(T0)))
    assert only_account(cache.backend.path)["expires_at"] == T0 + 1800
    clock.now += 100
    cache.get_token(BASE_URL, USER, API_KEY, lambda: "opaque-FAKE-TOKEN", fresh=True)
    assert only_account(cache.backend.path)["expires_at"] == T0 + 100 + TOKEN_LIFETIME_FALLBACK


# ---- generation ledger --------------------------------------------------------------------


def _generate_fresh_tokens(cache, clock, generate, count, step=60):
    for dummy in range(count):
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
        clock.now += step


def test_eleventh_generation_in_an_hour_is_refused_with_the_next_allowed_time(cache, clock, generate):
    _generate_fresh_tokens(cache, clock, generate, GENERATIONS_PER_HOUR)  # at T0, T0+60, ..., T0+540
    assert clock.now == T0 + 600
    with pytest.raises(TokenBudgetError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert generate.calls == GENERATIONS_PER_HOUR
    message = str(caught.value)
    next_allowed = datetime.datetime.fromtimestamp(T0 + 3600, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert next_allowed in message
    assert "in 50 minutes" in message
    assert "10 tokens were generated for user 'fake_user'" in message
    assert "allows 10" in message and "logs out the previous one" in message
    assert "Reuse the cached token" in message and "wait" in message
    assert_no_secret(message, *generate.tokens)


def test_budget_refusal_does_not_block_reuse(cache, clock, generate):
    _generate_fresh_tokens(cache, clock, generate, GENERATIONS_PER_HOUR)
    assert cache.get_token(BASE_URL, USER, API_KEY, generate) == generate.tokens[-1]


def test_generations_older_than_an_hour_are_pruned(cache, clock, generate):
    _generate_fresh_tokens(cache, clock, generate, GENERATIONS_PER_HOUR)
    clock.now = T0 + 3600  # the generation at T0 is now an hour old
    cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert generate.calls == GENERATIONS_PER_HOUR + 1
    assert only_account(cache.backend.path)["generated"] == [T0 + 60 * i for i in range(1, 10)] + [T0 + 3600]
    with pytest.raises(TokenBudgetError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert "in 1 minute" in str(caught.value)


def test_ledger_is_per_user_and_survives_a_key_change(cache, clock, generate):
    _generate_fresh_tokens(cache, clock, generate, GENERATIONS_PER_HOUR, step=1)
    with pytest.raises(TokenBudgetError):
        cache.get_token(BASE_URL, USER, OTHER_API_KEY, generate)
    cache.get_token(BASE_URL, "other_user", API_KEY, generate)
    assert generate.calls == GENERATIONS_PER_HOUR + 1


def test_failed_generation_propagates_and_is_not_recorded(cache, clock, generate):
    _generate_fresh_tokens(cache, clock, generate, GENERATIONS_PER_HOUR - 1)
    before = read_cache_file(cache.backend.path)
    failure = ApiError("Invalid userName or apiKey", status=200, api_message="Invalid userName or apiKey")

    def failing_generate():
        raise failure

    for dummy in range(3):
        with pytest.raises(ApiError) as caught:
            cache.get_token(BASE_URL, USER, API_KEY, failing_generate, fresh=True)
        assert caught.value is failure
    assert read_cache_file(cache.backend.path) == before
    cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)  # the 10th real generation is still allowed
    assert generate.calls == GENERATIONS_PER_HOUR


# ---- clock rules ---------------------------------------------------------------------------


def test_expiry_is_measured_on_the_local_clock_when_the_vendor_clock_is_behind(cache, clock):
    behind = int(T0) - 5 * 3600  # the vendor's clock runs 5 hours behind ours
    token = cache.get_token(BASE_URL, USER, API_KEY, lambda: make_jwt(behind + 3600, iat=behind))
    clock.now += 3600 - DEFAULT_MIN_VALIDITY - 1
    assert cache.get_token(BASE_URL, USER, API_KEY, lambda: pytest.fail("the valid token was not reused")) == token
    assert only_account(cache.backend.path)["expires_at"] == T0 + 3600


def test_ledger_entries_dated_in_the_future_are_clamped(cache, clock, generate):
    _generate_fresh_tokens(cache, clock, generate, GENERATIONS_PER_HOUR, step=0)
    for moment in only_account(cache.backend.path)["generated"]:
        assert moment == T0
    clock.now = T0 - 30 * 86400  # the clock ran a month ahead while those were stamped, and is corrected now
    with pytest.raises(TokenBudgetError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert "in 60 minutes" in str(caught.value)
    assert only_account(cache.backend.path)["generated"] == [clock.now] * GENERATIONS_PER_HOUR
    clock.now += 3600
    cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert generate.calls == GENERATIONS_PER_HOUR + 1


# ---- lost generations ----------------------------------------------------------------------


def test_lost_generations_reach_the_ledger_and_the_superseded_token_is_dropped(cache, clock, generate):
    stored = cache.get_token(BASE_URL, USER, API_KEY, generate)

    def lost_generate():
        error = TransportError("Generate Token: no answer within 5 s (read timeout)")
        error.may_have_landed = True
        raise error

    for dummy in range(GENERATIONS_PER_HOUR - 1):
        with pytest.raises(TransportError):
            cache.get_token(BASE_URL, USER, API_KEY, lost_generate, fresh=True)
    assert len(only_account(cache.backend.path)["generated"]) == GENERATIONS_PER_HOUR
    assert only_account(cache.backend.path)["token"] is None
    with pytest.raises(TokenBudgetError):
        cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert generate.tokens == [stored]
