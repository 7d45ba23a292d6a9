# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""A redacted transcript of every HTTP exchange, for bug reports from a live account.

With the environment variable ``OZONETEL_TRANSCRIPT`` set to a file path, each exchange of the
client appends one JSON line: ``time``, ``method``, ``path``, ``status`` (``null`` when no answer
came), ``elapsed``, ``request`` and ``answer`` (the first ``BODY_LIMIT`` characters of each),
``error`` (the kind of failure of a lost answer) and a few answer headers. Secrets are masked
with the redaction of messages (``_redact``): the client's api key and tokens in every echoed
form, the Redis password, and the value of every ``apikey``- or ``token``-named key, at any
depth, in JSON or in a URL-encoded query string (the status records' ``ScheduleParams``).

The file is created ``0600``; an existing file readable by others is narrowed to ``0600``, one
owned by another user or reached through a symbolic link is not written. A transcript that
cannot be written never fails the task: one warning per process, then silence.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Callable, Iterable, List, Optional
from urllib.parse import unquote, unquote_plus

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import mask_text, secret_forms

ENV_VAR = "OZONETEL_TRANSCRIPT"
BODY_LIMIT = 8192  # characters of each body kept
# Read past the limit before masking, so a secret crossing the cut is masked whole, then cut.
CAPTURE_MARGIN = 4096
MIN_SECRET_LENGTH = 4  # shorter values of secret-named keys are placeholders, and masking them would garble the text
ANSWER_HEADERS = ("Content-Type", "Retry-After", "Location")
_SECRET_NAMES = frozenset(("apikey", "token", "accesstoken", "authorization", "password"))
_NOT_LETTERS = re.compile(r"[\W_]+")
# A JSON member with a string value, the value possibly cut off by the end of the capture.
_JSON_MEMBER = re.compile(r'"([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.)*)')
# A query-string parameter (``api_key=...&``), as ScheduleParams carries it.
_QUERY_PARAM = re.compile(r"(?:^|[?&\"\s])([A-Za-z][\w .%-]{0,40})=([^&\"\s]*)")


def _secret_name(name: str) -> bool:
    return _NOT_LETTERS.sub("", unquote_plus(name).lower()) in _SECRET_NAMES


def secrets_in_text(text: str) -> set:
    """Values of secret-named keys in a JSON text or query string, even one cut short or nested as text."""
    found = set()
    for variant in (text, text.replace('\\"', '"')):
        for name, value in _JSON_MEMBER.findall(variant):
            if _secret_name(name) and value:
                found |= {value, value.replace("\\/", "/")}
        for name, value in _QUERY_PARAM.findall(variant):
            if _secret_name(name) and value:
                found |= {value, unquote(value), unquote_plus(value)}
    return {value for value in found if len(value.strip("*")) >= MIN_SECRET_LENGTH}


def redact_body(text: Optional[str], known: Iterable[str]) -> Optional[str]:
    """``text`` with every known and discovered secret masked, then cut to ``BODY_LIMIT`` characters."""
    if text is None:
        return None
    masked = mask_text(text, secret_forms(set(known) | secrets_in_text(text)))
    return masked[:BODY_LIMIT]


class _TeeRaw:
    """Stands for ``response.raw``: reads go through, and the first bytes read are kept."""

    def __init__(self, raw, kept: bytearray, limit: int):
        self._raw = raw
        self._kept = kept
        self._limit = limit

    def _keep(self, chunk):
        if chunk and len(self._kept) < self._limit:
            self._kept.extend(chunk[: self._limit - len(self._kept)])
        return chunk

    def read(self, *args, **kwargs):
        return self._keep(self._raw.read(*args, **kwargs))

    def read1(self, *args, **kwargs):
        reader = getattr(self._raw, "read1", None) or self._raw.read
        return self._keep(reader(*args, **kwargs))

    def __getattr__(self, name):
        return getattr(self._raw, name)


class Recording:
    """One exchange being recorded: a context manager around the request and the reading of its answer."""

    def __init__(self, sink: "Transcript", method: str, path: str, body, secrets: Callable[[], Iterable[str]]):
        self._sink = sink
        self._method = method
        self._path = path
        self._body = body
        self._secrets = secrets
        self._started = time.time()
        self._clock = time.monotonic()
        self._response = None
        self._kept = bytearray()
        self._limit = BODY_LIMIT * 4 + CAPTURE_MARGIN  # UTF-8 takes up to 4 bytes a character

    def tap(self, response):
        """Record ``response``'s status and the first bytes of its body as the reader reads them."""
        self._response = response
        try:
            response.raw = _TeeRaw(response.raw, self._kept, self._limit)
        except AttributeError:  # a response without a settable raw stream: its status is still recorded
            pass
        return response

    def __enter__(self) -> "Recording":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        self._sink.append(self._line(exc))
        return False

    def _line(self, exc: Optional[BaseException]) -> dict:
        known = list(self._secrets())
        response = self._response
        answer = None
        if response is not None:
            answer = redact_body(bytes(self._kept).decode("utf-8", errors="replace"), known)
        request = None if self._body is None else json.dumps(self._body, ensure_ascii=False, default=str)
        return {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self._started))
            + ".%03dZ" % (int(self._started * 1000) % 1000),
            "pid": os.getpid(),
            "method": self._method,
            "path": self._path,
            "status": getattr(response, "status_code", None),
            "elapsed": round(time.monotonic() - self._clock, 3),
            "request": redact_body(request, known),
            "request_truncated": request is not None and len(request) > BODY_LIMIT,
            "answer": answer,
            "answer_truncated": len(self._kept) >= self._limit,
            "answer_headers": self._answer_headers(response, known),
            "error": None if exc is None else type(exc).__name__,
        }

    @staticmethod
    def _answer_headers(response, known: List[str]) -> dict:
        headers = getattr(response, "headers", None) or {}
        return {name: redact_body(str(headers[name]), known) for name in ANSWER_HEADERS if name in headers}


