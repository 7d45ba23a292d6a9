# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Diagnostics: the settings that play the vendor page's ambiguities, and the replay of a transcript.

Settings (``POST /_emulator/settings``):
- ``delete_method``: ``DELETE`` (default; a POST to the delete path answers 405), ``POST`` (a DELETE
  answers 405 and POST deletes: the server the page's cURL sample implies) or ``both``;
- ``error_word``: the ``status`` word of every error answer (``error``, ``Error``, ``false``, ``fail``, ...);
  ``null`` keeps the vendor's own words;
- ``echo_secrets``: every JSON answer (not the streamed status read) gets an ``echo`` member quoting the
  api key (as sent, and URL-encoded) and the Authorization header it received, as a careless server
  might in an error, so tests can prove the client masks them.

Replay (``--replay FILE``): the vendor endpoints answer from a transcript written by the collection
(``OZONETEL_TRANSCRIPT``), in order per method and path, without looking at the request: credentials
cannot be checked (the transcript holds them masked). A masked token becomes an unsigned JWT valid for
an hour, so the token cache can read its lifetime. A recorded lost answer closes the connection.
"""

from __future__ import annotations

import base64
import collections
import json
import threading
import time
from typing import Deque, Dict, Optional, Tuple
from urllib.parse import quote

from .reply import Reply

DELETE_METHODS = ("DELETE", "POST", "both")
MASK = "********"
DEFAULT_DIAG_SETTINGS = {"delete_method": "DELETE", "error_word": None, "echo_secrets": False}
_SUCCESS = "success"


class DiagSettingError(ValueError):
    """A diagnostics setting the emulator refuses."""


def validate_diag_settings(changes: dict) -> None:
    if "delete_method" in changes and changes["delete_method"] not in DELETE_METHODS:
        raise DiagSettingError("delete_method must be one of %s" % ", ".join(DELETE_METHODS))
    word = changes.get("error_word")
    if word is not None and (not isinstance(word, str) or not word.strip() or word.strip().lower() == _SUCCESS):
        raise DiagSettingError("error_word must be null or a status word other than success (e.g. fail, Error)")
    if not isinstance(changes.get("echo_secrets", False), bool):
        raise DiagSettingError("echo_secrets must be true or false")


def method_refused(settings: dict, endpoint: str, method: str) -> Optional[Reply]:
    """HTTP 405 when the delete endpoint is asked with the method the settings do not accept."""
    allowed = settings.get("delete_method", "DELETE")
    if endpoint != "delete" or allowed in ("both", method):
        return None
    reply = Reply.text("Method Not Allowed", status=405)
    reply.headers["Allow"] = allowed
    return reply


def apply_diag_settings(reply: Reply, settings: dict, headers) -> None:
    """Rewrite the error status word, and add the echo of the credentials, as the settings ask."""
    if not isinstance(reply.payload, dict) or reply.pieces is not None:
        return
    word = settings.get("error_word")
    status = reply.payload.get("status")
    if word and isinstance(status, str) and status.strip().lower() != _SUCCESS:
        reply.payload = dict(reply.payload, status=word)
    if settings.get("echo_secrets"):
        api_key = headers.get("apiKey") or ""
        reply.payload = dict(
            reply.payload,
            echo="received apiKey %s (url-encoded %s) and Authorization %s"
            % (api_key, quote(api_key, safe=""), headers.get("Authorization") or "(none)"),
        )


# ---------------------------------------------------------------- replay


class ReplayBook:
    """The answers of a transcript, queued per (method, path), served in order."""

    def __init__(self, answers: Dict[Tuple[str, str], Deque[dict]]):
        self._answers = answers
        self._lock = threading.Lock()
        self.served = 0

    @classmethod
    def load(cls, path: str) -> "ReplayBook":
        answers: Dict[Tuple[str, str], Deque[dict]] = collections.defaultdict(collections.deque)
        with open(path, encoding="utf-8") as transcript:
            for line in transcript:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if (
                    isinstance(entry, dict)
                    and isinstance(entry.get("method"), str)
                    and isinstance(entry.get("path"), str)
                ):
                    answers[(entry["method"], entry["path"])].append(entry)
        return cls(dict(answers))

    def reply_for(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._answers.get((method, path))
            entry = queue.popleft() if queue else None
            if entry is not None:
                self.served += 1
        if entry is None:
            return Reply.json(
                {"status": "error", "message": "replay: no recorded answer left for %s %s" % (method, path)}, 500
            )
        if entry.get("status") is None:
            return Reply.dropped()
        return _replayed(entry)

    def left(self) -> dict:
        with self._lock:
            return {"%s %s" % key: len(queue) for key, queue in self._answers.items() if queue}


def _replayed(entry: dict) -> Reply:
    headers = dict(entry.get("answer_headers") or {})
    content_type = headers.pop("Content-Type", "application/json")
    body = _unmasked_token(entry.get("answer") or "")
    reply = Reply(int(entry["status"]), body=body.encode("utf-8"), content_type=content_type)
    reply.headers.update({name: str(value) for name, value in headers.items() if name in ("Retry-After", "Location")})
    return reply


def _unmasked_token(body: str) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    if not isinstance(payload, dict) or payload.get("token") != MASK:
        return body
    return json.dumps(dict(payload, token=_unsigned_jwt()))


def _unsigned_jwt() -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode("utf-8")).rstrip(b"=").decode("ascii")

    now = int(time.time())
    return "%s.%s.replayed" % (part({"alg": "none"}), part({"sub": "replay", "iat": now, "exp": now + 3600}))
