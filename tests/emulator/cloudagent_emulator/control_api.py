# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The /_emulator/ control API: JSON in, JSON out, no auth (it binds to localhost by default)."""

from __future__ import annotations

import json
from typing import Dict

from .faults import FaultError
from .reply import Reply
from .rows import DEFAULT_CAMPAIGN, SpecError, parse_seed_spec
from .state import Account, EmulatorState, StateError

PREFIX = "/_emulator/"


def _reset(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    state.reset()
    return {"ok": True}


def _add_account(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    state.add_account(Account(payload.get("user_name"), payload.get("api_key"), payload.get("auth_mode", "TOKEN_AUTH")))
    return {"ok": True}


def _add_rows(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    if ("ids" in payload) == ("spec" in payload):
        raise StateError("give exactly one of 'ids' (a list of integers) or 'spec' (like \"1-500\" or \"1,3,7-9\")")
    ids = payload["ids"] if "ids" in payload else parse_seed_spec(payload["spec"])
    if not isinstance(ids, list):
        raise StateError("'ids' must be a list of integers")
    added = state.add_rows(
        payload.get("user_name"),
        ids,
        payload.get("campaign_name", DEFAULT_CAMPAIGN),
        payload.get("is_request_sent", False),
    )
    return {"ok": True, "added": added}


def _list_rows(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    if "user_name" in query:
        return {"ids": state.row_ids(query["user_name"])}
    return {"ids_by_user": state.ids_by_user()}


def _add_campaign(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    state.add_campaign(payload.get("user_name"), payload.get("campaign_name"))
    return {"ok": True}


def _list_campaigns(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return {"campaigns": state.campaigns_of(_required_user(query))}


def _list_records(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return {"rows": [row.describe() for row in state.rows_of(_required_user(query))]}


def _dial(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    ids = payload.get("ids")
    if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise StateError("'ids' must be a list of integers")
    return {"ok": True, "sent": state.mark_sent(payload.get("user_name"), ids)}


def _required_user(query: Dict[str, str]) -> str:
    if not query.get("user_name"):
        raise StateError("give the query parameter user_name")
    return query["user_name"]


def _counters(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return state.counters()


def _add_faults(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    with state.lock:
        added = state.faults.add(payload.get("faults"))
        return {"ok": True, "added": added, "pending": len(state.faults.pending())}


def _list_faults(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    with state.lock:
        return {"faults": state.faults.pending()}


def _clear_faults(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    with state.lock:
        state.faults.clear()
    return {"ok": True}


def _advance_clock(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return {"ok": True, "offset": state.advance_clock(payload.get("advance"))}


def _update_settings(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return {"ok": True, "settings": state.update_settings(payload)}


def _show_settings(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return {"settings": dict(state.settings)}


def _replay_progress(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    replay = getattr(state, "replay", None)
    if replay is None:
        raise StateError("the emulator was not started with --replay")
    return {"served": replay.served, "left": replay.left()}


def _health(state: EmulatorState, payload: dict, query: Dict[str, str]) -> dict:
    return {"ok": True}


ROUTES = {
    ("POST", "reset"): _reset,
    ("POST", "accounts"): _add_account,
    ("POST", "rows"): _add_rows,
    ("GET", "rows"): _list_rows,
    ("POST", "campaigns"): _add_campaign,
    ("GET", "campaigns"): _list_campaigns,
    ("GET", "records"): _list_records,
    ("POST", "dial"): _dial,
    ("GET", "counters"): _counters,
    ("POST", "faults"): _add_faults,
    ("GET", "faults"): _list_faults,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "clock"): _advance_clock,
    ("POST", "settings"): _update_settings,
    ("GET", "settings"): _show_settings,
    ("GET", "health"): _health,
    ("GET", "replay"): _replay_progress,
}


def _error(message: str, status: int = 400) -> Reply:
    return Reply.json({"ok": False, "error": message}, status=status)


def control_reply(state: EmulatorState, method: str, path: str, query: Dict[str, str], raw_body: bytes) -> Reply:
    """Answer one control request; mistakes get HTTP 400 with a readable ``error``."""
    name = path[len(PREFIX) :].strip("/")
    route = ROUTES.get((method, name))
    if route is None:
        known = sorted("%s %s%s" % (verb, PREFIX, route_name) for verb, route_name in ROUTES)
        return _error("unknown control request %s %s; known: %s" % (method, path, "; ".join(known)), status=404)
    try:
        payload = json.loads(raw_body.decode("utf-8")) if raw_body.strip() else {}
    except ValueError:
        return _error("the request body is not valid JSON")
    if not isinstance(payload, dict):
        return _error("the request body must be a JSON object")
    try:
        return Reply.json(route(state, payload, query))
    except (StateError, FaultError, SpecError) as error:
        return _error(str(error))
