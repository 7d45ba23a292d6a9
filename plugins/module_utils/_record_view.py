# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""A cheap look at a raw Scheduled Data Status record, for choosing records before normalising them.

A status read returns every record of the account; normalising one (``_records.normalize_record``:
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
``scheduled_text`` ``scheduled_time``, else ``schedule_time``    (the time filters compare)
``identity``      comparable (phone, time), or None              (the present planner's key)
``campaign_and_time`` both at once, one search for the pair      (what a summary reads)
================  =============================================  ==============================

A ScheduleParams field is found with a few substring searches of the query string (``str.find``,
at C speed) and only that value is url-decoded, instead of decoding all ten fields. The answer is
exactly what ``dict(parse_qsl(text, keep_blank_values=True)).get(name)`` gives (the last
occurrence wins): when the field also appears without ``=``, when a later field name may be an
encoded form of the same name (it holds ``%``), or when the name holds a character that a query
string cannot carry as written (space, ``%``, ``+``, ``=``, ``&``), the view falls back to that full
``parse_qsl``, so no encoding trick can make the two disagree (a property test checks this on random
query strings and names). Values are returned as the vendor
sent them: the account api key is masked only in normalised records, which are the only ones a
user sees.

The view is the one way a record is read: the selectors match views, the present planner takes a
row's identity from ``identity`` and the normaliser (``_records.normalize_record``) builds the
returned record from a view.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple
from urllib.parse import parse_qsl, unquote

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import comparable_phone, comparable_time

TRUE_WORDS = frozenset(("1", "true", "yes"))
_NEEDS_FULL_PARSE = frozenset(" %+=&")
# Longer digit strings are no row id (the vendor's ids are Java longs), and int() refuses 4,300+ digits.
MAX_ID_DIGITS = 19


def text_of(value: Any) -> str:
    """A vendor value as text, as normalisation reads it (None is "", booleans are "0"/"1")."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(int(value))
    return str(value)


def row_id_of(value: Any) -> Optional[int]:
    """The integer row id of an ``Id`` value; None when it is not a plain integer of at most 19 digits."""
    if value.__class__ is str and value.isdigit() and value.isascii() and len(value) <= MAX_ID_DIGITS:
        return int(value)  # the usual case, first
    text = text_of(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else None


def is_request_sent(raw: dict) -> bool:
    """Whether the record was sent to the dialer (``IsRequestSent`` "1", "true" or "yes")."""
    value = raw.get("IsRequestSent")
    if value == "0" or value == "1":
        return value == "1"  # the usual case, first
    return text_of(value).strip().lower() in TRUE_WORDS


class _Field:
    """Finds one ScheduleParams field by name; the search strings are built once per name."""

    __slots__ = ("name", "simple", "assigned", "first", "bare", "bare_last", "may_be_set_later")

    def __init__(self, name: str):
        self.name = name
        # parse_qsl never gives back a name with "+" (it decodes to a space), "=" or "&" (they split the
        # query) as written, and a name with a space or "%" may come encoded: all need the full parse
        self.simple = bool(name) and not _NEEDS_FULL_PARSE.intersection(name)
        self.assigned, self.first = "&" + name + "=", name + "="
        self.bare, self.bare_last = "&" + name + "&", "&" + name
        # A later field that sets the name again (bare, or under an encoded name) starts with the name's
        # first letter or with an escape: one search for either settles most queries.
        self.may_be_set_later = re.compile("&[%" + re.escape(name[:1]) + "]").search

    def read(self, query: str) -> Optional[str]:
        if not self.simple:
            return self._parsed(query)
        found = query.rfind(self.assigned)  # the last plain "name=" wins, unless a later field sets it again
        if found != -1:
            start = found + len(self.assigned)
        elif query.startswith(self.first):
            found, start = 0, len(self.first)
        else:
            # No plain "name=": the field may still be there bare or under an encoded name.
            maybe = self.name in query or _has_percent_in_a_name(query, 0)
            return self._parsed(query) if maybe else None
        after = found + 1
        if self.may_be_set_later(query, after) and self._set_again(query, after):
            return self._parsed(query)
        return _value_at(query, start)

    def _set_again(self, query: str, after: int) -> bool:
        """Whether a field after ``after`` may set the name again: bare (blank to parse_qsl) or under a name with "%"."""
        return (
            query.find(self.bare, after) != -1 or query.endswith(self.bare_last) or _has_percent_in_a_name(query, after)
        )

    def _parsed(self, query: str) -> Optional[str]:
        return dict(parse_qsl(query, keep_blank_values=True)).get(self.name)


def _value_at(query: str, start: int) -> str:
    """The url-decoded value that starts at ``start`` and runs to the next "&"."""
    end = query.find("&", start)
    return _decoded_value(query[start:] if end == -1 else query[start:end])


def _decoded_value(value: str) -> str:
    if "%" in value or "+" in value:
        return _decoded(value.replace("+", " "))
    return value


def _decoded(value: str) -> str:
    """``unquote(value)``; a time's only escape, ``%3A`` (":"), is replaced without unquote's general work."""
    plain = value.replace("%3A", ":")
    return plain if "%" not in plain else unquote(value)


def _has_percent_in_a_name(query: str, start: int) -> bool:
    """Whether a field name from ``start`` on holds "%" (it may decode to the name looked for)."""
    if start == 0:
        first_name_end = min(len(query) if mark == -1 else mark for mark in (query.find("="), query.find("&")))
        if "%" in query[:first_name_end]:
            return True
    return _PERCENT_IN_NAME(query, start) is not None


# A "%" in a field name (before the field's first "="): the name may decode to the one looked for.
_PERCENT_IN_NAME = re.compile(r"&[^&=%]*%").search


class _FieldPair:
    """Two ScheduleParams fields read in one pass: the same answers as their own ``_Field.read``.

    The fast path is one regex search for the usual shape: two different fields written plainly after an
    "&", in this order, and no field after the first of them whose name starts with "%" or with either
    name's first letter (such a field may set a name again, bare or encoded). Anything else is left
    to each field's own read.
    """

    __slots__ = ("fields", "usual_shape")

    def __init__(self, one: str, other: str):
        self.fields = (_Field(one), _Field(other))
        self.usual_shape = None
        # With one name twice, the later "name=" the shape allows would set the first again.
        if self.fields[0].simple and self.fields[1].simple and one != other:
            field_of_another_name = "&[^&%" + re.escape(one[:1] + other[:1]) + "][^&]*"
            self.usual_shape = re.compile(
                "&%s=([^&]*)(?:%s)*&%s=([^&]*)(?:%s)*\\Z"
                % (re.escape(one), field_of_another_name, re.escape(other), field_of_another_name)
            ).search

    def read(self, query: str) -> Tuple[Optional[str], Optional[str]]:
        found = self.usual_shape and self.usual_shape(query)
        if found:
            return _decoded_value(found[1]), _decoded_value(found[2])
        one, other = self.fields
        return one.read(query), other.read(query)


class RecordView:
    """Read-only, lazy access to the identity fields of one raw status record (see the module docstring)."""

    __slots__ = ("raw", "query")

    def __init__(self, raw: dict):
        self.raw = raw
        query = raw.get("ScheduleParams")
        self.query: str = query if query.__class__ is str else text_of(query)  # ScheduleParams, not decoded

    @property
    def row_id(self) -> Optional[int]:
        return row_id_of(self.raw.get("Id"))

    @property
    def is_request_sent(self) -> bool:
        return is_request_sent(self.raw)

    @property
    def schedule_time(self) -> Any:
        return self.raw.get("ScheduleTime")

    def params(self) -> Dict[str, str]:
        """Every ScheduleParams field, decoded (the last of each name wins), as the normalised record holds them."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def campaign_name(self) -> Optional[str]:
        return _CAMPAIGN_NAME.read(self.query)

    @property
    def phone_number(self) -> Optional[str]:
        return _PHONE_NUMBER.read(self.query)

    @property
    def scheduled_time(self) -> Optional[str]:
        return _SCHEDULED_TIME.read(self.query)

    @property
    def scheduled_text(self) -> Any:
        """The time the record is scheduled for, as sent: ScheduledTime in ScheduleParams, else ScheduleTime."""
        return self.scheduled_time or self.schedule_time

    @property
    def campaign_and_time(self) -> Tuple[Optional[str], Any]:
        """``(campaign_name, scheduled_text)``, ScheduleParams searched once for both (what a summary reads)."""
        campaign, scheduled = _CAMPAIGN_AND_TIME.read(self.query)
        return campaign, scheduled or self.schedule_time

    @property
    def identity(self) -> Optional[Tuple[str, str]]:
        """(phone number, scheduled time) in the forms rows compare in; None when either cannot be read."""
        phone = comparable_phone(self.phone_number)
        moment = comparable_time(self.scheduled_text)
        return (phone, moment) if phone and moment else None


_CAMPAIGN_NAME, _PHONE_NUMBER, _SCHEDULED_TIME = (
    _Field(name) for name in ("campaign_name", "PhoneNumber", "ScheduledTime")
)
_CAMPAIGN_AND_TIME = _FieldPair("campaign_name", "ScheduledTime")
