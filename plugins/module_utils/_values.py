# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Reading the values rows are compared by: phone numbers, local times and cells, with no other state.

Phone numbers compare without spaces, ``-``, ``(`` and ``)`` (a leading ``+`` kept); times are the
account's local time, ``YYYY-MM-DD HH:MM:SS``, never with a zone. The ``comparable_*`` forms read
values from the API (None when unreadable); the others check options and raise ``ConfigurationError``.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_PHONE_PUNCTUATION = re.compile(r"[ \t\-()]")
_PHONE = re.compile(r"\+?[0-9]+", re.ASCII)
_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2})(:[0-9]{2})?", re.ASCII)
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ZONE = re.compile(r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$", re.IGNORECASE)


def normalize_phone(value: Any, where: str = "phone_number") -> str:
    """The comparable form of a phone number: no spaces, ``-``, ``(``, ``)``; a leading ``+`` kept."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigurationError("%s must be a phone number (a string of digits), got %s." % (where, kind_of(value)))
    phone = _PHONE_PUNCTUATION.sub("", str(value).strip())
    # A negative integer's "-" is a sign, not the punctuation ignored in text: -1 is no phone number "1".
    if not _PHONE.fullmatch(phone) or (isinstance(value, int) and value < 0):
        raise ConfigurationError(
            "%s %r is not a phone number: use digits, optionally a leading + "
            "(spaces, '-', '(' and ')' are ignored)." % (where, value)
        )
    return phone


def comparable_phone(value: Any) -> Optional[str]:
    """``normalize_phone`` for text read from the API: None instead of an error."""
    try:
        return normalize_phone(value)
    except ConfigurationError:
        return None


def parse_local_time(value: Any, where: str = "scheduled_time", date_only: bool = False) -> datetime.datetime:
    """``YYYY-MM-DD HH:MM[:SS]`` (or with ``T``) in the account's local time; a zone is refused.

    ``date_only`` also accepts ``YYYY-MM-DD`` (midnight), for the selectors.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            raise ConfigurationError(_zone_message(where, value.isoformat()))
        return value.replace(microsecond=0)
    if not isinstance(value, str):
        raise ConfigurationError(
            "%s must be a date and time like '2026-12-01 09:30:00', got %s." % (where, kind_of(value))
        )
    text = value.strip()
    if _ZONE.search(text) and ("T" in text.upper() or " " in text):
        raise ConfigurationError(_zone_message(where, value))
    return _parse_time_text(text, value, where, date_only)


def _parse_time_text(text: str, original: str, where: str, date_only: bool) -> datetime.datetime:
    found = _TIME.fullmatch(text.replace("t", "T"))
    try:
        if found:
            return datetime.datetime.strptime(
                "%s %s%s" % (found.group(1), found.group(2), found.group(3) or ":00"), TIME_FORMAT
            )
        if date_only and _DATE_ONLY.fullmatch(text):
            return datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        pass
    expected = "'YYYY-MM-DD HH:MM:SS'" + (" or 'YYYY-MM-DD'" if date_only else "")
    raise ConfigurationError(
        "%s %r is not a date and time: use %s in the account's local time." % (where, original, expected)
    )


def comparable_time(value: Any) -> Optional[str]:
    """A time read from the API in the form rows are compared in; None when it cannot be read."""
    try:
        return format_time(parse_local_time(value))
    except ConfigurationError:
        return None


def format_time(moment: datetime.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS``; isoformat, unlike strftime's %Y, writes every year with four digits."""
    return moment.isoformat(sep=" ", timespec="seconds")


def _zone_message(where: str, value: str) -> str:
    return (
        "%s %r carries a time zone: give the account's local time without one "
        "(the API takes the CloudAgent account's local time)." % (where, value)
    )


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    name = type(value).__name__
    return "%s %s (%r)" % ("an" if name[0] in "aeiou" else "a", name, value)


def cell_text(value: Any) -> str:
    """A cell as it is sent and compared: booleans ``true``/``false``, numbers as JSON writes them, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)
