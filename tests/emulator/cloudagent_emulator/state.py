# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything the emulator remembers: accounts, rows, tokens, ledger, counters, faults, clock, settings."""

from __future__ import annotations

import collections
import hmac
import numbers
import secrets
import threading
import time
from typing import Callable, Dict, Iterable, List, Set, Tuple

from .diag import DEFAULT_DIAG_SETTINGS, DiagSettingError, validate_diag_settings
from .faults import FaultQueue
from .jwt import decode_token, encode_token
from .reply import STATUS_CASES
from .rows import DEFAULT_CAMPAIGN, Row

AUTH_MODES = ("TOKEN_AUTH", "BASIC_AUTH")
TOKEN_GENERATIONS_PER_HOUR = 10
REQUEST_LOG_LIMIT = 50000
HOUR = 3600.0
MINUTE = 60.0

# Switches of Schedule Campaign Data (see tests/emulator/README.md): echo the request's credentials in its messages, as a
# careless server would; keep created rows out of status reads, as a lagging read replica would.
SCHEDULE_SWITCHES = ("echo_request", "hide_created_rows")

TOKEN_OK = "ok"
TOKEN_INVALID = "invalid"
TOKEN_EXPIRED = "expired"


class StateError(ValueError):
    """A control request the emulator refuses, with the reason."""


class Account:
    __slots__ = ("user_name", "api_key", "auth_mode")

    def __init__(self, user_name: str, api_key: str, auth_mode: str):
        if not isinstance(user_name, str) or not user_name:
            raise StateError("user_name must be a non-empty string")
        if not isinstance(api_key, str) or not api_key:
            raise StateError("api_key must be a non-empty string")
        if auth_mode not in AUTH_MODES:
            raise StateError("auth_mode must be one of %s" % ", ".join(AUTH_MODES))
        self.user_name = user_name
        self.api_key = api_key
        self.auth_mode = auth_mode

    def key_matches(self, candidate) -> bool:
        return isinstance(candidate, str) and hmac.compare_digest(
            candidate.encode("utf-8"), self.api_key.encode("utf-8")
        )


def _empty_counters() -> dict:
    return {
        "generate_token": 0,
        "generate_token_ok": 0,
        "delete": 0,
        "get_scheduled_data": 0,
        "schedule": 0,
        "invalid_specs": 0,
    }


def validate_settings(changes) -> dict:
    """Check a settings update; unknown keys are refused so typos do not pass silently."""
    if not isinstance(changes, dict):
        raise StateError("settings must be a JSON object")
    unknown = sorted(
        set(changes)
        - {"status_case", "delete_rate_limit", "token_ttl"}
        - set(DEFAULT_DIAG_SETTINGS)
        - set(SCHEDULE_SWITCHES)
    )
    if unknown:
        raise StateError("unknown settings: %s" % ", ".join(unknown))
    if "status_case" in changes and changes["status_case"] not in STATUS_CASES:
        raise StateError("status_case must be one of %s" % ", ".join(STATUS_CASES))
    limit = changes.get("delete_rate_limit", 0)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise StateError("delete_rate_limit must be an integer >= 0 (0 turns it off)")
    for switch in SCHEDULE_SWITCHES:
        if not isinstance(changes.get(switch, False), bool):
            raise StateError("%s must be true or false" % switch)
    ttl = changes.get("token_ttl", 1)
    if isinstance(ttl, bool) or not isinstance(ttl, numbers.Real) or ttl <= 0:
        raise StateError("token_ttl must be a number of seconds > 0")
    try:
        validate_diag_settings(changes)
    except DiagSettingError as error:
        raise StateError(str(error)) from None
    return dict(changes)


