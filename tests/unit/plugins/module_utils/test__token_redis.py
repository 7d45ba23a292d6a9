# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Redis token store: its URL (parsing, password masking in every form) and its backend."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import redis

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError, TokenCacheError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._options import token_cache_secrets
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_redis import (
    OPERATION_DEADLINE,
    RedisTokenBackend,
    check_redis_url,
    mask_url,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import open_token_store

MASK = "********"


@pytest.mark.parametrize(
    "url, masked",
    [
        ("redis://:s3cret@host:6379/0", "redis://:********@host:6379/0"),
        ("rediss://user:s3cret@host:6380/1", "rediss://user:********@host:6380/1"),
        # redis-py's documented form: the user in the authority, the password in the query
        ("redis://user@host:6379/0?password=s3cret", "redis://user@host:6379/0?password=********"),
        ("redis://host:6379/0?password=s3cret&db=1", "redis://host:6379/0?password=********&db=1"),
        ("redis://host:6379/0?db=1&password=s3cret", "redis://host:6379/0?db=1&password=********"),
        ("unix:///run/redis.sock?db=0&password=s3cret", "unix:///run/redis.sock?db=0&password=********"),
        ("unix://user@/run/redis.sock?password=s3cret", "unix://user@/run/redis.sock?password=********"),
        # percent-encoded, as redis-py wants a password with reserved characters
        ("redis://:s3%2Fc%40r%23et@host:6379/0", "redis://:********@host:6379/0"),
        ("redis://user@host/0?password=s3%2Fc%26ret", "redis://user@host/0?password=********"),
        # raw reserved characters: the URL does not parse, the password is still found
        ("redis://:s3/cret@host:6379/0", "redis://:********@host:6379/0"),
        ("redis://user:s3/c/ret@host:6379/0", "redis://user:********@host:6379/0"),
        ("redis://:s3#cret@host:6379/0", "redis://:********@host:6379/0"),
        ("redis://:s3?cret@host:6379/0", "redis://:********@host:6379/0"),
        ("redis://:s3@cret@host:6379/0", "redis://:********@host:6379/0"),
        ("redis://:s3:cret@host:6379/0", "redis://:********@host:6379/0"),
        ("redis://user@host/0?password=s3#cret", "redis://user@host/0?password=********"),
        # a lone user name may be a password written in the wrong place: masked when no password is given
        ("redis://s3cret@host:6379/0", "redis://********@host:6379/0"),
        # nothing to mask
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("unix:///run/redis.sock?db=0", "unix:///run/redis.sock?db=0"),
        ("rediss://host:6380/0?ssl_cert_reqs=none", "rediss://host:6380/0?ssl_cert_reqs=none"),
    ],
)
def test_the_password_is_masked_in_every_url_form(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "url, forms",
    [
        ("redis://:p%40ss@host:6379/0", {"p%40ss", "p@ss"}),
        ("redis://user@host/0?password=a%2Fb+c", {"a%2Fb+c", "a/b+c", "a/b c"}),
        ("redis://:a/b@host:6379/0", {"a/b"}),
        ("rediss://user:pw@host:6380/0?password=other", {"pw", "other"}),
    ],
)
def test_every_written_and_decoded_form_of_the_password_is_a_secret(url, forms):
    assert set(token_cache_secrets(url)) == forms


@pytest.mark.parametrize("location", [None, "", "/home/u/.cache/tokens.json", "redis://host:6379/0"])
def test_a_location_without_a_password_has_no_secret(location):
    assert token_cache_secrets(location) == []


@pytest.mark.parametrize(
    "url",
    [
        "redis://:FAKE/PASSWORD/9@cache.example.test:6379/0",
        "redis://user:FAKE?PASSWORD#9@cache.example.test:6379/0",
    ],
)
def test_an_unparsable_url_fails_masked_and_says_to_percent_encode(url):
    with pytest.raises(ConfigurationError) as caught:
        check_redis_url(url)
    message = str(caught.value)
    for piece in ("FAKE", "PASSWORD", "9@"):
        assert piece not in message
    assert "percent-encode" in message and "%2F" in message


def test_an_unparsable_url_fails_before_the_store_is_used():
    with pytest.raises(ConfigurationError) as caught:
        open_token_store("redis://:FAKE/PASSWORD@cache.example.test:6379/0")
    assert "FAKE" not in str(caught.value) and MASK in str(caught.value)


# ---- the deadline of each operation --------------------------------------------------------------------------


@pytest.fixture
def trickling_port():
    """A loopback server answering any command with a reply that trickles in one byte every 0.1 s, never ending."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def trickle(connection):
        with connection:
            connection.recv(65536)
            for byte in b"$1000000\r\n" + b"x" * 1000:
                if stop.wait(0.1):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=trickle, args=(connection,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    yield listener.getsockname()[1]
    stop.set()
    server.join(5)
    listener.close()


def test_an_operation_that_trickles_ends_at_its_deadline_naming_the_store_masked(trickling_port):
    url = "redis://:FAKE-PASSWORD-8@127.0.0.1:%d/0" % trickling_port
    backend = RedisTokenBackend(url, deadline=0.5)
    started = time.monotonic()
    with pytest.raises(TokenCacheError) as caught:
        backend.load_token("https://cloudagent.example.test|unit_user")
    assert time.monotonic() - started < 2
    message = str(caught.value)
    assert "no complete answer within 0.5 s" in message
    assert "redis://:********@127.0.0.1:%d/0" % trickling_port in message and "FAKE" not in message


def test_the_deadline_of_each_operation_is_five_seconds():
    assert OPERATION_DEADLINE == 5.0


# ---- errors name the store, never its password -------------------------------------------------------------------

ECHOING_URL = "redis://user:FAKE%2FPW-7@127.0.0.1:1/0"


class FailingRedis:
    """A redis-py client whose every command fails with an error quoting the URL and the decoded password."""

    def zrangebyscore(self, *args, **kwargs):
        raise redis.exceptions.ConnectionError("Error connecting to %s: password FAKE/PW-7 refused" % ECHOING_URL)


def test_a_redis_error_quoting_the_url_and_the_password_is_masked():
    backend = RedisTokenBackend(ECHOING_URL)
    backend._connection = FailingRedis()
    with pytest.raises(TokenCacheError) as caught:
        backend.load_ledger("https://cloudagent.example.test|unit_user")
    message = str(caught.value)
    assert "FAKE" not in message and "PW-7" not in message
    assert message.startswith("Cannot read the ledger in the Redis token store redis://user:********@127.0.0.1:1/0: ")
    assert (
        "cannot connect (Error connecting to redis://user:********@127.0.0.1:1/0: password ******** refused)" in message
    )


def test_a_url_redis_py_refuses_is_named_masked(monkeypatch):
    def refuse(url, **options):
        raise ValueError("cannot use %s (password FAKE/PW-7)" % url)

    monkeypatch.setattr(redis.Redis, "from_url", refuse)
    with pytest.raises(ConfigurationError) as caught:
        RedisTokenBackend(ECHOING_URL).load_ledger("https://cloudagent.example.test|unit_user")
    assert str(caught.value) == (
        "token_cache 'redis://user:********@127.0.0.1:1/0' is not a Redis URL redis-py accepts: "
        "cannot use redis://user:********@127.0.0.1:1/0 (password ********)"
    )


@pytest.mark.parametrize(
    "url, says",
    [
        ("unix://:FAKE-PW-3@", "token_cache 'unix://:********@' names no socket"),
        ("redis://:FAKE-PW-3@:6379/0", "token_cache 'redis://:********@:6379/0' names no host"),
        ("redis://:FAKE-PW-3@h:6379/FAKE-PW-3", "the database '********' is not a number"),
        ("redis://:FAKE-PW-3@h:0/0", "token_cache 'redis://:********@h:0/0': port 0 is not a Redis port."),
    ],
)
def test_each_refusal_of_a_url_names_it_with_the_password_masked(url, says):
    with pytest.raises(ConfigurationError) as caught:
        check_redis_url(url)
    assert says in str(caught.value) and "FAKE" not in str(caught.value)
