# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The token cache shared by every module process and the lookup on one machine.

CloudAgent allows 10 token generations an hour per user, and each new token logs out
the previous one (see docs/maintainers/api-notes.md, "Generate Token"). So every process that needs
a token goes through one file, under one lock: it reuses a valid token when there is
one, generates at most one otherwise, and records every generation in a per-account
ledger that refuses the 11th generation in an hour before the API is asked.

No HTTP here: the caller passes ``generate``, a callable returning a new token.
The api key is never stored; only a truncated digest of it, so a token made with a
rotated key is not handed out for a different key.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import math
import os
import pwd
import stat
import tempfile
import time

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import TokenBudgetError, TokenCacheError

DEFAULT_MIN_VALIDITY = 300
TOKEN_LIFETIME_FALLBACK = 3600
GENERATIONS_PER_HOUR = 10

CACHE_VERSION = 1
LEDGER_WINDOW = 3600
_KEY_DIGEST_PREFIX = b"ozonetel.cloudagent token cache key digest v1\0"
_KEY_DIGEST_LENGTH = 32
_CACHE_DIR_NAME = "ozonetel.cloudagent"
_CACHE_FILE_NAME = "tokens.json"


def default_cache_path(environ=None) -> str:
    """Where the cache lives: $OZONETEL_TOKEN_CACHE, else the XDG cache dir, else ~/.cache."""
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


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (seconds since the epoch), or None when it cannot be read."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) < 2:
        return None
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if _is_number(exp) else None


def account_key(base_url: str, user_name: str) -> str:
    """The cache key of one CloudAgent account; it holds no secret."""
    return base_url.rstrip("/").lower() + "|" + user_name


def key_digest(api_key: str) -> str:
    """A short digest of the api key, enough to tell keys apart, never to recover one."""
    return hashlib.sha256(_KEY_DIGEST_PREFIX + api_key.encode("utf-8")).hexdigest()[:_KEY_DIGEST_LENGTH]


