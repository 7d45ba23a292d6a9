# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A hostile Redis on 127.0.0.1 for the end-to-end tests: it accepts every connection and answers the first
command with a RESP reply that trickles in one byte every ``interval`` seconds, never ending. Each read of the
client gets a byte well within its socket timeout, so only a deadline for the whole operation stops the wait.
The server stops itself after ``lifetime`` seconds whatever happens."""

from __future__ import annotations

import socket
import threading

# A bulk string of a million bytes: the client waits for all of them.
_HEADER = b"$1000000\r\n"


class TricklingRedis:
    """``with TricklingRedis() as server: server.port, server.connections``."""

    def __init__(self, interval: float = 0.5, lifetime: float = 150.0):
        self.interval = interval
        self.connections = 0
        self.stopping = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self._threads = [
            threading.Thread(target=self._accept, daemon=True),
            threading.Thread(target=self._stop_after, args=(lifetime,), daemon=True),
        ]

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def __enter__(self) -> "TricklingRedis":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()

    def _stop_after(self, lifetime: float) -> None:
        self.stopping.wait(lifetime)
        self.stopping.set()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except socket.timeout:
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()
        self._listener.close()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)  # the first command (AUTH, or whatever comes first)
                for byte in _HEADER + b"x" * 1000000:
                    if self.stopping.wait(self.interval):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up and closed the connection
