# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""What every token store backend shares: the stored token, the backend interface, the lock wait,
the account digest and the one-hour window of the generation ledger.

The backends (``_token_file``, ``_token_redis``) import this file; the token rules and the factory
(``_token_store``) import the backends. Nothing here imports either of them.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

LEDGER_WINDOW = 3600
LOCK_WAIT_LIMIT = 60.0
LOCK_POLL = 0.05
_ACCOUNT_DIGEST_LENGTH = 32


@dataclass(frozen=True)
class CachedToken:
    """A stored token; ``expires_at`` is on this machine's clock."""

    token: str
    key_digest: str
    expires_at: float


class TokenBackend:
    """Where tokens, ledgers and locks live. Each method is atomic on its own; ``TokenStore`` combines them.

    ``description`` names the store in messages (a path, or a URL with its password masked).
    """

    description = "the token store"

    def account_lock(self, account: str, hold_seconds: float):
        """A context manager holding the account's lock; waits at most LOCK_WAIT_LIMIT seconds."""
        raise NotImplementedError

    def load_token(self, account: str) -> Optional[CachedToken]:
        raise NotImplementedError

    def save_token(self, account: str, cached: CachedToken) -> None:
        raise NotImplementedError

    def drop_token(self, account: str, token: str) -> None:
        """Forget the account's token if it is still ``token`` (another process may have stored a newer one)."""
        raise NotImplementedError

    def load_ledger(self, account: str) -> list:
        """The account's recorded generation times; those before the ledger window may be among them
        (``TokenStore`` keeps only those ``within_ledger_window``)."""
        raise NotImplementedError

    def add_generation(self, account: str, at: float) -> None:
        raise NotImplementedError

    def replace_ledger(self, account: str, generations: list) -> None:
        raise NotImplementedError


def wait_for_lock(try_once: Callable[[], bool], wait_limit: float, timed_out: Callable[[], Exception]) -> None:
    """Call ``try_once`` until it takes the lock; after ``wait_limit`` seconds raise ``timed_out()``."""
    deadline = time.monotonic() + wait_limit
    while not try_once():
        if time.monotonic() >= deadline:
            raise timed_out()
        time.sleep(LOCK_POLL)


def account_digest(account: str) -> str:
    """A digest naming an account in lock files and Redis keys, so neither shows the base URL or user name."""
    return hashlib.sha256(account.encode("utf-8")).hexdigest()[:_ACCOUNT_DIGEST_LENGTH]


def ledger_window_start(now: float) -> float:
    """Generations at or before this moment are outside the one-hour ledger window."""
    return now - LEDGER_WINDOW


def within_ledger_window(moments: Iterable[float], now: float) -> list:
    """The moments inside the window (those dated in the future included), sorted."""
    start = ledger_window_start(now)
    return sorted(moment for moment in moments if moment > start)


def is_finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
