# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The three CloudAgent endpoints, with the quirks the vendor documents (see tests/emulator/README.md)."""

from __future__ import annotations

import json
from typing import Optional, Tuple

from .reply import Reply, vendor_error, vendor_false
from .rows import status_answer_pieces, vendor_spec_selector
from .schedule import schedule_campaign_data
from .state import TOKEN_EXPIRED, TOKEN_OK, EmulatorState

VENDOR_ROUTES = {
    ("POST", "/ca_apis/CAToken/generateToken"): "generate_token",
    ("DELETE", "/ca_apis/deleteScheduledData"): "delete",
    ("POST", "/ca_apis/deleteScheduledData"): "delete",  # answered 405 unless the delete_method setting allows it
    ("GET", "/ca_apis/getScheduledData"): "get_scheduled_data",
    ("POST", "/ca_apis/campaignScheduledData"): "schedule",
}


def parse_json_object(raw: bytes) -> dict:
    """The request body as a JSON object; anything unreadable counts as an empty body."""
    try:
        value = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def bearer_token(headers) -> Optional[str]:
    scheme, _sep, token = (headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def auth_kind(headers) -> str:
    if bearer_token(headers) is not None:
        return "bearer"
    return "apikey" if headers.get("apiKey") is not None else "none"


def chosen_row_spec(body: dict):
    """The vendor's pages disagree on the key name: read ``rowId`` first, then ``row_id``."""
    if body.get("rowId") is not None:
        return body["rowId"]
    return body.get("row_id")


def loggable_row_spec(body: dict) -> Optional[str]:
    spec = chosen_row_spec(body)
    if spec is None or isinstance(spec, str):
        return spec
    return json.dumps(spec)


def _invalid_token() -> Reply:
    return vendor_false("Invalid Token", http_status=401)


def _authenticate(state: EmulatorState, user_name, headers, wrong_key_reply: Reply) -> Optional[Reply]:
    """None when the caller may act for ``user_name``; else the reply the vendor gives."""
    account = state.accounts.get(user_name) if isinstance(user_name, str) else None
    token = bearer_token(headers)
    api_key = headers.get("apiKey")
    if account is None:
        return wrong_key_reply if token is None and api_key is not None else _invalid_token()
    if account.auth_mode == "BASIC_AUTH":
        if api_key is None and token is not None:
            return _invalid_token()
        # Vendor quirk: a wrong key in basic mode is not an auth error but looks like "nothing there".
        return None if account.key_matches(api_key) else wrong_key_reply
    if not token:
        return _invalid_token()
    verdict = state.check_token(user_name, token)
    if verdict == TOKEN_OK:
        return None
    if verdict == TOKEN_EXPIRED:
        return vendor_false("Token Expired")
    return _invalid_token()


def generate_token(state: EmulatorState, headers, body: dict) -> Tuple[Reply, bool]:
    user_name = body.get("userName")
    if user_name is None:
        return vendor_false("UserName is null"), False
    account = state.accounts.get(user_name) if isinstance(user_name, str) else None
    if account is None or not account.key_matches(headers.get("apiKey")):
        return vendor_false("Invalid userName or apiKey"), False
    if not state.token_budget_left(user_name):
        return vendor_false("Token generation limit exceeded"), False
    return Reply.json({"token": state.issue_token(user_name), "message": ""}), True


def delete_scheduled_data(state: EmulatorState, headers, body: dict) -> Reply:
    user_name = body.get("userName")
    if user_name is None:
        return vendor_false("UserName is null")
    failure = _authenticate(state, user_name, headers, vendor_error("No data found"))
    if failure is not None:
        return failure
    if not state.allow_delete(user_name):
        return vendor_error("Max limit exceeded")
    spec = chosen_row_spec(body)
    if spec is None or spec == "":
        return vendor_error("Mandatory parameter row_id is missing")
    select = vendor_spec_selector(spec)
    if select is None:
        return vendor_error("Invalid row_id")
    deleted = state.delete_rows(user_name, select)
    if not deleted:
        return vendor_error("No data found")
    return Reply.json({"status": "success", "message": {"deleted": deleted}})


def get_scheduled_data(state: EmulatorState, headers, body: dict) -> Reply:
    user_name = body.get("userName")
    if user_name is None:
        return vendor_false("UserName is null")
    failure = _authenticate(state, user_name, headers, Reply.json({"status": "success", "message": "null"}))
    if failure is not None:
        return failure
    api_key = state.accounts[user_name].api_key
    rows = state.rows_of(user_name)  # a snapshot: the body is written after the lock is released
    if state.settings["hide_created_rows"]:
        rows = [row for row in rows if not getattr(row, "hidden", False)]
    # Streamed: a 300,000-row answer is about 120 MB (one record comes back as a bare object).
    return Reply.streamed("success", lambda status_word: status_answer_pieces(status_word, rows, api_key))


def handle_vendor_request(state: EmulatorState, endpoint: str, headers, body: dict) -> Tuple[Reply, bool]:
    """Answer one vendor request; the flag tells whether a token was issued."""
    with state.lock:
        if endpoint == "generate_token":
            return generate_token(state, headers, body)
        if endpoint == "delete":
            return delete_scheduled_data(state, headers, body), False
        if endpoint == "schedule":
            return schedule_campaign_data(state, headers, body, _authenticate), False
        return get_scheduled_data(state, headers, body), False
