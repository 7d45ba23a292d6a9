# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Small hostile HTTP servers on 127.0.0.1 for the end-to-end tests: each answers every request
with the next of its scripted answers (the last one repeats), records what it received, and
stops itself after ``lifetime`` seconds whatever happens.

An answer is a function ``answer(handler, request)`` writing raw bytes to ``handler.wfile``;
``reply``, ``redirect``, ``drip_body``, ``drip_headers``, ``endless_body`` and ``echo`` build them.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, List

DRIP_INTERVAL = 0.5


class HostileServer:
    """``with HostileServer([answer, ...]) as server: server.url, server.requests``."""

    def __init__(self, answers: List[Callable], lifetime: float = 150.0):
        self.answers = list(answers)
        self.requests: List[dict] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._httpd.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
            threading.Thread(target=self._stop_after, args=(lifetime,), daemon=True),
        ]

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def __enter__(self) -> "HostileServer":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            self._httpd.shutdown()
            self._httpd.server_close()

    def next_answer(self, request: dict) -> Callable:
        with self._lock:
            self.requests.append(request)
            return self.answers[min(len(self.requests), len(self.answers)) - 1]

    def _stop_after(self, lifetime: float) -> None:
        if not self.stopping.wait(lifetime):
            self.stop()


def _handler_class(server: HostileServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: the answer ends when the socket closes

        def log_message(self, *args):  # keep pytest's output clean
            pass

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            request = {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": self.rfile.read(length).decode("utf-8", "replace"),
                "time": time.time(),
            }
            answer = server.next_answer(request)
            try:
                answer(self, request, server.stopping)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should

        do_GET = do_POST = do_DELETE = do_PUT = _serve

    return Handler


def _head(status: int, headers: dict) -> bytes:
    lines = ["HTTP/1.0 %d Hostile" % status] + ["%s: %s" % item for item in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(status: int = 200, body: bytes = b"", headers: dict = None, content_type: str = "application/json"):
    def answer(handler, request, stopping):
        handler.wfile.write(
            _head(status, dict({"Content-Type": content_type, "Content-Length": str(len(body))}, **(headers or {})))
            + body
        )

    return answer


def redirect(status: int, location: str):
    return reply(status, b"", {"Location": location}, content_type="text/plain")


def echo(make_body: Callable[[dict], bytes], status: int = 200, content_type: str = "application/json"):
    """An answer built from the request (its headers and body), e.g. one quoting the api key."""

    def answer(handler, request, stopping):
        reply(status, make_body(request), content_type=content_type)(handler, request, stopping)

    return answer


def drip_body(seconds: float = 60.0):
    """Headers at once, then one byte of a JSON body every half second."""

    def answer(handler, request, stopping):
        handler.wfile.write(_head(200, {"Content-Type": "application/json", "Content-Length": "100000"}))
        _drip(handler, b" " * 100000, seconds, stopping)

    return answer


def drip_headers(seconds: float = 60.0):
    """The status line and headers themselves, one byte every half second."""

    def answer(handler, request, stopping):
        _drip(handler, _head(200, {"Content-Type": "application/json", "X-Padding": "p" * 500}), seconds, stopping)

    return answer


def endless_body(total_bytes: int):
    """A 200 answer without Content-Length whose body goes on for ``total_bytes`` (or until the client leaves)."""

    def answer(handler, request, stopping):
        handler.wfile.write(_head(200, {"Content-Type": "application/json"}))
        chunk = b'{"status": "success", "message": "' + b"x" * (64 * 1024)
        sent = 0
        while sent < total_bytes and not stopping.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)

    return answer


def _drip(handler, data: bytes, seconds: float, stopping: threading.Event) -> None:
    ends = time.monotonic() + seconds
    for index in range(len(data)):
        if stopping.is_set() or time.monotonic() > ends:
            return
        handler.wfile.write(data[index : index + 1])
        handler.wfile.flush()
        stopping.wait(DRIP_INTERVAL)
