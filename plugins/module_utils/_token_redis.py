# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The token store backend shared by many machines: a Redis server (redis-py), and its URL.

Keys, per account (``<id>`` is a digest of base URL and user name; the api key is never part of it):
``ozonetel.cloudagent:v1:<id>:token`` a JSON string ``{"token", "key_digest"}`` that expires in Redis
when the token expires; ``...:ledger`` a sorted set of generation times, trimmed to the hour;
``...:lock`` the account lock, taken with ``SET NX PX`` and released only by its holder.
No scripting: deleting a key only while it holds our value uses WATCH/MULTI, so an ACL user needs only
the commands listed in docs/docsite/rst/guide_authentication.rst.
Every operation must finish as a whole within OPERATION_DEADLINE, with no retry: a store that does not
answer in time (also one that trickles its answer) fails the task, naming the store, and no token is
generated outside the shared ledger.

The URL may carry a password in several forms; ``mask_url`` and ``password_forms`` find it in each of them.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import re
import threading
import time
import traceback
from typing import Callable, Optional
from urllib.parse import unquote, unquote_plus, urlsplit

# redis-py costs more to import than a module task may spend on its token (it loads asyncio):
# look for it now, import it only when the store is first used. A task given a token never is.
HAS_REDIS = importlib.util.find_spec("redis") is not None

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ConfigurationError,
    MissingLibraryError,
    TokenCacheError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_backend import (
    LEDGER_WINDOW,
    LOCK_WAIT_LIMIT,
    CachedToken,
    TokenBackend,
    account_digest,
    ledger_window_start,
    wait_for_lock,
)

REDIS_SCHEMES = ("redis", "rediss", "unix")
MASK = "********"
KEY_PREFIX = "ozonetel.cloudagent:v1:"
# A socket timeout bounds each read only; a server sending one byte at a time would never trip it.
OPERATION_DEADLINE = 5.0
_NOT_GENERATED = (
    "No token is generated outside the shared ledger; check the token_cache option (or OZONETEL_TOKEN_CACHE), that "
    "the Redis server runs and answers, and its password."
)
_LOCK_LEFT = (
    "The token read or generated under the lock is used all the same; the lock expires by itself within %d s of "
    "being taken, and until then a new token generation for this account waits for it."
)


class RedisTokenBackend(TokenBackend):
    """Tokens, ledgers and locks in one Redis database, for every machine pointed at it."""

    def __init__(
        self,
        url: str,
        clock: Callable[[], float] = time.time,
        lock_wait: float = LOCK_WAIT_LIMIT,
        deadline: float = OPERATION_DEADLINE,
        warn: Optional[Callable[[str], None]] = None,
    ):
        if not HAS_REDIS:
            raise MissingLibraryError(
                "redis", "for a Redis token store (token_cache %s)" % mask_url(url), _import_error()
            )
        self.url = url
        self.description = "the Redis token store " + mask_url(url)
        self._clock = clock
        self._lock_wait = lock_wait
        self._deadline = deadline
        self._warn = warn or (lambda message: None)
        self._connection = None

    @property
    def _client(self):
        """The redis-py client, made on first use (no connection is opened before the first command)."""
        if self._connection is None:
            retry_class, no_backoff = _import_redis()
            try:
                self._connection = _redis_package().Redis.from_url(
                    self.url,
                    socket_timeout=self._deadline,
                    socket_connect_timeout=self._deadline,
                    retry=retry_class(no_backoff(), 0),
                    health_check_interval=0,
                )
            except ValueError as error:
                raise ConfigurationError(
                    "token_cache '%s' is not a Redis URL redis-py accepts: %s"
                    % (mask_url(self.url), self._mask(str(error)))
                ) from None
        return self._connection

    # ---- TokenBackend ----------------------------------------------------------------------

    @contextlib.contextmanager
    def account_lock(self, account: str, hold_seconds: float):
        key = _key(account, "lock")
        holder = os.urandom(16).hex()

        def timed_out() -> TokenCacheError:
            return TokenCacheError(
                "Waited %d s for the lock %s in %s; another job still holds it (a token generation that "
                "hangs?). It expires by itself within %d s of being taken; try again then."
                % (self._lock_wait, key, self.description, hold_seconds)
            )

        wait_for_lock(
            lambda: self._call("lock", lambda: self._client.set(key, holder, nx=True, px=int(hold_seconds * 1000))),
            self._lock_wait,
            timed_out,
        )
        try:
            yield
        finally:
            self._release(key, holder, hold_seconds)

    def _release(self, key: str, holder: str, hold_seconds: float) -> None:
        """Delete the lock while it is still ours. A failure only warns: what happened under the lock stands."""
        try:
            self._call(
                "unlock",
                lambda: _delete_while(self._client, key, lambda stored: stored == holder.encode()),
                consequence=_LOCK_LEFT % hold_seconds,
            )
        except TokenCacheError as error:
            self._warn(str(error))

    def load_token(self, account: str) -> Optional[CachedToken]:
        key = _key(account, "token")

        def read():
            pipe = self._client.pipeline(transaction=True)
            pipe.get(key)
            pipe.pttl(key)
            return pipe.execute()

        stored, milliseconds_left = self._call("read the token", read)
        entry = _decode(stored)
        if entry is None or milliseconds_left is None or milliseconds_left <= 0:
            return None
        # Redis counts the token's remaining life; this machine's clock only says where "now" is.
        return CachedToken(entry["token"], entry["key_digest"], self._clock() + milliseconds_left / 1000.0)

    def save_token(self, account: str, cached: CachedToken) -> None:
        milliseconds = int((cached.expires_at - self._clock()) * 1000)
        value = json.dumps({"token": cached.token, "key_digest": cached.key_digest})
        if milliseconds > 0:
            self._call("store the token", lambda: self._client.set(_key(account, "token"), value, px=milliseconds))

    def drop_token(self, account: str, token: str) -> None:
        def holds_token(stored) -> bool:
            entry = _decode(stored)
            return entry is not None and entry["token"] == token

        self._call("drop the refused token", lambda: _delete_while(self._client, _key(account, "token"), holds_token))

    def load_ledger(self, account: str) -> list:
        since = ledger_window_start(self._clock())
        entries = self._call(
            "read the ledger",
            lambda: self._client.zrangebyscore(_key(account, "ledger"), "(%r" % since, "+inf", withscores=True),
        )
        return [score for _member, score in entries]

    def add_generation(self, account: str, at: float) -> None:
        key = _key(account, "ledger")

        def record():
            pipe = self._client.pipeline(transaction=True)
            pipe.zadd(key, {_ledger_member(at): at})
            pipe.zremrangebyscore(key, "-inf", ledger_window_start(at))
            pipe.expire(key, int(LEDGER_WINDOW))
            pipe.execute()

        self._call("record the generation in the ledger", record)

    def replace_ledger(self, account: str, generations: list) -> None:
        key = _key(account, "ledger")

        def replace():
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(key)
            if generations:
                pipe.zadd(key, {_ledger_member(at): at for at in generations})
                pipe.expire(key, int(LEDGER_WINDOW))
            pipe.execute()

        self._call("rewrite the ledger", replace)

    # ---- errors ----------------------------------------------------------------------------

    def _call(self, action: str, operation, consequence: str = _NOT_GENERATED):
        """Run one store operation within the deadline; a Redis error or an overrun becomes a TokenCacheError."""
        redis_error = _redis_package().exceptions.RedisError
        try:
            return _run_within(self._deadline, operation, self._abandon_connection)
        except redis_error as error:
            reason = _explain(error, self._deadline)
        except _DeadlinePassed:
            reason = "no complete answer within %g s (the limit for each store operation as a whole)" % self._deadline
        raise TokenCacheError(
            "Cannot %s in %s: %s. %s" % (action, self.description, self._mask(reason), consequence)
        ) from None

    def _abandon_connection(self) -> None:
        """Forget the client of an overrun operation; closing its sockets ends the read still waiting."""
        client, self._connection = self._connection, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.connection_pool.disconnect()

    def _mask(self, text: str) -> str:
        return mask_password(text, self.url)


