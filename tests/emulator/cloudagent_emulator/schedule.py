# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Schedule Campaign Data (POST /ca_apis/campaignScheduledData), as the vendor's page documents it."""

from __future__ import annotations

import datetime
import re
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote, unquote

from .reply import Reply, vendor_error, vendor_false
from .rows import Row
from .state import EmulatorState

MAX_ROWS_PER_REQUEST = 100
WINDOW_DAYS = 30
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS_MESSAGE = "Data updated successfully"
INVALID_CAMPAIGN = "api_key or campaign_name is invalid or not found"
# The vendor's own wording (sic).
MISSING_COLUMN = "Mandatory parameter %s is in bulkData map"
STANDARD_COLUMNS = ("PhoneNumber", "Name", "ScheduledTime", "skill", "AgentID", "Priority")
_PHONE = re.compile(r"\+?[0-9]{10,15}")


class ScheduledRow(Row):
    """A row created through Schedule Campaign Data: its columns are the ones that were sent."""

    __slots__ = ("columns", "hidden")

    def __init__(self, row_id: int, campaign_name: str, columns: Dict[str, str], hidden: bool = False):
        super().__init__(row_id, campaign_name, False)
        self.columns = columns
        self.hidden = hidden  # created while hide_created_rows was on: status reads do not list it

    def schedule_time(self) -> str:
        return self.columns["ScheduledTime"]

    def phone_number(self) -> str:
        return self.columns["PhoneNumber"]

    def schedule_params(self) -> List[Tuple[str, str]]:
        extra = sorted(name for name in self.columns if name not in STANDARD_COLUMNS)
        return [(name, self.columns.get(name, "")) for name in STANDARD_COLUMNS + tuple(extra)]

    def describe(self) -> dict:
        return dict(super().describe(), columns=dict(self.columns))


def schedule_campaign_data(state: EmulatorState, headers, body: dict, authenticate) -> Reply:
    reply = _schedule_campaign_data(state, headers, body, authenticate)
    if state.settings["echo_request"]:
        _echo_request(reply, _request_echo(state, headers, body))
    return reply


def _schedule_campaign_data(state: EmulatorState, headers, body: dict, authenticate) -> Reply:
    user_name = body.get("userName")
    if user_name is None:
        return vendor_false("UserName is null")
    # Vendor quirk: a wrong api key and an unknown campaign get the same message.
    failure = authenticate(state, user_name, headers, vendor_error(INVALID_CAMPAIGN))
    if failure is not None:
        return failure
    campaign_name = body.get("campaignName")
    if not isinstance(campaign_name, str) or not state.knows_campaign(user_name, campaign_name):
        return vendor_error(INVALID_CAMPAIGN)
    bulk = body.get("bulkData")
    problem = _bulk_problem(bulk)
    if problem:
        return vendor_error(problem)
    entries = _schedule_rows(
        state, user_name, campaign_name, bulk["map"], bulk["data"], body.get("checkDuplicate") is True
    )
    return Reply.json({"status": "success", "message": entries})


def _bulk_problem(bulk) -> Optional[str]:
    if not isinstance(bulk, dict) or not isinstance(bulk.get("map"), list) or not isinstance(bulk.get("data"), list):
        return "bulkData must hold map and data lists"
    for column in ("PhoneNumber", "ScheduledTime"):
        if column not in bulk["map"]:
            return MISSING_COLUMN % column
    if len(bulk["data"]) > MAX_ROWS_PER_REQUEST:
        return "At most %d records are allowed in one request" % MAX_ROWS_PER_REQUEST
    if not all(isinstance(row, list) for row in bulk["data"]):
        return "Every bulkData data entry must be a list"
    return None


def _schedule_rows(
    state: EmulatorState, user_name: str, campaign_name: str, columns: list, data: list, check_duplicate: bool
) -> List[dict]:
    seen_phones = {row.phone_number() for row in state.rows_of(user_name) if row.campaign_name == campaign_name}
    now = datetime.datetime.fromtimestamp(state.now())
    entries = []
    for index, cells in enumerate(data):
        values = {
            str(name): _text(cells[position]) if position < len(cells) else "" for position, name in enumerate(columns)
        }
        values["PhoneNumber"] = unquote(values["PhoneNumber"]).strip()
        problem = _row_problem(values, now) or (
            "Duplicate data" if check_duplicate and values["PhoneNumber"] in seen_phones else None
        )
        if problem is None:
            hidden = state.settings["hide_created_rows"]
            state.insert_row(user_name, lambda row_id, v=values, h=hidden: ScheduledRow(row_id, campaign_name, v, h))
            seen_phones.add(values["PhoneNumber"])
        entries.append(_entry(index, campaign_name, values, problem))
    return entries


def _row_problem(values: Dict[str, str], now: datetime.datetime) -> Optional[str]:
    if not _PHONE.fullmatch(values["PhoneNumber"]):
        return "Invalid PhoneNumber"
    try:
        moment = datetime.datetime.strptime(values["ScheduledTime"], TIME_FORMAT)
    except ValueError:
        return "Invalid ScheduledTime format, use yyyy-MM-dd HH:mm:ss"
    if not now < moment <= now + datetime.timedelta(days=WINDOW_DAYS):
        return "ScheduledTime should be within the next %d days" % WINDOW_DAYS
    return None


def _entry(index: int, campaign_name: str, values: Dict[str, str], problem: Optional[str]) -> dict:
    return {
        "Response": "failed" if problem else "success",
        "ScheduleTime": values.get("ScheduledTime", ""),
        "campaign_name": campaign_name,
        "PhoneNumber": values.get("PhoneNumber", ""),
        "Name": values.get("Name", ""),
        "AgentID": values.get("AgentID", ""),
        "skill": values.get("skill", ""),
        "msg": problem or SUCCESS_MESSAGE,
        "index": str(index),
    }


def _text(value) -> str:
    """A cell as the vendor stores it. Its older API was PHP, so a cell that is not a string is stored as PHP's
    string cast writes it (an emulator choice the vendor does not document): true -> "1", false and null -> "",
    5.0 -> "5"; a client that wants its cells compared as it wrote them must send text."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "Array"
    return str(value)


def _request_echo(state: EmulatorState, headers, body: dict) -> str:
    """What a careless server echoes: the credential headers, the account key URL-encoded, a cut token."""
    token = (headers.get("Authorization") or "").partition(" ")[2]
    account = state.accounts.get(body.get("userName")) if isinstance(body.get("userName"), str) else None
    key = account.api_key if account is not None else headers.get("apiKey") or ""
    return " [request: Authorization=%s; apiKey=%s; query=api_key=%s&token=%s...]" % (
        headers.get("Authorization") or "",
        headers.get("apiKey") or "",
        quote(key, safe=""),
        token[: max(len(token) // 2, 1)] if token else "",
    )


def _echo_request(reply: Reply, echo: str) -> None:
    """Append ``echo`` to an error message and to every refused row's ``msg``."""
    if not isinstance(reply.payload, dict):
        return
    message = reply.payload.get("message")
    if isinstance(message, str):
        reply.payload = dict(reply.payload, message=message + echo)
        return
    for entry in message if isinstance(message, list) else ():
        if entry.get("msg") != SUCCESS_MESSAGE:
            entry["msg"] += echo