class _NoRecording:
    """What ``record`` gives when no transcript is wanted: does nothing."""

    def tap(self, response):
        return response

    def __enter__(self) -> "_NoRecording":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        return False


class Transcript:
    """The transcript file of this process: lines are appended, each in one write."""

    def __init__(self, path: str):
        self.path = path
        self._failed = False
        self.warn: Callable[[str], None] = lambda message: None

    def append(self, line: dict) -> None:
        if self._failed:
            return
        try:
            self._write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8", errors="replace"))
        except (OSError, ValueError, TypeError) as error:
            self._failed = True
            reason = getattr(error, "strerror", None) or str(error)
            self.warn(
                "Cannot write the transcript %s (%s, environment variable %s): no further exchange is recorded "
                "in this task; the task itself goes on." % (self.path, reason, ENV_VAR)
            )

    def _write(self, data: bytes) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(self.path, flags, 0o600)
        try:
            status = os.fstat(descriptor)
            if status.st_uid != os.geteuid():
                raise OSError(0, "the file belongs to another user")
            if status.st_mode & 0o077:
                os.fchmod(descriptor, 0o600)  # a bug report should not be readable by everyone on the machine
            os.write(descriptor, data)  # one write with O_APPEND: lines of parallel tasks do not interleave
        finally:
            os.close(descriptor)


_TRANSCRIPTS: dict = {}


def transcript_path() -> Optional[str]:
    return os.environ.get(ENV_VAR) or None


def record(
    method: str,
    path: str,
    body,
    secrets: Callable[[], Iterable[str]],
    warn: Callable[[str], None],
):
    """A context manager recording one exchange in the transcript (a no-op when ``OZONETEL_TRANSCRIPT`` is unset).

    ``secrets()`` gives the secrets to mask when the line is written (tokens obtained meanwhile included).
    Use ``tap(response)`` on the response before reading its body.
    """
    location = transcript_path()
    if location is None:
        return _NoRecording()
    sink = _TRANSCRIPTS.setdefault(location, Transcript(location))
    sink.warn = warn
    return Recording(sink, method, path, body, secrets)
