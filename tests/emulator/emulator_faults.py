# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Injected faults: rules that replace (or delay) the answer to matching vendor requests."""

from __future__ import annotations

import http
import numbers
from typing import List, Optional

from emulator_reply import Reply, vendor_error, vendor_false

ENDPOINTS = ("generate_token", "delete", "get_scheduled_data", "schedule")
ANSWER_KINDS = ("http_status", "html", "empty", "non_json", "max_limit", "token_expired", "server_error_json", "drop")
FAULT_KINDS = ANSWER_KINDS + ("delay",)
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
