# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Views of the emulator's request log, and a scan for leaked secrets; the rest is in tests/harness."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List

JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

# A play that gets one token through the lookup. Not no_log: ansible-core 2.16-2.18 would hide the
# lookup's error too; only the token's length is shown.
LOOKUP_ONCE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Get a token
      ansible.builtin.debug:
        msg: "a token of {{ lookup('ozonetel.cloudagent.ozonetel_token') | length }} characters"
"""


# ---------------------------------------------------------------- emulator log views


def requests_to(counters: dict, endpoint: str) -> List[dict]:
    return [entry for entry in counters["requests"] if entry["endpoint"] == endpoint]


def delete_specs(counters: dict) -> List[str]:
    """The row specs of every DELETE the emulator received, in arrival order."""
    return [entry["row_spec"] for entry in requests_to(counters, "delete")]


def http_request_count(counters: dict) -> int:
    return len(counters["requests"])


@dataclass
class SecretScan:
    """Where known secrets show up in a body of text."""

    secrets: Dict[str, str]
    hits: Dict[str, List[str]] = field(default_factory=dict)

    def scan(self, label: str, text: str) -> None:
        for name, secret in self.secrets.items():
            if secret and secret in text:
                self.hits.setdefault(label, []).append(name)
