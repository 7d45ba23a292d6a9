# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""A cheap look at a raw Scheduled Data Status record, for choosing records before normalising them.

A status read returns every record of the account; normalising one (``_records.normalize_records``:
a full ``parse_qsl`` of ScheduleParams, masking, JSON-decoding the Response) costs tens of
microseconds, so a large account is chosen from through ``RecordView`` and only the chosen
records are normalised. The view reads what a filter or selector asks for, and nothing else:

================  =============================================  ==============================
view attribute    read from the raw record                       same value as the normalised
================  =============================================  ==============================
``row_id``        ``Id`` (int, or None when not an integer)      ``id`` (None: record skipped)
``is_request_sent`` ``IsRequestSent`` ("1", "true", "yes")       ``is_request_sent``
``schedule_time`` ``ScheduleTime`` (as sent)                     ``schedule_time``
``campaign_name`` ``campaign_name`` in ScheduleParams            ``campaign_name``
``phone_number``  ``PhoneNumber`` in ScheduleParams              ``phone_number``
``scheduled_time`` ``ScheduledTime`` in ScheduleParams           ``params["ScheduledTime"]``
``param(name)``   any one ScheduleParams field                   ``params[name]``
================  =============================================  ==============================

A ScheduleParams field is found with one regular-expression scan of the query string and only
that value is url-decoded, instead of decoding all ten fields. The answer is exactly what
``dict(parse_qsl(text, keep_blank_values=True)).get(name)`` gives (the last occurrence wins, a
field without ``=`` is ``""``); when any field *name* in the string is itself encoded (holds
``%`` or ``+``), the view falls back to that full ``parse_qsl``, so no encoding trick can make the
two disagree. Values are returned as the vendor sent them: the account api key is masked only
in normalised records, which are the only ones a user sees.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional
from urllib.parse import parse_qsl, unquote

TRUE_WORDS = frozenset(("1", "true", "yes"))
# A field name holding "%" or "+" decodes to something else: only parse_qsl then knows the fields.
_ENCODED_NAME = re.compile(r"(?:^|&)[^&=]*[%+]")
_FIELD_PATTERNS: Dict[str, Any] = {}


def text_of(value: Any) -> str:
    """A vendor value as text, as normalisation reads it (None is "", booleans are "0"/"1")."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(int(value))
    return str(value)


def row_id_of(value: Any) -> Optional[int]:
    """The integer row id of an ``Id`` value; None when it is not a plain integer."""
    text = text_of(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def schedule_param(query: str, name: str) -> Optional[str]:
    """``dict(parse_qsl(query, keep_blank_values=True)).get(name)``, without decoding the other fields."""
    if _ENCODED_NAME.search(query):
        return dict(parse_qsl(query, keep_blank_values=True)).get(name)
    last = None
    for last in _field_pattern(name).finditer(query):
        pass
    if last is None:
        return None
    value = last.group(1)
    return "" if value is None else unquote(value.replace("+", " "))


def _field_pattern(name: str):
    pattern = _FIELD_PATTERNS.get(name)
    if pattern is None:
        pattern = _FIELD_PATTERNS[name] = re.compile(r"(?:^|&)%s(?:=([^&]*)|(?=&|$))" % re.escape(name))
    return pattern


class RecordView:
    """Read-only, lazy access to the identity fields of one raw status record (see the module docstring)."""

    __slots__ = ("raw", "_query")

    def __init__(self, raw: dict):
        self.raw = raw
        self._query: Optional[str] = None

    @property
    def row_id(self) -> Optional[int]:
        return row_id_of(self.raw.get("Id"))

    @property
    def is_request_sent(self) -> bool:
        return text_of(self.raw.get("IsRequestSent")).strip().lower() in TRUE_WORDS

    @property
    def schedule_time(self) -> Any:
        return self.raw.get("ScheduleTime")

    def param(self, name: str) -> Optional[str]:
        if self._query is None:
            self._query = text_of(self.raw.get("ScheduleParams"))
        return schedule_param(self._query, name)

    @property
    def campaign_name(self) -> Optional[str]:
        return self.param("campaign_name")

    @property
    def phone_number(self) -> Optional[str]:
        return self.param("PhoneNumber")

    @property
    def scheduled_time(self) -> Optional[str]:
        return self.param("ScheduledTime")
