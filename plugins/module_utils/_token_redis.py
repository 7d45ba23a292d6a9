# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The token store backend shared by many machines: a Redis server (redis-py).

Keys, per account (``<id>`` is a digest of base URL and user name; the api key is never part of it):
``ozonetel.cloudagent:v1:<id>:token`` a JSON string ``{"token", "key_digest"}`` that expires in Redis
when the token expires; ``...:ledger`` a sorted set of generation times, trimmed to the hour;
``...:lock`` the account lock, taken with ``SET NX PX`` and released only by its holder.
No scripting: deleting a key only while it holds our value uses WATCH/MULTI, so an ACL user needs only
the commands listed in docs/docsite/rst/guide_authentication.rst.
Every operation must finish as a whole within OPERATION_DEADLINE, with no retry: a store that does not
answer in time (also one that trickles its answer) fails the task, naming the store, and no token is
generated outside the shared ledger.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import threading
import time
import traceback
from typing import Callable, Optional

# redis-py costs more to import than a module task may spend on its token (it loads asyncio):
# look for it now, import it only when the store is first used. A task given a token never is.
HAS_REDIS = importlib.util.find_spec("redis") is not None

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ConfigurationError,
    MissingLibraryError,
    TokenCacheError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import (
    LEDGER_WINDOW,
    LOCK_WAIT_LIMIT,
    CachedToken,
    TokenBackend,
    mask_url,
    mask_password,
)

KEY_PREFIX = "ozonetel.cloudagent:v1:"
# A socket timeout bounds each read only; a server sending one byte at a time would never trip it.
OPERATION_DEADLINE = 5.0
_LOCK_POLL = 0.05


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
        deadline = time.monotonic() + self._lock_wait
        while not self._call("lock", lambda: self._client.set(key, holder, nx=True, px=int(hold_seconds * 1000))):
            if time.monotonic() >= deadline:
                raise TokenCacheError(
                    "Waited %d s for the lock %s in %s; another job still holds it (a token generation that "
                    "hangs?). It expires by itself within %d s of being taken; try again then."
                    % (self._lock_wait, key, self.description, hold_seconds)
                )
            time.sleep(_LOCK_POLL)
        try:
            yield
        finally:
            self._release(key, holder, hold_seconds)

    def _release(self, key: str, holder: str, hold_seconds: float) -> None:
        """Delete the lock while it is still ours. A failure only warns: what happened under the lock stands."""
        try:
            self._call("unlock", lambda: _delete_while(self._client, key, lambda stored: stored == holder.encode()))
        except TokenCacheError as error:
            self._warn(
                "%s The token read or generated under the lock is used all the same; the lock expires by itself "
                "within %d s of being taken, and until then a new token generation for this account waits for it."
                % (str(error).split(" No token is generated", 1)[0], hold_seconds)
            )

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
        since = self._clock() - LEDGER_WINDOW
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
            pipe.zremrangebyscore(key, "-inf", at - LEDGER_WINDOW)
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

    def _call(self, action: str, operation):
        """Run one store operation within the deadline; a Redis error or an overrun becomes a TokenCacheError."""
        redis_error = _redis_package().exceptions.RedisError
        try:
            return _run_within(self._deadline, operation, self._abandon_connection)
        except redis_error as error:
            raise TokenCacheError(self._failure_message(action, _explain(error, self._deadline))) from None
        except _DeadlinePassed:
            raise TokenCacheError(
                self._failure_message(
                    action,
                    "no complete answer within %g s (the limit for each store operation as a whole)" % self._deadline,
                )
            ) from None

    def _abandon_connection(self) -> None:
        """Forget the client of an overrun operation; closing its sockets ends the read still waiting."""
        client, self._connection = self._connection, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.connection_pool.disconnect()

    def _failure_message(self, action: str, reason: str) -> str:
        return (
            "Cannot %s in %s: %s. No token is generated outside the shared ledger; check the token_cache option "
            "(or OZONETEL_TOKEN_CACHE), that the Redis server runs and answers, and its password."
            % (action, self.description, self._mask(reason))
        )

    def _mask(self, text: str) -> str:
        return mask_password(text.replace(self.url, mask_url(self.url)), self.url)


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
    return "%s%s:%s" % (KEY_PREFIX, hashlib.sha256(account.encode("utf-8")).hexdigest()[:32], part)


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
