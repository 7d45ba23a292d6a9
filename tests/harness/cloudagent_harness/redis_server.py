# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real redis-server for the tests and the benchmark: a free port, a password, no persistence, stopped by its owner.

Install it with tests/tools/install_redis.sh (Debian's redis-server package) when it is missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

from .ansible_setup import HarnessError

PASSWORD = "FAKE-REDIS-PASSWORD-0004"
START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """``start()``/``stop()`` one redis-server in ``directory``; ``url`` holds the password, ``client()`` talks to it."""

    def __init__(self, directory: Path, password: str = PASSWORD):
        self.directory = Path(directory)
        self.password = password
        self.port = free_port()
        # A unix socket path must stay under 108 bytes; test directories are often longer.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="ozredis-"))
        self.socket_path = self._socket_dir / "redis.sock"
        self._process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return "redis://:%s@127.0.0.1:%d/0" % (self.password, self.port)

    @property
    def unix_url(self) -> str:
        return "unix://%s?db=0&password=%s" % (self.socket_path, self.password)

    def url_with_password(self, password: str) -> str:
        return "redis://:%s@127.0.0.1:%d/0" % (password, self.port)

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise HarnessError(
                "redis-server is not installed: run tests/tools/install_redis.sh (Debian package redis-server)"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            self.password,
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    def close(self) -> None:
        """Stop the server and remove its socket directory."""
        self.stop()
        shutil.rmtree(self._socket_dir, ignore_errors=True)

    def client(self):
        import redis  # pylint: disable=import-outside-toplevel

        return redis.Redis.from_url(self.url, socket_timeout=5, decode_responses=True)

    def flush(self) -> None:
        self.client().flushall()

    def keys(self) -> list:
        return sorted(self.client().keys("*"))

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise HarnessError("redis-server exited at once; see %s" % (self.directory / "redis.log"))
            try:
                if self.client().ping():
                    return
            except Exception:  # pylint: disable=broad-exception-caught
                time.sleep(0.05)
        self.stop()
        raise HarnessError("redis-server did not answer within %.0f s" % START_TIMEOUT)

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()
