# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the test tooling lives, and the bundled emulator with its default accounts."""

from __future__ import annotations

import sys
from pathlib import Path

HARNESS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = HARNESS_DIR.parents[1]
CALLBACK_DIR = HARNESS_DIR / "callback_plugins"
EMULATOR_DIR = REPO_ROOT / "tests" / "emulator"

# The emulator's default accounts (tests/emulator); obviously fake keys.
DEMO_USER = "demo_user"
DEMO_API_KEY = "FAKE-DEMO-API-KEY-0001"
BASIC_USER = "basic_user"
BASIC_API_KEY = "FAKE-BASIC-API-KEY-0002"


def load_emulator_class():
    """The ``Emulator`` launcher of tests/emulator/control.py, imported without leaving its directory on sys.path."""
    sys.path.insert(0, str(EMULATOR_DIR))
    try:
        from control import Emulator  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.remove(str(EMULATOR_DIR))
    return Emulator
