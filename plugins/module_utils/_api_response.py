# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Reading CloudAgent answers, whatever shape they come in.

The API family answers most errors as HTTP 200 with an error ``status`` in the body,
spells ``status`` in several cases, sometimes answers raw HTTP 500 JSON, and gateways in
front of it answer HTML or nothing. ``read_answer`` turns all of that into either an
``Answer`` (the JSON payload of a request the API accepted or refused in-body) or a
``SlowDown`` (the API asked us to retry later), or raises a typed error.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    TokenExpiredError,
    TokenInvalidError,
)

SLOW_DOWN_STATUSES = frozenset((429, 502, 503, 504))
# A gateway answering these may have passed the request on before giving up.
MAYBE_FORWARDED_STATUSES = frozenset((502, 504))
MAX_LIMIT_MESSAGE = "max limit exceeded"
NO_DATA_MESSAGE = "no data found"
TOKEN_EXPIRED_MESSAGE = "token expired"
INVALID_TOKEN_MESSAGE = "invalid token"
MAX_RETRY_AFTER = 60.0
SNIPPET_LENGTH = 80
# A JSON escape of a UTF-16 surrogate: only these decode to a lone surrogate (a valid pair becomes one character).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Answer:
    """A JSON answer: ``ok`` when its status says success (case-insensitively)."""

    http_status: int
    payload: Any
    ok: bool
    message: Any
    after_lost_attempt: bool = False  # an earlier attempt may have reached the API without us seeing the answer

    @property
    def message_text(self) -> str:
        return self.message if isinstance(self.message, str) else ""

    def says(self, text: str) -> bool:
        return self.message_text.strip().lower() == text


@dataclass(frozen=True)
class SlowDown:
    """The API asked to slow down (HTTP 429/502/503/504 or in-body "Max limit exceeded")."""

    http_status: int
    reason: str
    retry_after: Optional[float]

    @property
    def may_have_landed(self) -> bool:
        return self.http_status in MAYBE_FORWARDED_STATUSES


def read_answer(http_status: int, headers, text: str, what: str, redact: Callable[[str], str] = str):
    """Classify one HTTP answer of the request described by ``what``.

    ``redact`` masks secrets in a text; bodies are masked whole before a snippet is cut from them.
    """
    payload = _json_or_none(text, http_status, what)
    if http_status in SLOW_DOWN_STATUSES:
        return SlowDown(http_status, _reason(http_status, payload, text), _retry_after(headers))
    if payload is None:
        raise ApiError(no_json_message(http_status, redact(text), what), status=http_status)
    return classify_payload(http_status, headers, payload, what)


def classify_payload(http_status: int, headers, payload: Any, what: str):
    """Classify the decoded JSON ``payload`` of an answer whose status is not a slow-down one."""
    answer = _answer(http_status, payload)
    if answer.says(MAX_LIMIT_MESSAGE):
        return SlowDown(http_status, "the API answered 'Max limit exceeded'", _retry_after(headers))
    if answer.says(TOKEN_EXPIRED_MESSAGE):
        raise TokenExpiredError(
            "%s: the API refused the token as expired (a token lives 60 minutes, and generating a new one "
            "logs out every older one)" % what,
            status=http_status,
            api_message=answer.message_text,
        )
    if answer.says(INVALID_TOKEN_MESSAGE):
        # What CloudAgent answers for a token it never issued or no longer knows (HTTP 401).
        raise TokenInvalidError(
            "%s: HTTP %d, the API refused the token as 'Invalid Token' (it does not know this token)"
            % (what, http_status),
            status=http_status,
            api_message=answer.message_text,
        )
    if http_status in (401, 403):
        raise AuthenticationError(
            "%s: HTTP %d, the API refused the credentials: %s. Check user_name, api_key and the account's "
            "API Authentication setting (token or basic)." % (what, http_status, _api_text(answer)),
            status=http_status,
            api_message=answer.message_text,
        )
    if http_status >= 400:
        raise ApiError(
            "%s: HTTP %d: %s" % (what, http_status, _api_text(answer)),
            status=http_status,
            api_message=answer.message_text,
        )
    return answer


def _answer(http_status: int, payload: Any) -> Answer:
    if not isinstance(payload, dict):
        return Answer(http_status, payload, False, None)
    status = str(payload.get("status", "")).strip().lower()
    message = payload.get("message", payload.get("error"))
    return Answer(http_status, payload, status == "success", message)


def _api_text(answer: Answer) -> str:
    if answer.message_text:
        return "'%s'" % answer.message_text
    if isinstance(answer.payload, dict) and answer.payload.get("error"):
        return "'%s'" % answer.payload["error"]
    return "no message"


def _json_or_none(text: str, http_status: int, what: str) -> Any:
    if not text or not text.strip():
        return None
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    except RecursionError:
        raise ApiError(
            "%s: HTTP %d with a body that is not JSON this client reads (nested too deeply). Is base_url "
            "the CloudAgent API host?" % (what, http_status),
            status=http_status,
        ) from None
    return without_lone_surrogates(payload) if SURROGATE_ESCAPE.search(text) else payload


def without_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate, in keys and strings at any depth, replaced by U+FFFD.

    JSON may escape half of a UTF-16 pair (``"\\ud83d"``); Python decodes it to a string that is
    not valid UTF-8, which ansible-core 2.19+ refuses to return. Lists are cleaned in place.
    """
    if not isinstance(value, (dict, list)):
        return _clean_text(value)
    holder = [value]
    pending = [(holder, 0)]
    while pending:  # a loop, not recursion: the decoder allows nesting deeper than the Python stack
        container, key = pending.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = _clean_text(item)
        elif isinstance(item, list):
            pending.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            cleaned = {_clean_text(name): member for name, member in item.items()}
            container[key] = cleaned
            pending.extend((cleaned, name) for name in cleaned)
    return holder[0]


def _clean_text(value: Any) -> Any:
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def no_json_message(http_status: int, text: str, what: str) -> str:
    if not text or not text.strip():
        return "%s: HTTP %d with an empty body (expected JSON). Is base_url the CloudAgent API host?" % (
            what,
            http_status,
        )
    kind = "an HTML page (a proxy or gateway error?)" if "<" in text[:200] else "a body that is not JSON"
    return "%s: HTTP %d with %s, starting %r. Is base_url the CloudAgent API host?" % (
        what,
        http_status,
        kind,
        snippet(text),
    )


def snippet(text: str) -> str:
    """The first characters of a body, whitespace folded, for error messages.

    Mask secrets in ``text`` before: a secret cut in half here would no longer be recognised.
    """
    folded = re.sub(r"\s+", " ", text[: SNIPPET_LENGTH * 64]).strip()
    return folded[:SNIPPET_LENGTH] + ("..." if len(folded) > SNIPPET_LENGTH else "")


def _reason(http_status: int, payload: Any, text: str) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return "HTTP %d '%s'" % (http_status, payload["message"])
    return "HTTP %d" % http_status


def _retry_after(headers, now: Callable[[], float] = time.time) -> Optional[float]:
    """The wait a ``Retry-After`` asks for (seconds or an HTTP date), capped; None for anything else."""
    value = str((headers or {}).get("Retry-After") or "").strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value, now)
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None  # negative, nan, inf or garbage: the caller's own back-off applies
    return min(seconds, MAX_RETRY_AFTER)


def _seconds_until(http_date: str, now: Callable[[], float]) -> Optional[float]:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(moment.timestamp() - now(), 0.0)  # a date already past: retry now
