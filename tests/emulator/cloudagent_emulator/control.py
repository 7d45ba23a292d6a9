# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the CloudAgent emulator and drive its /_emulator/ control API (stdlib only).

    from cloudagent_emulator.control import Emulator

    with Emulator.start() as emulator:
        emulator.seed("demo_user", spec="1-500")
        ...  # point base_url at emulator.url
        assert emulator.counters()["invalid_specs"] == 0

``Emulator.attach(url)`` drives an emulator started by someone else (``stop()`` then leaves it running).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Iterable, List, Optional, Sequence

# the directory that holds this package: the emulator process imports it from there
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BANNER_PREFIX = "CloudAgent emulator listening on "
DEFAULT_CAMPAIGN = "demo_campaign"


class EmulatorError(RuntimeError):
    """The emulator did not start, or refused a control request."""


def _emulator_environment() -> dict:
    """This environment, with the package's directory first on PYTHONPATH for the emulator process."""
    search_path = [PACKAGE_PARENT] + [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(search_path))


def _read_banner(stream, lines: "queue.Queue[str]") -> None:
    lines.put(stream.readline())


class Emulator:
    """A running emulator: its ``url`` and one method per control request."""

    def __init__(self, url: str, process: Optional[subprocess.Popen] = None, stderr_file=None):
        self.url = url.rstrip("/")
        self._process = process
        self._stderr_file = stderr_file

    @classmethod
    def start(cls, extra_args: Sequence[str] = (), timeout: float = 10.0) -> "Emulator":
        """Run ``python -m cloudagent_emulator`` with this interpreter on a free port and wait for its banner."""
        stderr_file = tempfile.TemporaryFile()
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "cloudagent_emulator", "--port", "0"] + list(extra_args),
            env=_emulator_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
        )
        lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=_read_banner, args=(process.stdout, lines), daemon=True).start()
        try:
            banner = lines.get(timeout=timeout)
        except queue.Empty:
            banner = ""
        emulator = cls(banner[len(BANNER_PREFIX) :].strip(), process, stderr_file)
        if not banner.startswith(BANNER_PREFIX):
            details = emulator.stderr_text()
            emulator.stop()
            raise EmulatorError(
                "the emulator printed no banner within %.0f s: %s" % (timeout, details.strip() or "no output")
            )
        return emulator

    @classmethod
    def attach(cls, url: str) -> "Emulator":
        """Drive an emulator that is already running at ``url``."""
        return cls(url)

    def stderr_text(self) -> str:
        """What the emulator wrote to stderr so far (tracebacks, --verbose request lines)."""
        if self._stderr_file is None:
            return ""
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """Stop the emulator this object started (SIGTERM, then kill after 5 s)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(timeout=5)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # control API

    def request(self, method: str, path: str, payload: Optional[dict] = None, timeout: float = 10.0) -> dict:
        """Send one control request (path relative to /_emulator/) and return its JSON answer."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            self.url + "/_emulator/" + path.lstrip("/"),
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise EmulatorError(
                "%s /_emulator/%s failed with HTTP %s: %s" % (method, path, error.code, detail)
            ) from None

    def health(self) -> dict:
        return self.request("GET", "health")

    def reset(self) -> None:
        self.request("POST", "reset", {})

    def add_account(self, user_name: str, api_key: str, auth_mode: str = "TOKEN_AUTH") -> None:
        self.request("POST", "accounts", {"user_name": user_name, "api_key": api_key, "auth_mode": auth_mode})

    def seed(
        self,
        user_name: str,
        ids: Optional[Iterable[int]] = None,
        spec: Optional[str] = None,
        campaign_name: str = DEFAULT_CAMPAIGN,
        is_request_sent: bool = False,
    ) -> int:
        """Add rows by ``ids`` or by a ``spec`` such as ``"1-500"`` or ``"1,3,7-9"``; returns how many."""
        payload = {"user_name": user_name, "campaign_name": campaign_name, "is_request_sent": is_request_sent}
        if ids is not None:
            payload["ids"] = list(ids)
        if spec is not None:
            payload["spec"] = spec
        return self.request("POST", "rows", payload)["added"]

    def ids(self, user_name: str) -> List[int]:
        return self.request("GET", "rows?" + urllib.parse.urlencode({"user_name": user_name}))["ids"]

    def ids_by_user(self) -> dict:
        return self.request("GET", "rows")["ids_by_user"]

    def counters(self) -> dict:
        return self.request("GET", "counters")

    def add_campaign(self, user_name: str, campaign_name: str) -> None:
        """Make Schedule Campaign Data accept ``campaign_name`` for ``user_name``."""
        self.request("POST", "campaigns", {"user_name": user_name, "campaign_name": campaign_name})

    def campaigns(self, user_name: str) -> List[str]:
        return self.request("GET", "campaigns?" + urllib.parse.urlencode({"user_name": user_name}))["campaigns"]

    def records(self, user_name: str) -> List[dict]:
        """The user's rows as the emulator holds them: id, campaign_name, phone_number, scheduled_time,
        is_request_sent, and the columns sent for rows created through Schedule Campaign Data."""
        return self.request("GET", "records?" + urllib.parse.urlencode({"user_name": user_name}))["rows"]

    def dial(self, user_name: str, ids: Iterable[int]) -> int:
        """Mark rows as sent to the dialer (what happens when their time comes); returns how many."""
        return self.request("POST", "dial", {"user_name": user_name, "ids": list(ids)})["sent"]

    def fault(self, **rule) -> None:
        """Add one fault rule, e.g. ``fault(endpoint="delete", kind="http_status", status=503, retry_after=1)``."""
        self.faults([rule])

    def faults(self, rules: List[dict]) -> None:
        self.request("POST", "faults", {"faults": list(rules)})

    def pending_faults(self) -> List[dict]:
        return self.request("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self.request("DELETE", "faults")

    def advance_clock(self, seconds: float) -> None:
        self.request("POST", "clock", {"advance": seconds})

    def settings(self, **changes) -> dict:
        """Change ``status_case``, ``delete_rate_limit`` or ``token_ttl``; returns the settings now in force."""
        return self.request("POST", "settings", changes)["settings"]
