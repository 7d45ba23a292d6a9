# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the emulator answers to one request, before it goes on the wire."""

from __future__ import annotations

import json
from typing import Callable, Dict, Iterable, Optional

VENDOR_STATUS_WORDS = ("success", "error", "false")
STATUS_CASES = ("lower", "title", "upper")


class Reply:
    """An HTTP answer: a JSON payload or raw bytes, or ``drop`` to close the connection unanswered.

    A streamed answer has ``pieces``: a function of the payload's status word giving the body in
    pieces, sent with chunked transfer encoding (the payload then holds only the status word).
    """

    def __init__(
        self,
        status: Optional[int],
        payload=None,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: Optional[Dict[str, str]] = None,
        drop: bool = False,
        pieces: Optional[Callable[[str], Iterable[bytes]]] = None,
    ):
        self.status = status
        self.payload = payload
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.drop = drop
        self.pieces = pieces
        self.cut: Optional[dict] = None  # a fault rule that breaks the answer off mid-body (faults.py)

    @classmethod
    def json(cls, payload, status: int = 200) -> "Reply":
        return cls(status, payload=payload)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> "Reply":
        return cls(status, body=text.encode("utf-8"), content_type=content_type)

    @classmethod
    def streamed(cls, status_word: str, pieces: Callable[[str], Iterable[bytes]]) -> "Reply":
        return cls(200, payload={"status": status_word}, pieces=pieces)

    def body_pieces(self) -> Iterable[bytes]:
        return self.pieces(self.payload["status"])

    @classmethod
    def dropped(cls) -> "Reply":
        return cls(None, drop=True)

    def encoded_body(self) -> bytes:
        if self.payload is None:
            return self.body
        return json.dumps(self.payload).encode("utf-8")

    def api_status(self) -> Optional[str]:
        status = self.payload.get("status") if isinstance(self.payload, dict) else None
        return status if isinstance(status, str) else None

    def api_message(self) -> Optional[str]:
        """The vendor message when it is text; structured messages (records, counts) are not logged."""
        message = self.payload.get("message") if isinstance(self.payload, dict) else None
        return message if isinstance(message, str) else None

    def apply_status_case(self, status_case: str) -> None:
        """Rewrite the vendor's status word so clients prove they compare case-insensitively."""
        status = self.api_status()
        if status is None or status.lower() not in VENDOR_STATUS_WORDS:
            return
        self.payload = dict(self.payload)
        self.payload["status"] = {"upper": status.upper(), "title": status.title()}.get(status_case, status.lower())


def vendor_error(message: str, status_word: str = "error", http_status: int = 200) -> Reply:
    """The ``{"status": "error", "message": ...}`` style of the delete/status endpoints."""
    return Reply.json({"status": status_word, "message": message}, status=http_status)


def vendor_false(message: str, http_status: int = 200) -> Reply:
    """The ``{"status": "false", "message": ..., "data": null}`` style of token and auth errors."""
    return Reply.json({"status": "false", "message": message, "data": None}, status=http_status)