class EmulatorState:
    """Shared by all request threads; vendor handlers hold ``lock`` for the whole of one request."""

    def __init__(
        self,
        accounts: Iterable[Account],
        delete_rate_limit: int = 0,
        token_ttl: float = HOUR,
        campaigns: Iterable[Tuple[str, str]] = (),
    ):
        self.lock = threading.RLock()
        self._secret = secrets.token_bytes(64)
        self._initial_accounts = list(accounts)
        self._initial_campaigns = list(campaigns)
        self._initial_settings = validate_settings(
            dict(
                DEFAULT_DIAG_SETTINGS,
                status_case="lower",
                delete_rate_limit=delete_rate_limit,
                token_ttl=token_ttl,
                **{switch: False for switch in SCHEDULE_SWITCHES},
            )
        )
        self.faults = FaultQueue()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.accounts: Dict[str, Account] = {account.user_name: account for account in self._initial_accounts}
            self.settings = dict(self._initial_settings)
            self._rows: Dict[str, Dict[int, Row]] = {}
            self._next_ids: Dict[str, int] = {}
            self._campaigns: Dict[str, Set[str]] = {}
            for user_name, campaign_name in self._initial_campaigns:
                self.add_campaign(user_name, campaign_name)
            self._current_tokens: Dict[str, str] = {}
            self._generations: Dict[str, List[float]] = {}
            self._deletes: Dict[str, List[float]] = {}
            self._counters = _empty_counters()
            self._requests: collections.deque = collections.deque(maxlen=REQUEST_LOG_LIMIT)
            self._clock_offset = 0.0
            self.faults.clear()

    # clock and settings

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance_clock(self, seconds) -> float:
        if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or seconds < 0:
            raise StateError("advance must be a number of seconds >= 0")
        with self.lock:
            self._clock_offset += seconds
            return self._clock_offset

    def update_settings(self, changes) -> dict:
        changes = validate_settings(changes)
        with self.lock:
            self.settings.update(changes)
            return dict(self.settings)

    # accounts and rows

    def add_account(self, account: Account) -> None:
        with self.lock:
            self.accounts[account.user_name] = account

    def add_rows(
        self, user_name: str, ids: Iterable[int], campaign_name: str = DEFAULT_CAMPAIGN, is_request_sent: bool = False
    ) -> int:
        if not isinstance(user_name, str) or not user_name:
            raise StateError("user_name must be a non-empty string")
        if not isinstance(campaign_name, str) or not campaign_name:
            raise StateError("campaign_name must be a non-empty string")
        if not isinstance(is_request_sent, bool):
            raise StateError("is_request_sent must be true or false")
        ids = list(ids)
        if any(isinstance(row_id, bool) or not isinstance(row_id, int) or row_id < 0 for row_id in ids):
            raise StateError("ids must be integers >= 0")
        with self.lock:
            self.add_campaign(user_name, campaign_name)
            rows = self._rows.setdefault(user_name, {})
            for row_id in ids:
                rows[row_id] = Row(row_id, campaign_name, is_request_sent)
        return len(ids)

    def insert_row(self, user_name: str, make_row: Callable[[int], Row]) -> int:
        """Store ``make_row(new_id)`` under a fresh id (never one used before, like the vendor's sequence)."""
        with self.lock:
            rows = self._rows.setdefault(user_name, {})
            row_id = max(self._next_ids.get(user_name, 1), max(rows, default=0) + 1)
            rows[row_id] = make_row(row_id)
            self._next_ids[user_name] = row_id + 1
            return row_id

    def mark_sent(self, user_name: str, ids: Iterable[int]) -> int:
        """What the dialer does when a row's time comes: the row becomes sent (history)."""
        with self.lock:
            rows = self._rows.get(user_name, {})
            marked = [row_id for row_id in ids if row_id in rows]
            for row_id in marked:
                rows[row_id].is_request_sent = True
            return len(marked)

    def add_campaign(self, user_name: str, campaign_name: str) -> None:
        if not isinstance(user_name, str) or not user_name:
            raise StateError("user_name must be a non-empty string")
        if not isinstance(campaign_name, str) or not campaign_name:
            raise StateError("campaign_name must be a non-empty string")
        with self.lock:
            self._campaigns.setdefault(user_name, set()).add(campaign_name)

    def knows_campaign(self, user_name: str, campaign_name: str) -> bool:
        """Every account has the demo campaign; others exist once seeded (control API, --campaign, --rows)."""
        with self.lock:
            return campaign_name == DEFAULT_CAMPAIGN or campaign_name in self._campaigns.get(user_name, set())

    def campaigns_of(self, user_name: str) -> List[str]:
        with self.lock:
            return sorted(self._campaigns.get(user_name, set()) | {DEFAULT_CAMPAIGN})

    def row_ids(self, user_name: str) -> List[int]:
        with self.lock:
            return sorted(self._rows.get(user_name, {}))

    def ids_by_user(self) -> Dict[str, List[int]]:
        with self.lock:
            return {user: sorted(rows) for user, rows in self._rows.items() if rows}

    def rows_of(self, user_name: str) -> List[Row]:
        with self.lock:
            rows = self._rows.get(user_name, {})
            return [rows[row_id] for row_id in sorted(rows)]

    def delete_rows(self, user_name: str, select) -> int:
        """Delete the rows ``select`` picks from the user's ids; returns how many went."""
        with self.lock:
            rows = self._rows.get(user_name, {})
            doomed = select(rows.keys())
            for row_id in doomed:
                del rows[row_id]
            return len(doomed)

    # tokens

    def token_budget_left(self, user_name: str) -> bool:
        with self.lock:
            recent = [moment for moment in self._generations.get(user_name, []) if moment > self.now() - HOUR]
            self._generations[user_name] = recent
            return len(recent) < TOKEN_GENERATIONS_PER_HOUR

    def issue_token(self, user_name: str) -> str:
        """Make a token for ``user_name``; it replaces (and so invalidates) every earlier one."""
        with self.lock:
            issued_at = int(self.now())
            claims = {
                "sub": user_name,
                "iat": issued_at,
                "exp": int(issued_at + self.settings["token_ttl"]),
                "jti": secrets.token_hex(8),
            }
            token = encode_token(self._secret, claims)
            self._current_tokens[user_name] = token
            self._generations.setdefault(user_name, []).append(self.now())
            return token

    def check_token(self, user_name: str, token: str) -> str:
        """TOKEN_OK, TOKEN_EXPIRED (expired or superseded) or TOKEN_INVALID (not ours, or another user's)."""
        claims = decode_token(self._secret, token)
        if claims is None or claims.get("sub") != user_name:
            return TOKEN_INVALID
        with self.lock:
            current = self._current_tokens.get(user_name)
            if current is None or not hmac.compare_digest(current, token):
                return TOKEN_EXPIRED
            expires = claims.get("exp")
            if not isinstance(expires, (int, float)) or self.now() >= expires:
                return TOKEN_EXPIRED
            return TOKEN_OK

    # delete rate limit

    def allow_delete(self, user_name: str) -> bool:
        """Count one DELETE in the user's rolling minute; False when it is over the limit (not counted)."""
        with self.lock:
            limit = self.settings["delete_rate_limit"]
            if not limit:
                return True
            recent = [moment for moment in self._deletes.get(user_name, []) if moment > self.now() - MINUTE]
            if len(recent) >= limit:
                self._deletes[user_name] = recent
                return False
            recent.append(self.now())
            self._deletes[user_name] = recent
            return True

    # counters and request log

    def record_request(self, entry: dict, invalid_spec: bool, token_issued: bool) -> None:
        with self.lock:
            self._counters[entry["endpoint"]] += 1
            if token_issued:
                self._counters["generate_token_ok"] += 1
            if invalid_spec:
                self._counters["invalid_specs"] += 1
            self._requests.append(entry)

    def counters(self) -> dict:
        with self.lock:
            result = dict(self._counters)
            result["requests"] = [dict(entry) for entry in self._requests]
            return result

    def status_case(self) -> str:
        return self.settings["status_case"]


def parse_account(text: str) -> Account:
    """Read the CLI form ``USER:APIKEY:MODE`` (the key may itself hold colons)."""
    user_name, _sep, rest = text.partition(":")
    api_key, sep, auth_mode = rest.rpartition(":")
    if not sep:
        raise StateError("an account is written USER:APIKEY:MODE, MODE being one of %s" % ", ".join(AUTH_MODES))
    return Account(user_name, api_key, auth_mode.upper())


def default_accounts() -> List[Account]:
    return [
        Account("demo_user", "FAKE-DEMO-API-KEY-0001", "TOKEN_AUTH"),
        Account("basic_user", "FAKE-BASIC-API-KEY-0002", "BASIC_AUTH"),
    ]
