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

``TokenStore`` holds these rules; a backend (``_token_file.FileTokenBackend``,
``_token_redis.RedisTokenBackend``) only keeps tokens, ledgers and locks. No HTTP here:
the caller passes ``generate``, a callable returning a new token. The api key is never
stored; only a truncated digest of it, so a token made with a rotated key is not reused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import time
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import unquote, unquote_plus, urlsplit

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ConfigurationError,
    TokenBudgetError,
    TransportError,
)

DEFAULT_MIN_VALIDITY = 300
TOKEN_LIFETIME_FALLBACK = 3600
TOKEN_LIFETIME_CAP = 86400
GENERATIONS_PER_HOUR = 10
LEDGER_WINDOW = 3600
LOCK_WAIT_LIMIT = 60.0
DEFAULT_LOCK_HOLD = 120.0
REDIS_SCHEMES = ("redis", "rediss", "unix")
MASK = "********"
_KEY_DIGEST_PREFIX = b"ozonetel.cloudagent token cache key digest v1\0"
_KEY_DIGEST_LENGTH = 32
_CACHE_DIR_NAME = "ozonetel.cloudagent"
_CACHE_FILE_NAME = "tokens.json"


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
        """The account's generation times of the last hour (and any dated in the future)."""
        raise NotImplementedError

    def add_generation(self, account: str, at: float) -> None:
        raise NotImplementedError

    def replace_ledger(self, account: str, generations: list) -> None:
        raise NotImplementedError


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
        ledger = sorted(min(moment, now) for moment in stored if moment > now - LEDGER_WINDOW)
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
        from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_redis import RedisTokenBackend

        return TokenStore(RedisTokenBackend(check_redis_url(location), clock=clock, warn=warn), clock)
    if location and "://" in location:
        raise ConfigurationError(
            "token_cache '%s' is neither a file path nor a Redis URL (redis://, rediss:// or unix://)."
            % mask_url(location)
        )
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_file import FileTokenBackend

    return TokenStore(FileTokenBackend(location or default_cache_path(), warn=warn), clock)


def is_redis_url(location: str) -> bool:
    return location.split("://", 1)[0].lower() in REDIS_SCHEMES and "://" in location


def check_redis_url(url: str) -> str:
    """The URL when redis-py can use it; a ConfigurationError naming it (password masked) otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigurationError(
            "token_cache '%s' is not a valid Redis URL. A password holding / ? # @ or %% (or & after ?password=) "
            "must be percent-encoded: / as %%2F, ? as %%3F, # as %%23, @ as %%40, %% as %%25, & as %%26."
            % mask_url(url)
        ) from None
    scheme = parts.scheme.lower()
    if scheme == "unix" and not parts.path:
        raise ConfigurationError("token_cache '%s' names no socket: write unix:///path/to/redis.sock." % mask_url(url))
    if scheme != "unix" and not parts.hostname:
        raise ConfigurationError(
            "token_cache '%s' names no host: write %s://[user:password@]host:port/db." % (mask_url(url), scheme)
        )
    database = parts.path.strip("/") if scheme != "unix" else ""
    if database and not database.isdigit():
        raise ConfigurationError(
            "token_cache '%s': the database '%s' is not a number (a password holding / must be "
            "percent-encoded as %%2F)." % (mask_url(url), mask_password(database, url))
        )
    if port == 0:
        raise ConfigurationError("token_cache '%s': port 0 is not a Redis port." % mask_url(url))
    return url


# The value of a password= query parameter; a '#' is taken as part of it (a fragment means nothing here).
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&]*)")


def url_passwords(url) -> list:
    """Every part of a Redis URL that is or may be its password, as written; longest first, for masking.

    The password may sit in the user info (``:pw@``, ``user:pw@``) or in the query (``?password=pw``, redis-py's
    form for unix sockets and users). A raw ``/``, ``?``, ``#`` or ``@`` in it makes the URL unparsable, so the
    user info is what precedes the last ``@`` (before any query password), not what a URL parser would say. A
    lone user name with no password anywhere may be a password in the wrong place: it is masked too.
    """
    if not isinstance(url, str) or "://" not in url:
        return []
    rest = url.split("://", 1)[1]
    query_match = _QUERY_PASSWORD.search(rest)
    query_password = query_match.group(1) if query_match else ""
    userinfo, at, _host = (rest[: query_match.start()] if query_match else rest).rpartition("@")
    found = {query_password}
    if at and not userinfo.startswith("/"):
        _user, colon, password = userinfo.partition(":")
        found.add(password if colon else "" if query_password else userinfo)
    return sorted((password for password in found if password), key=len, reverse=True)


def password_forms(url) -> list:
    """The passwords of a Redis URL as written and as decoded (percent- and plus-decoding), for masking."""
    forms = set()
    for password in url_passwords(url):
        forms.update((password, unquote(password), unquote_plus(password)))
    return sorted(forms, key=len, reverse=True)


def mask_url(url: str) -> str:
    """The URL with its password, in every form, replaced by ********."""
    return mask_password(url, url)


def mask_password(text: str, url: str) -> str:
    """``text`` with every form of the password of ``url`` replaced by ********."""
    for password in password_forms(url):
        text = text.replace(password, MASK)
    return text


# ---- keys, digests, expiry ----------------------------------------------------------------------


def default_cache_path(environ=None) -> str:
    """Where the cache file lives: $OZONETEL_TOKEN_CACHE, else the XDG cache dir, else ~/.cache."""
    environ = os.environ if environ is None else environ
    override = environ.get("OZONETEL_TOKEN_CACHE")
    if override:
        return os.path.expanduser(override)
    cache_home = environ.get("XDG_CACHE_HOME")
    # The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
    if not cache_home or not os.path.isabs(cache_home):
        home = environ.get("HOME") or os.path.expanduser("~")
        cache_home = os.path.join(home, ".cache")
    return os.path.join(cache_home, _CACHE_DIR_NAME, _CACHE_FILE_NAME)


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


def is_finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
