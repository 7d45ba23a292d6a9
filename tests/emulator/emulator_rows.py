# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scheduled-data rows: row-id specs and the records Scheduled Data Status returns."""

from __future__ import annotations

import datetime
import json
import re
from typing import Callable, Collection, List, Optional
from urllib.parse import urlencode

DEFAULT_CAMPAIGN = "demo_campaign"
MAX_SEEDED_ROWS = 1000000

# fullmatch, not "$": a trailing newline must not pass as a valid spec.
_SINGLE = re.compile(r"[0-9]+")
_LIST = re.compile(r"[0-9]+(,[0-9]+)+")
_RANGE = re.compile(r"([0-9]+)-([0-9]+)")
_SEED_PART = re.compile(r"([0-9]+)(?:-([0-9]+))?")

_CREATED_DATE = "2026-11-20 10:00:00"
_FIRST_SCHEDULE = datetime.datetime(2026, 12, 1, 9, 0, 0)
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class SpecError(ValueError):
    """A row-id spec the emulator cannot read."""


def vendor_spec_selector(spec) -> Optional[Callable[[Collection[int]], List[int]]]:
    """Return a function picking, from the existing ids, those a Delete spec names; None when the
    spec is not one of the three documented forms (a single id, a comma list, a range ``a-b``, a <= b)."""
    if not isinstance(spec, str):
        return None
    if _SINGLE.fullmatch(spec) or _LIST.fullmatch(spec):
        wanted = sorted({int(part) for part in spec.split(",")})
        return lambda existing: [row_id for row_id in wanted if row_id in existing]
    found = _RANGE.fullmatch(spec)
    if found:
        low, high = int(found.group(1)), int(found.group(2))
        if low <= high:
            return lambda existing: _select_range(existing, low, high)
    return None


def _select_range(existing: Collection[int], low: int, high: int) -> List[int]:
    # Walk whichever is shorter: the range or the existing ids (a range may be huge).
    if high - low < len(existing):
        return [row_id for row_id in range(low, high + 1) if row_id in existing]
    return sorted(row_id for row_id in existing if low <= row_id <= high)


def parse_seed_spec(spec: str) -> List[int]:
    """Expand a seeding spec such as ``1-500`` or ``1,3,7-9`` (mixed forms allowed here)."""
    ids = set()
    for part in str(spec).split(","):
        found = _SEED_PART.fullmatch(part.strip())
        if not found:
            raise SpecError("cannot read row spec %r (use forms like 1-500 or 1,3,7-9)" % (spec,))
        first = int(found.group(1))
        last = int(found.group(2)) if found.group(2) else first
        if first > last:
            raise SpecError("range %r goes backwards" % (part,))
        if len(ids) + (last - first + 1) > MAX_SEEDED_ROWS:
            raise SpecError("row spec %r names more than %d rows" % (spec, MAX_SEEDED_ROWS))
        ids.update(range(first, last + 1))
    return sorted(ids)


class Row:
    """One scheduled-data row; everything but the id, campaign and sent flag is synthesized."""

    __slots__ = ("row_id", "campaign_name", "is_request_sent")

    def __init__(self, row_id: int, campaign_name: str = DEFAULT_CAMPAIGN, is_request_sent: bool = False):
        self.row_id = row_id
        self.campaign_name = campaign_name
        self.is_request_sent = is_request_sent

    def schedule_time(self) -> str:
        return (_FIRST_SCHEDULE + datetime.timedelta(minutes=self.row_id % 100000)).strftime(_TIME_FORMAT)

    def phone_number(self) -> str:
        return "98%08d" % (self.row_id % 100000000)

    def schedule_params(self):
        """The row's columns inside ScheduleParams, after api_key, campaign_name, action and format."""
        return [
            ("PhoneNumber", self.phone_number()),
            ("Name", "Customer %d" % self.row_id),
            ("ScheduledTime", self.schedule_time()),
            ("skill", "demo_skill"),
            ("AgentID", "demo_agent"),
            ("Priority", "1"),
        ]

    def describe(self) -> dict:
        """The row for the control API (no api key)."""
        return {"id": self.row_id, "campaign_name": self.campaign_name, "phone_number": self.phone_number(),
                "scheduled_time": self.schedule_time(), "is_request_sent": self.is_request_sent}

    def to_record(self, api_key: str) -> dict:
        """The record as the vendor returns it, including the account key the vendor leaks."""
        schedule_time = self.schedule_time()
        params = [("api_key", api_key), ("campaign_name", self.campaign_name), ("action", "START"),
                  ("format", "json")] + self.schedule_params()
        if self.is_request_sent:
            response = json.dumps({"status": "queued", "message": "Customer added to campaign"})
        else:
            response = ""
        return {
            "Id": str(self.row_id),
            "api_key": api_key,
            "CreatedDate": _CREATED_DATE,
            "ScheduleTime": schedule_time,
            "ScheduleParams": urlencode(params),
            "RequestTime": schedule_time if self.is_request_sent else "",
            "IsRequestSent": "1" if self.is_request_sent else "0",
            "Response": response,
        }
