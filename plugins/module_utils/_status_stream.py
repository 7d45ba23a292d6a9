# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Reading a Scheduled Data Status answer incrementally, whatever its size.

Scheduled Data Status returns every record of the account in one answer (hundreds of MB for
a large account). ``read_status_answer`` takes that body as an iterable of byte chunks (any
transport: requests' ``iter_content``, a deadline-bounded reader, a list in a test) and hands
the records of ``{"status": ..., "message": [record, ...]}`` one at a time to ``collect``,
which keeps only what its caller needs (ids, or the few matching records). Memory stays at
one chunk plus what ``collect`` keeps; the time is that of the C JSON scanner over the bytes.

How: the top-level object and the ``message`` list are walked here, and every value in them
(each record, the status, any other key) is decoded by ``json.JSONDecoder.raw_decode`` from a
sliding text buffer. A value cut by a chunk boundary fails to decode near the buffer's end (or
as an unterminated string); then more chunks are read and the value is decoded again. A
number at the buffer's end is decoded again once the next character is known.

Results are those of ``read_answer`` on the whole body: a body not starting with ``{`` after
any JSON whitespace (an HTML page, an empty body, a bare list) and every non-2xx answer are
read whole and handed to ``read_answer``; a body starting with ``{`` that turns out not to be JSON (or nested too deep
to decode) raises the same ``ApiError`` "not JSON" message, built from the body's first
characters, masked by ``redact`` first. Records are not masked here: they are masked when they
are normalised for the user (see _records.py).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import (
    SURROGATE_ESCAPE,
    Answer,
    classify_payload,
    no_json_message,
    read_answer,
    without_lone_surrogates,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError

HEAD_CHARS = 64 * 1024  # kept from the body's start for error messages
# A value cut short by the end of the buffer fails to decode this close to the end (partial
# literal such as "-Infinity", partial \\uXXXX escape, missing delimiter) or as an unterminated string.
TRUNCATION_MARGIN = 16
_NUMBER_CONTINUES = frozenset("0123456789+-.eE")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_SCAN_ONCE = _DECODER.scan_once  # raw_decode without its Python frame: StopIteration or ValueError on failure
# The separator after a record, with the whitespace around it (json.dumps writes ", ").
_SEPARATOR = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*").match
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)

Collect = Callable[[Iterator[dict]], Any]


@dataclass(frozen=True)
class StatusAnswer(Answer):
    """An ``Answer`` whose records went to ``collect``: ``collected`` is what it returned."""

    collected: Any = None


class RecordList:
    """Stands for a ``message`` list or record in the answer's payload (its records went to ``collect``)."""

    def __init__(self, count: int, kind: str = "list"):
        self.count = count
        self.kind = kind

    def __repr__(self) -> str:
        if self.kind == "record":
            return "<a record>"
        return "<a list of %d record(s)>" % self.count


def read_status_answer(
    http_status: int,
    headers,
    chunks: Iterable[bytes],
    what: str,
    collect: Collect = list,
    redact: Callable[[str], str] = str,
):
    """Classify one status answer like ``read_answer``; a JSON object's records go to ``collect``.

    Returns a ``StatusAnswer`` (``collected`` is ``collect``'s result over the records of a
    list or bare-record ``message``, and over no records otherwise) or a ``SlowDown``; raises
    the typed errors ``read_answer`` raises. ``redact`` masks secrets in a body before any part
    of it is quoted in an error.
    """
    body = _Body(chunks, _charset(headers))
    if not 200 <= http_status < 300 or body.next_char() != "{":
        return _as_status_answer(read_answer(http_status, headers, body.rest_as_text(), what, redact=redact), collect)
    try:
        payload, collected = _ObjectWalker(body, collect).walk()
    except _NotJson:
        raise ApiError(no_json_message(http_status, redact(body.head()), what), status=http_status) from None
    return _as_status_answer(classify_payload(http_status, headers, payload, what), collect, collected)


def _as_status_answer(outcome, collect: Collect, collected: Any = None):
    if not isinstance(outcome, Answer):
        return outcome  # a SlowDown
    if collected is None:
        collected = collect(iter(_records_of(outcome.message)))
    return StatusAnswer(
        outcome.http_status, outcome.payload, outcome.ok, outcome.message, outcome.after_lost_attempt, collected
    )


def _records_of(message: Any) -> list:
    if isinstance(message, dict):
        return [message]
    if isinstance(message, list):
        return [record for record in message if isinstance(record, dict)]
    return []  # "null", None, "", a RecordList already collected: no records


def _charset(headers) -> str:
    content_type = (headers or {}).get("Content-Type") or ""
    found = _CHARSET.search(content_type)
    name = found.group(1) if found else ("ISO-8859-1" if content_type.lower().startswith("text/") else "utf-8")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


class _NotJson(Exception):
    """The body is not one JSON object (or is nested too deep to decode)."""


class _Body:
    """The body as a sliding text buffer over the chunks: ``text[pos:]`` is what is not read yet."""

    def __init__(self, chunks: Iterable[bytes], encoding: str):
        self._chunks = iter(chunks)
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.text = ""
        self.pos = 0
        self.last_close = -1  # where the text's last "}" is: no record starting after it can end in the text
        self.ended = False
        self._head: list = []
        self._head_size = 0
        # Set once the text holds a surrogate escape: from then on decoded values are cleaned (rare, not free).
        self.surrogates = False
        self._tail = ""

    def more(self) -> bool:
        """Append the next chunk (dropping what was read); False when the body has ended."""
        text = self._next_text()
        if text is None:
            return False
        self.text = self.text[self.pos :] + text
        self.pos = 0
        self.last_close = self.text.rfind("}")
        return True

    def _next_text(self) -> Optional[str]:
        """The next non-empty decoded piece of the body; None when the body has ended."""
        while not self.ended:
            chunk = next(self._chunks, None)
            text = self._decoder.decode(b"", final=True) if chunk is None else self._decoder.decode(chunk)
            self.ended = chunk is None
            if text:
                self._keep_head(text)
                self._look_for_surrogates(text)
                return text
        return None

    def _look_for_surrogates(self, text: str) -> None:
        if not self.surrogates:
            seen = self._tail + text  # an escape may be split between two chunks
            # "\\" is looked for first: a one-character search runs at memchr speed, "\\u" much slower
            self.surrogates = "\\" in seen and "\\u" in seen and SURROGATE_ESCAPE.search(seen) is not None
            self._tail = seen[-5:]

    def _keep_head(self, text: str) -> None:
        if self._head_size < HEAD_CHARS:
            self._head.append(text[: HEAD_CHARS - self._head_size])
            self._head_size += len(self._head[-1])

    def head(self) -> str:
        """The body's first ``HEAD_CHARS`` characters (read further for them if needed)."""
        while self._head_size < HEAD_CHARS and self.more():
            pass
        return "".join(self._head)

    def rest_as_text(self) -> str:
        """The unread text and the rest of the body, joined once (appending chunk by chunk is quadratic)."""
        pieces = [self.text[self.pos :]]
        text = self._next_text()
        while text is not None:
            pieces.append(text)
            text = self._next_text()
        self.text, self.pos = "".join(pieces), 0
        return self.text

    def next_char(self) -> str:
        """The next non-whitespace character ('' at the end of the body), not consumed."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.next_char() != char:
            raise _NotJson()
        self.pos += 1

    def value(self) -> Any:
        """Decode the JSON value starting at the next non-whitespace character."""
        self.next_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except RecursionError:
                raise _NotJson() from None
            except ValueError as error:
                if not self._may_be_cut(error) or not self.grow():
                    raise _NotJson() from None
                continue
            if self._number_may_go_on(value, end) and self.grow():
                continue
            self.pos = end
            return without_lone_surrogates(value) if self.surrogates else value

    def _may_be_cut(self, error: ValueError) -> bool:
        if self.ended:
            return False
        message = getattr(error, "msg", "")
        return (
            message.startswith("Unterminated string") or getattr(error, "pos", 0) >= len(self.text) - TRUNCATION_MARGIN
        )

    def _number_may_go_on(self, value: Any, end: int) -> bool:
        if self.ended or isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return end >= len(self.text) or self.text[end] in _NUMBER_CONTINUES

    def grow(self) -> bool:
        """Read until the unread text has doubled (or the body ended), so retries cost linear time."""
        wanted = 2 * (len(self.text) - self.pos) + 1
        grew = False
        while len(self.text) - self.pos < wanted and self.more():
            grew = True
        return grew


class _ObjectWalker:
    """Walks ``{"key": value, ...}``; a ``message`` list or record goes to ``collect``, not into memory."""

    def __init__(self, body: _Body, collect: Collect):
        self._body = body
        self._collect = collect

    def walk(self):
        body = self._body
        body.expect("{")
        payload: dict = {}
        collected: Optional[Any] = None
        if body.next_char() == "}":
            body.pos += 1
        else:
            while True:
                key = body.value()
                if not isinstance(key, str):
                    raise _NotJson()
                body.expect(":")
                if key == "message" and body.next_char() in "[{":
                    payload[key], collected = self._message()
                else:
                    payload[key] = body.value()
                    if key == "message":
                        collected = None  # a later "message" wins, as in json.loads
                if self._end_of_object():
                    break
        if body.next_char() != "":
            raise _NotJson()  # data after the object: json.loads refuses that too
        return payload, collected

    def _end_of_object(self) -> bool:
        char = self._body.next_char()
        self._body.pos += 1
        if char == ",":
            return False
        if char == "}":
            return True
        raise _NotJson()

    def _message(self):
        if self._body.next_char() == "{":
            record = self._body.value()
            return RecordList(1, "record"), self._collect(iter([record]))
        counter = [0]
        records = self._records(counter)
        collected = self._collect(records)
        for _record in records:  # collect may stop early: the rest must still be valid JSON
            pass
        return RecordList(counter[0]), collected

    def _records(self, counter: list) -> Iterator[dict]:
        body = self._body
        body.expect("[")
        if body.next_char() == "]":
            body.pos += 1
            return
        while True:
            if body.pos > body.last_close and body.grow():
                continue  # the record is cut by the buffer's end: a failed decode would cost a scan of the buffer
            # The fast path, a whole record in the buffer followed by a separator: one C scan, one match.
            text, pos = body.text, body.pos
            try:
                value, end = _SCAN_ONCE(text, pos)
            except RecursionError:
                raise _NotJson() from None
            except (StopIteration, ValueError):
                value = body.value()  # cut by the buffer's end, whitespace first, or broken: value() knows
            else:
                if value.__class__ is dict:
                    body.pos = end
                    if body.surrogates:
                        value = without_lone_surrogates(value)
                else:
                    value = body.value()  # a number may go on in the next chunk
            if value.__class__ is dict:
                counter[0] += 1
                yield value
            text, pos = body.text, body.pos
            if text.startswith(", {", pos):  # json.dumps' separator
                body.pos = pos + 2
                continue
            if text.startswith(",{", pos):  # compact JSON's
                body.pos = pos + 1
                continue
            found = _SEPARATOR(text, pos)
            if found is not None and found.end() < len(text):
                body.pos = found.end()
                if found.group(1) == "]":
                    return
            elif self._end_of_list():
                return

    def _end_of_list(self) -> bool:
        body = self._body
        char = body.next_char()
        body.pos += 1
        if char == "]":
            return True
        if char != ",":
            raise _NotJson()
        return False
