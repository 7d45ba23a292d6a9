# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token store's file backend: a 0600 file replaced atomically, flock locks, files of others refused."""

from __future__ import annotations

import errno
import fcntl
import json
import multiprocessing
import os
import stat
import threading
import time

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _token_file as token_file_module
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_file import default_cache_path
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    TokenCacheError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import (
    key_digest,
)
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.token_fakes import (
    API_KEY,
    BASE_URL,
    T0,
    USER,
    assert_no_secret,
    file_store,
    make_jwt,
    only_account,
    read_cache_file,
)


def non_lock_files(directory):
    return sorted(name for name in os.listdir(directory) if not name.endswith(".lock"))


def write_raw(path, content, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as raw_file:
        raw_file.write(content)
    os.chmod(path, mode)


# ---- file safety --------------------------------------------------------------------------


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_file_is_0600_and_new_directory_0700(tmp_path, clock, generate, open_umask):
    path = tmp_path / "missing" / "ozonetel.cloudagent" / "tokens.json"
    file_store(str(path), clock).get_token(BASE_URL, USER, API_KEY, generate)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    lock_files = [name for name in os.listdir(path.parent) if name.endswith(".lock")]
    assert len(lock_files) == 2  # the file lock, and the lock of the one account
    assert all(stat.S_IMODE(os.stat(path.parent / name).st_mode) == 0o600 for name in lock_files)


def test_writes_leave_no_temporary_files(cache, clock, generate):
    for dummy in range(5):
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    assert non_lock_files(os.path.dirname(cache.backend.path)) == ["tokens.json"]


def test_failed_write_keeps_the_old_file_and_removes_the_temporary_one(cache, generate, monkeypatch):
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    before = read_cache_file(cache.backend.path)

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(token_file_module.os, "replace", full_disk)
    with pytest.raises(TokenCacheError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    monkeypatch.undo()
    message = str(caught.value)
    assert cache.backend.path in message and os.strerror(errno.ENOSPC) in message
    assert_no_secret(message, *generate.tokens)
    assert read_cache_file(cache.backend.path) == before
    assert non_lock_files(os.path.dirname(cache.backend.path)) == ["tokens.json"]


def _valid_cache_text(token, expires_at, digest="0" * 32):
    entry = {"token": token, "expires_at": expires_at, "key_digest": digest, "generated": [T0]}
    return json.dumps({"version": 1, "accounts": {BASE_URL + "|" + USER: entry}})


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[]", "expected format"),
        ('{"version": 2, "accounts": {}}', "expected format"),
        ('{"version": true, "accounts": {}}', "expected format"),
        ('{"version": 1, "accounts": []}', "expected format"),
        (
            '{"version": 1, "accounts": {"x|y": {"token": "FAKE", "expires_at": "later", "key_digest": "", "generated": []}}}',
            "expected format",
        ),
    ],
)
def test_corrupt_file_is_rebuilt_with_a_warning(cache, generate, warnings_seen, content, reason):
    write_raw(cache.backend.path, content)
    token = cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert generate.calls == 1
    assert len(warnings_seen) == 1
    assert cache.backend.path in warnings_seen[0] and reason in warnings_seen[0]
    assert only_account(cache.backend.path) == {
        "token": token,
        "expires_at": T0 + 3600,
        "key_digest": only_account(cache.backend.path)["key_digest"],
        "generated": [T0],
    }
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert len(warnings_seen) == 1 and generate.calls == 1


def test_corrupt_file_is_rewritten_even_if_generation_fails(cache, warnings_seen):
    write_raw(cache.backend.path, "{not json")

    def failing_generate():
        raise ApiError("boom")

    with pytest.raises(ApiError):
        cache.get_token(BASE_URL, USER, API_KEY, failing_generate)
    assert read_cache_file(cache.backend.path) == {"version": 1, "accounts": {}}
    assert len(warnings_seen) == 1


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602])
def test_permissive_file_is_rebuilt_and_its_token_not_reused(cache, clock, generate, warnings_seen, mode):
    planted = make_jwt(T0 + 3600, jti="planted")
    write_raw(cache.backend.path, _valid_cache_text(planted, T0 + 3600, digest=key_digest(API_KEY)), mode)
    token = cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert token != planted and generate.calls == 1
    assert stat.S_IMODE(os.stat(cache.backend.path).st_mode) == 0o600
    assert len(warnings_seen) == 1
    assert cache.backend.path in warnings_seen[0] and "%04o" % mode in warnings_seen[0]
    assert_no_secret(warnings_seen[0], planted, token)
    assert only_account(cache.backend.path)["generated"] == [T0]  # the untrusted ledger is dropped too


