# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP side: read a request, route it to the vendor endpoints or the control API, write the reply."""

from __future__ import annotations

import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .control_api import PREFIX, control_reply
from .diag import apply_diag_settings, method_refused
from .faults import ALTER_KINDS, altered_reply, fault_reply, send_cut
from .reply import Reply
from .rows import vendor_spec_selector
from .state import EmulatorState
from .vendor import (
    VENDOR_ROUTES,
    auth_kind,
    chosen_row_spec,
    handle_vendor_request,
    loggable_row_spec,
    parse_json_object,
)

MAX_BODY_BYTES = 10 * 1024 * 1024


def _posted_rows(body: dict):
    data = body.get("bulkData", {}).get("data") if isinstance(body.get("bulkData"), dict) else None
    return len(data) if isinstance(data, list) else None


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state: EmulatorState, verbose: bool = False):
        super().__init__(address, EmulatorHandler)
        self.state = state
        self.verbose = verbose


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CloudAgentEmulator/1.0"
    # Headers and body leave in separate writes; with Nagle on, delayed ACKs cost ~40 ms per request.
    disable_nagle_algorithm = True

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        # Only the request line and status are logged (never headers or bodies, which carry secrets).
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def _dispatch(self) -> None:
        try:
            url = urlsplit(self.path)
            raw_body = self._read_body()
            if url.path.startswith(PREFIX):
                query = dict(parse_qsl(url.query))
                self._send(control_reply(self.server.state, self.command, url.path, query, raw_body))
                return
            replay = getattr(self.server.state, "replay", None)
            if replay is not None:
                self._send(replay.reply_for(self.command, url.path))
                return
            endpoint = VENDOR_ROUTES.get((self.command, url.path))
            if endpoint is None:
                self._send(
                    Reply.json({"status": "error", "message": "No route for %s %s" % (self.command, url.path)}, 404)
                )
                return
            self._send(self._serve_vendor(endpoint, url.path, raw_body))
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:  # pylint: disable=broad-exception-caught
            # A bug in the emulator must answer like a broken server, not hang the client under test.
            traceback.print_exc(file=sys.stderr)
            self._send(Reply.json({"status": 500, "error": "Internal Server Error"}, 500))
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
            if sum(len(chunk) for chunk in chunks) > MAX_BODY_BYTES:
                raise ValueError("request body too large")

    def _serve_vendor(self, endpoint: str, path: str, raw_body: bytes) -> Reply:
        state = self.server.state
        body = parse_json_object(raw_body)
        with state.lock:
            rule = state.faults.take(endpoint)
        kind = rule["kind"] if rule else None
        if kind == "delay":
            time.sleep(rule["seconds"])
            kind = rule.get("then")
        token_issued = False
        faulted = bool(kind) and kind not in ALTER_KINDS
        refused = None if faulted else method_refused(state.settings, endpoint, self.command)
        if faulted:
            reply = fault_reply(kind, rule)
        elif refused is not None:
            reply = refused
        else:
            reply, token_issued = handle_vendor_request(state, endpoint, self.headers, body)
        reply.apply_status_case(state.status_case())
        apply_diag_settings(reply, state.settings, self.headers)
        # Logged before the answer leaves, so a client that got its answer sees it in the counters.
        state.record_request(
            self._log_entry(endpoint, path, body, reply),
            invalid_spec=self._is_invalid_spec(endpoint, body),
            token_issued=token_issued,
        )
        return altered_reply(reply, rule) if kind in ALTER_KINDS else reply

    def _log_entry(self, endpoint: str, path: str, body: dict, reply: Reply) -> dict:
        return {
            "method": self.command,
            "path": path,
            "endpoint": endpoint,
            "row_spec": loggable_row_spec(body) if endpoint == "delete" else None,
            "rows": _posted_rows(body) if endpoint == "schedule" else None,
            "auth": auth_kind(self.headers),
            "api_key_header": self.headers.get("apiKey") is not None,
            "status": reply.status,
            "api_status": reply.api_status(),
            "api_message": reply.api_message(),
            "time": time.time(),
        }

    @staticmethod
    def _is_invalid_spec(endpoint: str, body: dict) -> bool:
        spec = chosen_row_spec(body)
        return endpoint == "delete" and spec not in (None, "") and vendor_spec_selector(spec) is None

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        if reply.cut is not None:
            send_cut(self, reply)
            return
        if reply.pieces is not None:
            self._send_chunked(reply)
            return
        payload = reply.encoded_body()
        self.send_head(reply, {"Content-Length": str(len(payload))})
        self.wfile.write(payload)

    def send_head(self, reply: Reply, framing: dict) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in dict(framing, **reply.headers).items():
            self.send_header(name, value)
        self.end_headers()

    def _send_chunked(self, reply: Reply) -> None:
        self.send_head(reply, {"Transfer-Encoding": "chunked"})
        for piece in reply.body_pieces():
            if piece:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")
