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

A ScheduleParams field is found with a few substring searches of the query string (``str.find``,
at C speed) and only that value is url-decoded, instead of decoding all ten fields. The answer is
exactly what ``dict(parse_qsl(text, keep_blank_values=True)).get(name)`` gives (the last
occurrence wins): when a field *name* in the string is itself encoded (holds ``%``), when the
field appears without ``=``, or when the name holds a space (``+`` decodes to one), the view falls
back to that full ``parse_qsl``, so no encoding trick can make the two disagree. Values are returned as the vendor sent them: the account api key is masked only
in normalised records, which are the only ones a user sees.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Optional
from urllib.parse import parse_qsl, unquote

TRUE_WORDS = frozenset(("1", "true", "yes"))


def text_of(value: Any) -> str:
    """A vendor value as text, as normalisation reads it (None is "", booleans are "0"/"1")."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(int(value))
    return str(value)


def row_id_of(value: Any) -> Optional[int]:
    """The integer row id of an ``Id`` value; None when it is not a plain integer."""
    if value.__class__ is str and value.isdigit() and value.isascii():
        return int(value)  # the usual case, first
    text = text_of(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def schedule_param(query: str, name: str) -> Optional[str]:
    """``dict(parse_qsl(query, keep_blank_values=True)).get(name)``, without decoding the other fields."""
    field = _FIELDS.get(name)
    if field is None:
        field = _FIELDS[name] = _Field(name)
    return field.read(query)


def field_reader(name: str) -> Callable[[dict], Optional[str]]:
    """A function giving one ScheduleParams field of a raw record: ``RecordView(raw).param(name)``, in one call."""
    read = _Field(name).read

    def read_field(raw: dict) -> Optional[str]:
        query = raw.get("ScheduleParams")
        return read(query if query.__class__ is str else text_of(query))
    return read_field


class _Field:
    """Finds one ScheduleParams field by name; the search string is built once per name."""

    __slots__ = ("name", "simple", "needle")

    def __init__(self, name: str):
        self.name = name
        self.simple = bool(name) and " " not in name and "%" not in name  # "+" in a query decodes to a space
        self.needle = "&" + name

    def read(self, query: str) -> Optional[str]:
        fields = "&" + query  # every field now starts after an "&"
        found = fields.rfind(self.needle) if self.simple else -2
        after = found + len(self.needle)
        while found >= 0 and fields[after:after + 1] not in ("=", "&", ""):
            found = fields.rfind(self.needle, 0, found)  # a longer name such as "campaign_names"
            after = found + len(self.needle)
        # Only names after the last plain occurrence can override it (the last one wins).
        if found != -2 and _PERCENT_IN_NAME(fields, max(found, 0)):
            found = -2
        if found == -2 or (found >= 0 and fields[after:after + 1] != "="):
            # An encoded name, or the field without "=" (blank to parse_qsl): rare, so left to parse_qsl.
            return dict(parse_qsl(query, keep_blank_values=True)).get(self.name)
        if found == -1:
            return None
        end = fields.find("&", after)
        value = fields[after + 1:] if end == -1 else fields[after + 1:end]
        if "%" in value or "+" in value:
            return unquote(value.replace("+", " "))
        return value


_FIELDS: Dict[str, _Field] = {}
# A "%" in a field name (before the field's first "="): the name may decode to the one looked for.
_PERCENT_IN_NAME = re.compile(r"&[^&=%]*%").search


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
        value = self.raw.get("IsRequestSent")
        if value == "0" or value == "1":
            return value == "1"  # the usual case, first
        return text_of(value).strip().lower() in TRUE_WORDS

    @property
    def schedule_time(self) -> Any:
        return self.raw.get("ScheduleTime")

    def param(self, name: str) -> Optional[str]:
        return schedule_param(self._params(), name)

    def _params(self) -> str:
        query = self._query
        if query is None:
            query = self.raw.get("ScheduleParams")
            query = self._query = query if query.__class__ is str else text_of(query)
        return query

    @property
    def campaign_name(self) -> Optional[str]:
        return _CAMPAIGN_NAME.read(self._params())

    @property
    def phone_number(self) -> Optional[str]:
        return _PHONE_NUMBER.read(self._params())

    @property
    def scheduled_time(self) -> Optional[str]:
        return _SCHEDULED_TIME.read(self._params())


_CAMPAIGN_NAME, _PHONE_NUMBER, _SCHEDULED_TIME = (_Field(name) for name in ("campaign_name", "PhoneNumber", "ScheduledTime"))