def _redis_package():
    """redis-py, imported on first use (see HAS_REDIS)."""
    return importlib.import_module("redis")


def _import_redis():
    """Import redis-py on first use; returns the Retry and NoBackoff classes that turn its retries off."""
    return importlib.import_module("redis.retry").Retry, importlib.import_module("redis.backoff").NoBackoff


def _import_error() -> Optional[str]:
    try:
        import redis as redis_package  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return traceback.format_exc()
    return None


class _DeadlinePassed(Exception):
    """A store operation did not finish within its deadline."""


def _run_within(seconds: float, operation, on_overrun):
    """``operation()`` in a worker thread, waited for at most ``seconds``; ``on_overrun`` must unblock the worker."""
    box: dict = {}

    def work():
        try:
            box["result"] = operation()
        except BaseException as error:  # pylint: disable=broad-except  # handed to the waiting thread
            box["error"] = error

    worker = threading.Thread(target=work, name="cloudagent-redis", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        on_overrun()
        raise _DeadlinePassed()
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _delete_while(client, key: str, still_ours: Callable[[Optional[bytes]], bool]) -> bool:
    """Delete ``key`` only while its value passes ``still_ours``: a lock that expired and was taken by another
    process, or a token another process replaced, must not be deleted. WATCH makes the DEL fail when the key
    changes between the check and the delete."""
    watch_error = _redis_package().exceptions.WatchError
    with client.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(key)
            if not still_ours(pipe.get(key)):
                return False
            pipe.multi()
            pipe.delete(key)
            pipe.execute()
            return True
        except watch_error:
            return False


def _explain(error: Exception, socket_timeout: float) -> str:
    text = str(error).strip() or error.__class__.__name__
    upper = text.upper()
    exceptions = _redis_package().exceptions
    if (
        isinstance(error, exceptions.AuthenticationError)
        or "WRONGPASS" in upper
        or "NOAUTH" in upper
        or "INVALID PASSWORD" in upper
        or "INVALID USERNAME-PASSWORD" in upper
    ):
        return "the server refused the user name or password (%s)" % text
    if isinstance(error, exceptions.TimeoutError):
        return "no answer within %s s (%s)" % (socket_timeout, text)
    if isinstance(error, exceptions.ConnectionError):
        return "cannot connect (%s)" % text
    return text


def _key(account: str, part: str) -> str:
    return "%s%s:%s" % (KEY_PREFIX, account_digest(account), part)


def _ledger_member(at: float) -> str:
    return "%.6f:%s" % (at, os.urandom(4).hex())


def _decode(stored) -> Optional[dict]:
    try:
        entry = json.loads(stored) if stored is not None else None
    except ValueError:
        return None
    if isinstance(entry, dict) and isinstance(entry.get("token"), str) and isinstance(entry.get("key_digest"), str):
        return entry
    return None


# ---- the URL -------------------------------------------------------------------------------------


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
