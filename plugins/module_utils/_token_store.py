# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The token store: one set of token rules over a small storage backend (a file, or Redis).

CloudAgent allows 10 token generations an hour per user, and each new token logs out the
previous one (see docs/maintainers/api-notes.md, "Generate Token"). So every process that
needs a token goes through the store, under a per-account lock: it reuses a valid token
when there is one, generates at most one otherwise, and records every generation - also
one whose answer was lost - in a per-account ledger that refuses the 11th in an hour.

``TokenStore`` holds these rules; ``open_token_store`` picks the backend the ``token_cache``
option names. A backend (``_token_file.FileTokenBackend``, ``_token_redis.RedisTokenBackend``,
both built on ``_token_backend``) only keeps tokens, ledgers and locks; imports go from here
down to them, never back. No HTTP here: the caller passes ``generate``, a callable returning a
new token. The api key is never stored; only a truncated digest of it, so a token made with a
rotated key is not reused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import time
from typing import Callable, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ConfigurationError,
    TokenBudgetError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_backend import (
    LEDGER_WINDOW,
    CachedToken,
    TokenBackend,
    is_finite_number,
    within_ledger_window,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_file import (
    FileTokenBackend,
    default_cache_path,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_redis import (
    RedisTokenBackend,
    check_redis_url,
    is_redis_url,
    mask_url,
)

DEFAULT_MIN_VALIDITY = 300
TOKEN_LIFETIME_FALLBACK = 3600
TOKEN_LIFETIME_CAP = 86400
GENERATIONS_PER_HOUR = 10
DEFAULT_LOCK_HOLD = 120.0
_KEY_DIGEST_PREFIX = b"ozonetel.cloudagent token cache key digest v1\0"
_KEY_DIGEST_LENGTH = 32


class TokenStore:
    """The token rules, the same for every backend."""

    def __init__(self, backend: TokenBackend, clock: Callable[[], float] = time.time):
        self.backend = backend
        self._clock = clock

    @property
    def description(self) -> str:
        return self.backend.description

    def get_token(
        self,
        base_url: str,
        user_name: str,
        api_key: str,
        generate,
        *,
        min_validity: float = DEFAULT_MIN_VALIDITY,
        fresh: bool = False,
        refused_token: Optional[str] = None,
        lock_hold: float = DEFAULT_LOCK_HOLD,
    ) -> str:
        """Return a token for the account: a stored one when usable, else a newly generated one.

        ``fresh`` skips reuse. ``refused_token`` is a token the API just refused: it is dropped
        from the store and never handed back (a different valid token, stored by another
        process, is). Errors raised by ``generate`` propagate; they count as a generation only
        when the request may have reached the API (a ``TransportError`` with ``may_have_landed``).
        """
        account = account_key(base_url, user_name)
        digest = key_digest(api_key)
        if not fresh and not refused_token:
            # Reuse needs no lock (a read is atomic), so a lock left over by a failed unlock delays generations only.
            cached = self.backend.load_token(account)
            if _is_reusable(cached, digest, self._clock(), min_validity, None):
                return cached.token
        with self.backend.account_lock(account, lock_hold):
            if refused_token:
                self.backend.drop_token(account, refused_token)
            cached = self.backend.load_token(account)
            if not fresh and _is_reusable(cached, digest, self._clock(), min_validity, refused_token):
                return cached.token
            ledger = self._recent_generations(account)
            if len(ledger) >= GENERATIONS_PER_HOUR:
                raise TokenBudgetError(self._budget_message(base_url, user_name, ledger))
            return self._generate(account, digest, generate, cached)

    def _generate(self, account: str, digest: str, generate, cached: Optional[CachedToken]) -> str:
        asked_at = self._clock()
        try:
            token = generate()
        except TransportError as error:
            if getattr(error, "may_have_landed", False):
                self._count_lost_generation(account, asked_at, cached, error)
            raise
        received_at = self._clock()
        self.backend.add_generation(account, asked_at)
        self.backend.save_token(account, CachedToken(token, digest, received_at + token_lifetime(token)))
        return token

    def _count_lost_generation(self, account: str, asked_at: float, cached: Optional[CachedToken], error) -> None:
        """The vendor may have made a token we never saw: it spent budget and logged out the stored one."""
        self.backend.add_generation(account, asked_at)
        if cached is not None:
            self.backend.drop_token(account, cached.token)
        error.args = (
            "%s. The request may have reached CloudAgent, so it counts as one of the %d token generations "
            "an hour recorded in %s, and the stored token (possibly logged out by it) was dropped."
            % (str(error).rstrip("."), GENERATIONS_PER_HOUR, self.description),
        )

    def _recent_generations(self, account: str) -> list:
        """The ledger of the last hour; entries dated in the future (the clock went back) count as now."""
        now = self._clock()
        stored = self.backend.load_ledger(account)
        ledger = [min(moment, now) for moment in within_ledger_window(stored, now)]
        if any(moment > now for moment in stored):
            self.backend.replace_ledger(account, ledger)
        return ledger

    def _budget_message(self, base_url: str, user_name: str, ledger: list) -> str:
        now = self._clock()
        next_allowed = ledger[-GENERATIONS_PER_HOUR] + LEDGER_WINDOW
        minutes = max(1, int(math.ceil((next_allowed - now) / 60.0)))
        return (
            "%d tokens were generated for user %r at %s in the last hour (recorded in %s). CloudAgent allows %d "
            "token generations an hour, and each new token logs out the previous one, so no new token is "
            "requested now. The next generation is allowed at %s (in %d minute%s). Reuse the cached token "
            "(keep the lookup's cache enabled and do not force fresh tokens), or wait until then."
            % (
                len(ledger),
                user_name,
                base_url.rstrip("/"),
                self.description,
                GENERATIONS_PER_HOUR,
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(next_allowed)),
                minutes,
                "" if minutes == 1 else "s",
            )
        )


def _is_reusable(
    cached: Optional[CachedToken], digest: str, now: float, min_validity: float, refused_token: Optional[str]
) -> bool:
    return (
        cached is not None
        and cached.key_digest == digest
        and cached.expires_at - now > min_validity
        and cached.token != refused_token
    )


# ---- the option: where the store is ------------------------------------------------------------


def open_token_store(
    location: Optional[str] = None, warn: Optional[Callable[[str], None]] = None, clock: Callable[[], float] = time.time
) -> TokenStore:
    """The store the ``token_cache`` option names: a Redis URL, else a file path (default: see default_cache_path)."""
    location = location or None
    if location and is_redis_url(location):
        return TokenStore(RedisTokenBackend(check_redis_url(location), clock=clock, warn=warn), clock)
    if location and "://" in location:
        raise ConfigurationError(
            "token_cache '%s' is neither a file path nor a Redis URL (redis://, rediss:// or unix://)."
            % mask_url(location)
        )
    return TokenStore(FileTokenBackend(location or default_cache_path(), warn=warn), clock)


# ---- keys, digests, expiry ----------------------------------------------------------------------


def account_key(base_url: str, user_name: str) -> str:
    """The key of one CloudAgent account; it holds no secret."""
    return base_url.rstrip("/").lower() + "|" + user_name


def key_digest(api_key: str) -> str:
    """A short digest of the api key, enough to tell keys apart, never to recover one."""
    return hashlib.sha256(_KEY_DIGEST_PREFIX + api_key.encode("utf-8")).hexdigest()[:_KEY_DIGEST_LENGTH]


def token_claims(token: str) -> dict:
    """The JWT claims of a token, or {} when they cannot be read."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) < 2:
        return {}
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        return {}
    return claims if isinstance(claims, dict) else {}


def token_lifetime(token: str) -> float:
    """How long a token lives: ``exp - iat``, so the vendor's clock does not matter; 3600 s when unreadable.

    Capped at TOKEN_LIFETIME_CAP: an absurd claim would overflow Redis' PX and make no sense in a file either.
    """
    claims = token_claims(token)
    issued, expires = claims.get("iat"), claims.get("exp")
    if is_finite_number(issued) and is_finite_number(expires) and expires > issued:
        return float(min(expires - issued, TOKEN_LIFETIME_CAP))
    return float(TOKEN_LIFETIME_FALLBACK)
