# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The token store backend of one machine: a 0600 JSON file, replaced atomically, and flock locks.

Two kinds of lock, both waited for at most LOCK_WAIT_LIMIT seconds: one lock file per account,
held while that account's token is checked or generated (so one account never waits for
another's slow generation), and ``tokens.json.lock``, held only for the instant of one
read-modify-write of the file. Lock files, the file and its directory must belong to the
current user (or, for the directory, root), so a file planted by someone else is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import stat
import tempfile
from typing import Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import TokenCacheError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_backend import (
    LOCK_WAIT_LIMIT,
    CachedToken,
    TokenBackend,
    account_digest,
    is_finite_number,
    wait_for_lock,
    within_ledger_window,
)

CACHE_VERSION = 1
_CACHE_DIR_NAME = "ozonetel.cloudagent"
_CACHE_FILE_NAME = "tokens.json"


class FileTokenBackend(TokenBackend):
    """Tokens and ledgers of every account in one JSON file: ``{"version": 1, "accounts": {account: entry}}``."""

    def __init__(self, path: str, warn=None, lock_wait: float = LOCK_WAIT_LIMIT):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.lock_path = self.path + ".lock"
        self.description = "the token cache " + self.path
        self._warn = warn or (lambda message: None)
        self._lock_wait = lock_wait

    # ---- TokenBackend ----------------------------------------------------------------------

    @contextlib.contextmanager
    def account_lock(self, account: str, hold_seconds: float):
        # hold_seconds does not apply: the kernel releases a flock when its holder dies.
        self._ensure_directory()
        with self._flocked("%s.%s.lock" % (self.path, account_digest(account)), "account lock file"):
            yield

    def load_token(self, account: str) -> Optional[CachedToken]:
        with self._data_locked():
            entry = self._load()["accounts"].get(account)
        if entry is None or entry["token"] is None:
            return None
        return CachedToken(entry["token"], entry["key_digest"], entry["expires_at"])

    def save_token(self, account: str, cached: CachedToken) -> None:
        with self._changing(account) as entry:
            entry.update(token=cached.token, key_digest=cached.key_digest, expires_at=cached.expires_at)

    def drop_token(self, account: str, token: str) -> None:
        with self._changing(account) as entry:
            if entry["token"] == token:
                entry.update(token=None, expires_at=0)

    def load_ledger(self, account: str) -> list:
        with self._data_locked():
            entry = self._load()["accounts"].get(account)
        return list(entry["generated"]) if entry else []

    def add_generation(self, account: str, at: float) -> None:
        with self._changing(account) as entry:
            entry["generated"] = within_ledger_window(entry["generated"], at) + [at]

    def replace_ledger(self, account: str, generations: list) -> None:
        with self._changing(account) as entry:
            entry["generated"] = list(generations)

    # ---- locking ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _changing(self, account: str):
        """One read-modify-write of an account's entry under the file lock."""
        with self._data_locked():
            cache = self._load()
            entry = cache["accounts"].setdefault(account, _empty_entry())
            yield entry
            self._write(cache)

    @contextlib.contextmanager
    def _data_locked(self):
        self._ensure_directory()
        with self._flocked(self.lock_path, "lock file"):
            yield

    @contextlib.contextmanager
    def _flocked(self, lock_path: str, kind: str):
        try:
            lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise self._error("cannot open its %s %s" % (kind, lock_path), err) from None
        try:
            self._check_owner(
                os.fstat(lock_fd), "%s %s of the token cache %s" % (kind.capitalize(), lock_path, self.path)
            )
            self._wait_for(lock_fd, lock_path, kind)
            yield
        finally:
            os.close(lock_fd)  # closing the descriptor releases the lock

    def _wait_for(self, lock_fd: int, lock_path: str, kind: str) -> None:
        def try_once() -> bool:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        def timed_out() -> TokenCacheError:
            return TokenCacheError(
                "Waited %d s for the %s %s of the token cache %s; another process still holds it (a token "
                "generation that hangs, or a stuck job). Try again later, or find the process with "
                "'fuser %s'." % (self._lock_wait, kind, lock_path, self.path, lock_path)
            )

        wait_for_lock(try_once, self._lock_wait, timed_out)

    def _ensure_directory(self) -> None:
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            try:
                os.makedirs(os.path.dirname(directory), exist_ok=True)
                os.mkdir(directory, 0o700)
            except FileExistsError:
                pass  # another process created it meanwhile
            except OSError as err:
                raise self._error("cannot create its directory " + directory, err) from None
        directory_stat = os.stat(directory)
        if directory_stat.st_uid not in (os.getuid(), 0):
            # Whoever owns the directory can swap the cache or its lock files under us.
            self._check_owner(directory_stat, "The directory %s of the token cache %s" % (directory, self.path))

    # ---- the file --------------------------------------------------------------------------

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
            self._check_owner(file_stat, "The token cache %s" % self.path)
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

    def _explain_open_failure(self) -> None:
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
        self._check_owner(link_stat, "The token cache %s" % self.path)

    def _check_owner(self, file_stat, what: str) -> None:
        my_uid = os.getuid()
        if file_stat.st_uid != my_uid:
            raise TokenCacheError(
                "%s is owned by %s, not by the current user (%s); refusing to use it. "
                "Set OZONETEL_TOKEN_CACHE (or token_cache) to a path of your own."
                % (what, _describe_uid(file_stat.st_uid), _describe_uid(my_uid))
            )

    def _error(self, problem: str, err: OSError) -> TokenCacheError:
        return TokenCacheError(
            "Cannot use the token cache %s: %s: %s. Set OZONETEL_TOKEN_CACHE to a writable path of your own."
            % (self.path, problem, err.strerror or err.__class__.__name__)
        )

    def _write(self, cache: dict) -> None:
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


def _empty_cache() -> dict:
    return {"version": CACHE_VERSION, "accounts": {}}


def _empty_entry() -> dict:
    return {"token": None, "expires_at": 0, "key_digest": "", "generated": []}


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
        and (entry.get("token") is None or isinstance(entry.get("token"), str))
        and is_finite_number(entry.get("expires_at"))
        and isinstance(entry.get("key_digest"), str)
        and isinstance(entry.get("generated"), list)
        and all(is_finite_number(t) for t in entry["generated"])
    )


def _describe_uid(uid: int) -> str:
    try:
        return "uid %d (%s)" % (uid, pwd.getpwuid(uid).pw_name)
    except KeyError:
        return "uid %d" % uid


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _fsync_directory(directory: str) -> None:
    # Makes the rename durable; some filesystems refuse fsync on a directory, which is harmless.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