def test_file_of_another_user_is_refused(cache, generate, monkeypatch):
    cache.get_token(BASE_URL, USER, API_KEY, generate)
    real_uid = os.getuid()
    monkeypatch.setattr(token_file_module.os, "getuid", lambda: real_uid + 4242)
    with pytest.raises(TokenCacheError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
    message = str(caught.value)
    assert cache.backend.path in message
    assert "uid %d" % real_uid in message
    assert "OZONETEL_TOKEN_CACHE" in message
    assert_no_secret(message, *generate.tokens)
    assert generate.calls == 1


def test_symlink_at_the_cache_path_is_refused(tmp_path, cache, clock, generate):
    target = str(tmp_path / "real" / "tokens.json")
    real_token = file_store(target, clock).get_token(BASE_URL, USER, API_KEY, generate)
    os.makedirs(os.path.dirname(cache.backend.path))
    os.symlink(target, cache.backend.path)
    with pytest.raises(TokenCacheError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate)
    message = str(caught.value)
    assert cache.backend.path in message and "symbolic link" in message
    assert_no_secret(message, real_token)
    assert generate.calls == 1
    assert os.path.islink(cache.backend.path)


def test_dangling_symlink_is_refused(cache, generate):
    os.makedirs(os.path.dirname(cache.backend.path))
    os.symlink(cache.backend.path + ".elsewhere", cache.backend.path)
    with pytest.raises(TokenCacheError, match="symbolic link"):
        cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert not os.path.exists(cache.backend.path + ".elsewhere")
    assert generate.calls == 0


def test_non_regular_file_is_refused(cache, generate):
    os.makedirs(os.path.dirname(cache.backend.path))
    os.mkfifo(cache.backend.path, 0o600)
    with pytest.raises(TokenCacheError, match="not a regular file"):
        cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert generate.calls == 0


def test_directory_that_cannot_be_created_is_reported(cache, generate, monkeypatch):
    def denied(path, mode=0o777):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    monkeypatch.setattr(token_file_module.os, "mkdir", denied)
    with pytest.raises(TokenCacheError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate)
    message = str(caught.value)
    assert os.path.dirname(cache.backend.path) in message and os.strerror(errno.EACCES) in message
    assert "OZONETEL_TOKEN_CACHE" in message
    assert generate.calls == 0


def test_read_only_filesystem_is_reported(cache, generate, monkeypatch):
    os.makedirs(os.path.dirname(cache.backend.path))
    real_open = os.open

    def read_only_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(token_file_module.os, "open", read_only_open)
    with pytest.raises(TokenCacheError) as caught:
        cache.get_token(BASE_URL, USER, API_KEY, generate)
    assert cache.backend.path in str(caught.value) and os.strerror(errno.EROFS) in str(caught.value)
    assert generate.calls == 0


# ---- several processes ---------------------------------------------------------------------


def _concurrent_worker(cache_path, count_path, start, results):
    def generate():
        with open(count_path, "a", encoding="utf-8") as count_file:
            count_file.write("%d\n" % os.getpid())
        time.sleep(0.2)
        return make_jwt(time.time() + 3600, jti=str(os.getpid()))

    start.wait()
    results.put(file_store(cache_path).get_token(BASE_URL, USER, API_KEY, generate))


def test_concurrent_processes_generate_one_token(tmp_path):
    context = multiprocessing.get_context("fork")
    cache_path = str(tmp_path / "cache" / "tokens.json")
    count_path = str(tmp_path / "generations.txt")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_concurrent_worker, args=(cache_path, count_path, start, results)) for dummy in range(8)
    ]
    for worker in workers:
        worker.start()
    start.set()
    tokens = [results.get(timeout=60) for dummy in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    with open(count_path, encoding="utf-8") as count_file:
        assert len(count_file.read().splitlines()) == 1
    assert len(set(tokens)) == 1
    assert only_account(cache_path)["token"] == tokens[0]


# ---- default path -------------------------------------------------------------------------


def test_default_cache_path_prefers_the_override():
    environ = {"OZONETEL_TOKEN_CACHE": "/srv/ozonetel/tokens.json", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}
    assert default_cache_path(environ) == "/srv/ozonetel/tokens.json"


def test_default_cache_path_uses_xdg_cache_home():
    assert default_cache_path({"XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}) == "/xdg/ozonetel.cloudagent/tokens.json"


@pytest.mark.parametrize("xdg", [None, "", "relative/cache"])
def test_default_cache_path_falls_back_to_home_cache(xdg):
    environ = {"HOME": "/home/u"}
    if xdg is not None:
        environ["XDG_CACHE_HOME"] = xdg
    assert default_cache_path(environ) == "/home/u/.cache/ozonetel.cloudagent/tokens.json"


def test_cache_uses_the_environment_override(tmp_path, monkeypatch, clock, generate):
    path = tmp_path / "from-env.json"
    monkeypatch.setenv("OZONETEL_TOKEN_CACHE", str(path))
    file_store(clock=clock).get_token(BASE_URL, USER, API_KEY, generate)
    assert only_account(str(path))["token"] == generate.tokens[0]


# ---- locks ---------------------------------------------------------------------------------


def _hold_lock(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_lock_wait_ends_with_a_message_naming_the_lock(tmp_path, clock, generate):
    path = str(tmp_path / "cache" / "tokens.json")
    store = file_store(path, clock)
    store.get_token(BASE_URL, USER, API_KEY, generate)
    (account_lock,) = [
        name for name in os.listdir(os.path.dirname(path)) if name != "tokens.json.lock" and name.endswith(".lock")
    ]
    held = _hold_lock(os.path.join(os.path.dirname(path), account_lock))
    store.backend._lock_wait = 0.3  # pylint: disable=protected-access
    started = time.monotonic()
    try:
        with pytest.raises(TokenCacheError) as caught:
            store.get_token(BASE_URL, USER, API_KEY, generate, fresh=True)
        reused = store.get_token(BASE_URL, USER, API_KEY, generate)
    finally:
        os.close(held)
    assert time.monotonic() - started < 5
    assert account_lock in str(caught.value) and "Waited" in str(caught.value)
    assert reused == generate.tokens[0], "reusing a valid stored token waits for no lock"


def test_lock_wait_limit_is_sixty_seconds(tmp_path):
    assert file_store(str(tmp_path / "tokens.json")).backend._lock_wait == 60  # pylint: disable=protected-access


def test_one_accounts_generation_never_waits_for_another(tmp_path, clock, generate):
    path = str(tmp_path / "cache" / "tokens.json")
    file_store(path, clock).get_token(BASE_URL, "other_user", API_KEY, generate)
    in_generation, release = threading.Event(), threading.Event()

    def slow_generate():
        in_generation.set()
        release.wait(30)
        return make_jwt(T0 + 3600, jti="slow")

    slow = threading.Thread(target=file_store(path, clock).get_token, args=(BASE_URL, USER, API_KEY, slow_generate))
    slow.start()
    try:
        assert in_generation.wait(10)
        started = time.monotonic()
        token = file_store(path, clock).get_token(BASE_URL, "other_user", API_KEY, generate)
        assert time.monotonic() - started < 2
        assert token == generate.tokens[0]
    finally:
        release.set()
        slow.join(30)


@pytest.mark.skipif(os.getuid() != 0, reason="planting a file of another user needs root")
def test_lock_file_planted_by_another_user_is_refused(tmp_path, clock, generate):
    path = tmp_path / "cache" / "tokens.json"
    path.parent.mkdir()
    planted = str(path) + ".lock"
    with open(planted, "w", encoding="utf-8"):
        pass
    os.chmod(planted, 0o666)
    os.chown(planted, 65534, 65534)
    with pytest.raises(TokenCacheError) as caught:
        file_store(str(path), clock).get_token(BASE_URL, USER, API_KEY, generate)
    assert planted in str(caught.value) and "uid 65534" in str(caught.value)
    assert generate.calls == 0


@pytest.mark.skipif(os.getuid() != 0, reason="a directory of another user needs root")
def test_cache_directory_of_another_user_is_refused(tmp_path, clock, generate):
    path = tmp_path / "shared" / "tokens.json"
    path.parent.mkdir()
    os.chown(path.parent, 65534, 65534)
    with pytest.raises(TokenCacheError) as caught:
        file_store(str(path), clock).get_token(BASE_URL, USER, API_KEY, generate)
    assert str(path.parent) in str(caught.value) and "uid 65534" in str(caught.value)
    assert generate.calls == 0