class TokenCache:
    """A JSON file of tokens and generation ledgers, one entry per account, used under a lock."""

    def __init__(self, path: str | None = None, clock=time.time, warn=None):
        self.path = os.path.abspath(os.path.expanduser(path or default_cache_path()))
        self.lock_path = self.path + ".lock"
        self._clock = clock
        self._warn = warn or (lambda message: None)

    def get_token(
        self,
        base_url: str,
        user_name: str,
        api_key: str,
        generate,
        *,
        min_validity: float = DEFAULT_MIN_VALIDITY,
        fresh: bool = False,
        refused_token: str | None = None,
    ) -> str:
        """Return a token for the account: a cached one when usable, else a newly generated one.

        ``fresh`` skips reuse; ``refused_token`` is a token the API just refused, never handed
        back (a different valid token, stored by another process, is). Errors raised by
        ``generate`` propagate unchanged and are not recorded as generations.
        """
        account = account_key(base_url, user_name)
        digest = key_digest(api_key)
        with self._locked():
            cache = self._load()
            entry = cache["accounts"].get(account)
            if not fresh and _is_reusable(entry, digest, self._clock(), min_validity, refused_token):
                return entry["token"]
            ledger = _recent_generations(entry, self._clock())
            if len(ledger) >= GENERATIONS_PER_HOUR:
                raise TokenBudgetError(self._budget_message(base_url, user_name, ledger))
            token = generate()
            generated_at = self._clock()
            cache["accounts"][account] = {
                "token": token,
                "expires_at": _expiry_or_fallback(token, generated_at),
                "key_digest": digest,
                "generated": ledger + [generated_at],
            }
            self._write(cache)
            return token

    @contextlib.contextmanager
    def _locked(self):
        self._ensure_directory()
        try:
            lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise self._error("cannot open its lock file " + self.lock_path, err) from None
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock_fd)  # closing the descriptor releases the lock

    def _ensure_directory(self):
        directory = os.path.dirname(self.path)
        if os.path.isdir(directory):
            return
        try:
            os.makedirs(os.path.dirname(directory), exist_ok=True)
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass  # another process created it meanwhile
        except OSError as err:
            raise self._error("cannot create its directory " + directory, err) from None

    def _load(self) -> dict:
        """The cache content, or an empty cache (rewritten to disk) when the file is not trustworthy."""
        cache, distrust_reason = self._read()
        if distrust_reason is None:
            return cache
        self._warn(
            "The token cache %s was discarded and rewritten with mode 0600 because %s. "
            "Its tokens and its record of recent token generations are lost." % (self.path, distrust_reason)
        )
        cache = _empty_cache()
        self._write(cache)
        return cache

    def _read(self):
        """Return ``(cache, None)`` for a trustworthy file, ``(None, reason)`` for one to discard."""
        try:
            # O_NONBLOCK: a FIFO planted at the path must not hang us; it is refused below.
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return _empty_cache(), None
        except OSError as err:
            self._explain_open_failure()
            raise self._error("cannot open it", err) from None
        with os.fdopen(fd, "rb") as cache_file:
            file_stat = os.fstat(cache_file.fileno())
            self._check_owner(file_stat)
            if not stat.S_ISREG(file_stat.st_mode):
                raise TokenCacheError("The token cache %s is not a regular file." % self.path)
            if file_stat.st_mode & 0o077:
                return None, "its mode %04o let other users read or change it" % stat.S_IMODE(file_stat.st_mode)
            try:
                raw = cache_file.read()
            except OSError as err:
                raise self._error("cannot read it", err) from None
        try:
            cache = json.loads(raw.decode("utf-8"))
        except ValueError:
            return None, "it is not valid JSON"
        if not _is_valid_cache(cache):
            return None, "it does not have the expected format (version %d)" % CACHE_VERSION
        return cache, None

    def _explain_open_failure(self):
        """Raise the specific error when the file could not be opened because it is a link or not ours."""
        try:
            link_stat = os.lstat(self.path)
        except OSError:
            return
        if stat.S_ISLNK(link_stat.st_mode):
            raise TokenCacheError(
                "The token cache %s is a symbolic link; refusing to follow it. Remove the link, or set "
                "OZONETEL_TOKEN_CACHE to the real file." % self.path
            )
        self._check_owner(link_stat)

    def _check_owner(self, file_stat):
        my_uid = os.getuid()
        if file_stat.st_uid != my_uid:
            raise TokenCacheError(
                "The token cache %s is owned by %s, not by the current user (%s); refusing to use it. "
                "Set OZONETEL_TOKEN_CACHE to a path of your own."
                % (self.path, _describe_uid(file_stat.st_uid), _describe_uid(my_uid))
            )

    def _error(self, problem, err) -> TokenCacheError:
        return TokenCacheError(
            "Cannot use the token cache %s: %s: %s. Set OZONETEL_TOKEN_CACHE to a writable path of your own."
            % (self.path, problem, err.strerror or err.__class__.__name__)
        )

    def _write(self, cache: dict):
        """Replace the file atomically: a 0600 temporary file in the same directory, fsync, rename."""
        directory, name = os.path.split(self.path)
        try:
            fd, temp_path = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp", dir=directory)  # created 0600
        except OSError as err:
            raise self._error("cannot create a temporary file in " + directory, err) from None
        replaced = False
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as temp_file:
                json.dump(cache, temp_file, indent=1, sort_keys=True)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_path, self.path)
            replaced = True
        except OSError as err:
            raise self._error("cannot write it", err) from None
        finally:
            if not replaced:
                _remove_quietly(temp_path)
        _fsync_directory(directory)

    def _budget_message(self, base_url, user_name, ledger):
        now = self._clock()
        next_allowed = sorted(ledger)[-GENERATIONS_PER_HOUR] + LEDGER_WINDOW
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
                self.path,
                GENERATIONS_PER_HOUR,
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(next_allowed)),
                minutes,
                "" if minutes == 1 else "s",
            )
        )


def _is_reusable(entry, digest, now, min_validity, refused_token) -> bool:
    return (
        entry is not None
        and entry["key_digest"] == digest
        and entry["expires_at"] - now > min_validity
        and entry["token"] != refused_token
    )


def _recent_generations(entry, now) -> list:
    """The account's ledger without the generations older than an hour."""
    if entry is None:
        return []
    return sorted(t for t in entry["generated"] if t > now - LEDGER_WINDOW)


def _expiry_or_fallback(token, generated_at) -> float:
    expiry = token_expiry(token)
    return expiry if expiry is not None else generated_at + TOKEN_LIFETIME_FALLBACK


def _empty_cache() -> dict:
    return {"version": CACHE_VERSION, "accounts": {}}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_valid_cache(cache) -> bool:
    if not isinstance(cache, dict):
        return False
    version = cache.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != CACHE_VERSION:
        return False
    accounts = cache.get("accounts")
    return isinstance(accounts, dict) and all(_is_valid_entry(entry) for entry in accounts.values())


def _is_valid_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("token"), str)
        and _is_number(entry.get("expires_at"))
        and isinstance(entry.get("key_digest"), str)
        and isinstance(entry.get("generated"), list)
        and all(_is_number(t) for t in entry["generated"])
    )


def _describe_uid(uid) -> str:
    try:
        return "uid %d (%s)" % (uid, pwd.getpwuid(uid).pw_name)
    except KeyError:
        return "uid %d" % uid


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.unlink(path)


def _fsync_directory(directory):
    # Makes the rename durable; some filesystems refuse fsync on a directory, which is harmless.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
