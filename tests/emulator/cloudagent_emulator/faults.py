# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Injected faults: rules that replace (or delay) the answer to matching vendor requests."""

from __future__ import annotations

import http
import itertools
import numbers
import os
import socket
import struct
import time
import zlib
from typing import Iterable, List, Optional

from .reply import Reply, vendor_error, vendor_false

ENDPOINTS = ("generate_token", "delete", "get_scheduled_data", "schedule")
ANSWER_KINDS = ("http_status", "html", "empty", "non_json", "max_limit", "token_expired", "server_error_json", "drop")
# The request is processed as usual; only its answer is changed on the way out.
CUT_KINDS = ("cut_short", "cut_chunked", "cut_gzip", "cut_reset")
ALTER_KINDS = CUT_KINDS + ("whitespace", "lone_surrogate")
FAULT_KINDS = ANSWER_KINDS + ALTER_KINDS + ("delay",)
DEFAULT_CUT_AFTER = 20
JSON_WHITESPACE = " \t\r\n"
# Inserted into the first record's Name (inside ScheduleParams): "\ud83d" is valid JSON, a lone surrogate.
LONE_SURROGATE_MARK = (b"&Name=", b"&Name=\\ud83d")
MAX_DELAY_SECONDS = 600

_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class FaultError(ValueError):
    """A fault rule the emulator cannot apply."""


def _number(rule: dict, key: str, default, minimum=0):
    value = rule.get(key, default)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < minimum:
        raise FaultError("fault %r must be a number >= %s, got %r" % (key, minimum, value))
    return value


def _check_answer_kind(kind, rule: dict) -> None:
    if kind not in ANSWER_KINDS:
        raise FaultError("unknown fault kind %r (known: %s)" % (kind, ", ".join(FAULT_KINDS)))
    if kind == "http_status":
        status = rule.get("status")
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise FaultError("fault kind http_status needs an integer 'status' between 200 and 599")
        if "body" in rule and not isinstance(rule["body"], str):
            raise FaultError("fault 'body' must be a string")
        if "retry_after" in rule:
            _number(rule, "retry_after", 0)


def _check_alter_kind(rule: dict) -> None:
    if rule["kind"] in CUT_KINDS:
        rule["after_bytes"] = int(_number(rule, "after_bytes", DEFAULT_CUT_AFTER))
    if rule["kind"] == "whitespace":
        prefix = rule.setdefault("prefix", "\n")
        if not isinstance(prefix, str) or not prefix or prefix.strip(JSON_WHITESPACE):
            raise FaultError("fault 'prefix' must be JSON whitespace (spaces, tabs, CR, LF), got %r" % (prefix,))


def validate_rule(raw) -> dict:
    """Return a normalized copy of one fault rule, or raise FaultError naming what is wrong."""
    if not isinstance(raw, dict):
        raise FaultError("a fault rule must be a JSON object, got %r" % (raw,))
    rule = dict(raw)
    rule.setdefault("endpoint", "any")
    if rule["endpoint"] not in ENDPOINTS + ("any",):
        raise FaultError("unknown fault endpoint %r (known: %s, any)" % (rule["endpoint"], ", ".join(ENDPOINTS)))
    rule["times"] = int(_number(rule, "times", 1, minimum=1))
    rule["skip"] = int(_number(rule, "skip", 0))
    kind = rule.get("kind")
    if kind == "delay":
        rule["seconds"] = _number(rule, "seconds", 1.0)
        if rule["seconds"] > MAX_DELAY_SECONDS:
            raise FaultError("fault 'seconds' is capped at %d" % MAX_DELAY_SECONDS)
        if rule.get("then") is not None:
            _check_answer_kind(rule["then"], rule)
    elif kind in ALTER_KINDS:
        _check_alter_kind(rule)
    else:
        _check_answer_kind(kind, rule)
    return rule


class FaultQueue:
    """Rules in the order they were added; the first unexhausted rule for an endpoint is the active one."""

    def __init__(self):
        self._rules: List[dict] = []

    def add(self, raw_rules) -> int:
        if not isinstance(raw_rules, list):
            raise FaultError("'faults' must be a list of rules")
        rules = [validate_rule(raw) for raw in raw_rules]
        self._rules.extend(rules)
        return len(rules)

    def clear(self) -> None:
        self._rules = []

    def pending(self) -> List[dict]:
        return [dict(rule) for rule in self._rules]

    def take(self, endpoint: str) -> Optional[dict]:
        """Consume the fault for one request to ``endpoint``; None lets the request through untouched."""
        for rule in self._rules:
            if rule["endpoint"] not in (endpoint, "any"):
                continue
            if rule["skip"] > 0:
                rule["skip"] -= 1
                return None
            rule["times"] -= 1
            if rule["times"] == 0:
                self._rules.remove(rule)
            return dict(rule)
        return None


