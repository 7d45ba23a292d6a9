# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An https front for the plain-HTTP emulator: a self-signed certificate and a TLS relay on loopback.

``TlsRelay(emulator_url, tmp_dir)`` makes a CA-less self-signed certificate for 127.0.0.1 with the
``openssl`` program, listens on a free loopback port, and relays every TLS connection's bytes to the
emulator. ``relay.url`` is the https base URL; ``relay.certificate_pem`` is what a client must trust.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit


def openssl_available() -> bool:
    return shutil.which("openssl") is not None


def make_self_signed_certificate(directory: Path, name: str = "relay") -> tuple:
    """(certificate path, key path) of a fresh self-signed certificate for IP 127.0.0.1 and localhost."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate, key = directory / ("%s-cert.pem" % name), directory / ("%s-key.pem" % name)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(certificate),
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class TlsRelay:
    """TLS on a free loopback port, relayed byte for byte to a plain-HTTP server."""

    def __init__(self, backend_url: str, directory: Path):
        backend = urlsplit(backend_url)
        self._backend = (backend.hostname, backend.port)
        self.certificate_path, key_path = make_self_signed_certificate(directory)
        self.certificate_pem = self.certificate_path.read_text(encoding="ascii")
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(self.certificate_path), str(key_path))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = "https://127.0.0.1:%d" % self._listener.getsockname()[1]
        self.handshake_failures = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            secure = self._context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshake_failures += 1
            client.close()
            return
        backend = socket.create_connection(self._backend)
        threading.Thread(target=_pump, args=(backend, secure), daemon=True).start()
        _pump(secure, backend)

    def close(self) -> None:
        self._listener.close()

    def __enter__(self) -> "TlsRelay":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
