# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scheduled-data rows: row-id specs and the records Scheduled Data Status returns."""

from __future__ import annotations

import datetime
import functools
import json
import re
from typing import Callable, Collection, Iterator, List, Optional, Sequence
from urllib.parse import quote_plus, urlencode

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
# Records per piece of a streamed status answer (about 400 bytes each).
RECORDS_PER_PIECE = 2000
_SENT_RESPONSE = json.dumps({"status": "queued", "message": "Customer added to campaign"})


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
        return _schedule_times(self.row_id % 100000)[0]

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
        return {
            "id": self.row_id,
            "campaign_name": self.campaign_name,
            "phone_number": self.phone_number(),
            "scheduled_time": self.schedule_time(),
            "is_request_sent": self.is_request_sent,
        }

    def to_record(self, api_key: str) -> dict:
        """The record as the vendor returns it, including the account key the vendor leaks."""
        schedule_time = self.schedule_time()
        params = [
            ("api_key", api_key),
            ("campaign_name", self.campaign_name),
            ("action", "START"),
            ("format", "json"),
        ] + self.schedule_params()
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


@functools.lru_cache(maxsize=100000)
def _schedule_times(minutes: int):
    """The schedule time of rows ``minutes`` after the first one: as text, and url-encoded."""
    text = (_FIRST_SCHEDULE + datetime.timedelta(minutes=minutes)).strftime(_TIME_FORMAT)
    return text, quote_plus(text)


class RecordEncoder:
    """Writes ``json.dumps(row.to_record(api_key))`` byte for byte, a template per account and campaign.

    The status answer of a 300,000-row account is about 120 MB: building dicts and calling
    json.dumps on them takes seconds, so the emulator would be the slowest part of a benchmark.
    """

    def __init__(self, api_key: str):
        self._api_key = api_key
        self._templates: dict = {}

    def encode(self, row: Row) -> str:
        if row.__class__ is not Row:
            return json.dumps(row.to_record(self._api_key))  # rows of other kinds know their own record
        template = self._templates.get(row.campaign_name)
        if template is None:
            template = self._templates[row.campaign_name] = self._checked_template(row)
        if template is _NO_TEMPLATE:
            return json.dumps(row.to_record(self._api_key))
        return self._fill(template, row)

    def _checked_template(self, row: Row):
        """The campaign's template, if it writes the row, sent and pending, exactly as json.dumps does."""
        template = self._template(row.campaign_name)
        probes = (Row(row.row_id, row.campaign_name, sent) for sent in (False, True))
        same = all(self._fill(template, probe) == json.dumps(probe.to_record(self._api_key)) for probe in probes)
        return template if same else _NO_TEMPLATE

    @staticmethod
    def _fill(template: str, row: Row) -> str:
        schedule_time, quoted_time = _schedule_times(row.row_id % 100000)
        sent = row.is_request_sent
        return template % (
            row.row_id,
            schedule_time,
            row.phone_number(),
            row.row_id,
            quoted_time,
            schedule_time if sent else "",
            "1" if sent else "0",
            _JSON_SENT_RESPONSE if sent else '""',
        )

    def _template(self, campaign_name: str) -> str:
        def text(value: str) -> str:
            return json.dumps(value).replace("%", "%%")

        params_start = urlencode([("api_key", self._api_key), ("campaign_name", campaign_name)])
        # Inside a JSON string: the url-encoded parts are ASCII letters, digits and %+-._~ only.
        params = (
            text(params_start)[1:-1] + "&action=START&format=json&PhoneNumber=%s&Name=Customer+%d&ScheduledTime=%s"
            "&skill=demo_skill&AgentID=demo_agent&Priority=1"
        )
        return (
            '{"Id": "%d", "api_key": '
            + text(self._api_key)
            + ', "CreatedDate": "'
            + _CREATED_DATE
            + '", "ScheduleTime": "%s", "ScheduleParams": "'
            + params
            + '", "RequestTime": "%s", "IsRequestSent": "%s", "Response": %s}'
        )


_JSON_SENT_RESPONSE = json.dumps(_SENT_RESPONSE)
_NO_TEMPLATE = ""


def status_answer_pieces(status_word: str, rows: Sequence[Row], api_key: str) -> Iterator[bytes]:
    """The body of a successful status answer, ``json.dumps`` of it byte for byte, in pieces.

    Vendor habit: one record comes back as a bare object, not as a list of one.
    """
    encoder = RecordEncoder(api_key)
    head = '{"status": %s, "message": ' % json.dumps(status_word)
    if len(rows) == 1:
        yield (head + encoder.encode(rows[0]) + "}").encode("utf-8")
        return
    if not rows:
        yield (head + "[]}").encode("utf-8")
        return
    yield (head + "[").encode("utf-8")
    for start in range(0, len(rows), RECORDS_PER_PIECE):
        separator = "" if start == 0 else ", "
        yield (separator + ", ".join(encoder.encode(row) for row in rows[start : start + RECORDS_PER_PIECE])).encode(
            "utf-8"
        )
    yield b"]}"