def _reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _http_status_reply(rule: dict) -> Reply:
    status = rule["status"]
    if "body" in rule:
        body = rule["body"]
        content_type = "application/json" if body.lstrip().startswith(("{", "[")) else "text/plain; charset=utf-8"
    else:
        body = _reason_phrase(status)
        content_type = "text/plain; charset=utf-8"
    reply = Reply.text(body, status=status, content_type=content_type)
    if "retry_after" in rule:
        seconds = rule["retry_after"]
        reply.headers["Retry-After"] = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
    return reply


def fault_reply(kind: str, rule: dict) -> Reply:
    """The answer a fault of ``kind`` gives instead of the real one."""
    if kind == "http_status":
        return _http_status_reply(rule)
    if kind == "html":
        return Reply.text(_GATEWAY_PAGE, status=502, content_type="text/html")
    if kind == "empty":
        return Reply.text("", status=200, content_type="application/json")
    if kind == "non_json":
        return Reply.text("OK", status=200)
    if kind == "max_limit":
        return vendor_error("Max limit exceeded")
    if kind == "token_expired":
        return vendor_false("Token Expired")
    if kind == "server_error_json":
        return Reply.json({"status": 500, "error": "Internal Server Error"}, status=500)
    return Reply.dropped()


# ---- faults that change the real answer (the request itself is processed) ---------------------


def altered_reply(reply: Reply, rule: dict) -> Reply:
    """The vendor's ``reply`` changed as ``rule`` says: prefixed, carrying a lone surrogate, or marked to be cut."""
    kind = rule["kind"]
    if kind == "whitespace":
        return _with_body(reply, lambda pieces: itertools.chain([rule["prefix"].encode("ascii")], pieces))
    if kind == "lone_surrogate":
        return _with_body(reply, _with_lone_surrogate)
    reply.cut = rule
    return reply


def _with_body(reply: Reply, transform) -> Reply:
    if reply.pieces is not None:
        pieces = transform(reply.body_pieces())
        reply.pieces = lambda status_word: pieces
    else:
        reply.body = b"".join(transform([reply.encoded_body()]))
        reply.payload = None
    return reply


def _with_lone_surrogate(pieces: Iterable[bytes]) -> Iterable[bytes]:
    marked = False
    for piece in pieces:
        if not marked and LONE_SURROGATE_MARK[0] in piece:
            piece = piece.replace(*LONE_SURROGATE_MARK, 1)
            marked = True
        yield piece


def send_cut(handler, reply: Reply) -> None:
    """Send the first ``after_bytes`` of the answer, then break it off as the rule's kind says."""
    rule = reply.cut
    body = b"".join(reply.body_pieces()) if reply.pieces is not None else reply.encoded_body()
    kept = body[: rule["after_bytes"]]
    handler.close_connection = True
    if rule["kind"] == "cut_chunked":
        rest = body[len(kept) :] or b"}"
        handler.send_head(reply, {"Transfer-Encoding": "chunked"})
        # A whole first chunk, then a chunk that announces more bytes than ever come.
        handler.wfile.write(b"%x\r\n%s\r\n%x\r\n%s" % (len(kept), kept, len(rest), rest[: len(rest) // 2]))
    elif rule["kind"] == "cut_gzip":
        squeezer = zlib.compressobj(0, zlib.DEFLATED, 31)  # gzip of stored blocks: the kept bytes decode as sent
        # then a block header of the reserved type 3: "invalid block type" for every gzip decoder
        broken = squeezer.compress(kept) + squeezer.flush(zlib.Z_SYNC_FLUSH) + b"\xff" * 8
        handler.send_head(reply, {"Content-Length": str(len(broken)), "Content-Encoding": "gzip"})
        handler.wfile.write(broken)
    else:
        handler.send_head(reply, {"Content-Length": str(len(body))})
        handler.wfile.write(kept)
        if rule["kind"] == "cut_reset":
            time.sleep(0.2)  # let the kept bytes arrive first, so the reset comes mid-body
            _reset(handler.connection)


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset (linger 0) rather than an orderly end of stream."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    os.close(connection.detach())  # the handler's file objects still hold the socket: close the descriptor itself
