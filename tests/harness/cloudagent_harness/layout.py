# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the test tooling lives, and the bundled emulator with its default accounts."""

from __future__ import annotations

from pathlib import Path

HARNESS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = HARNESS_DIR.parents[1]
CALLBACK_DIR = HARNESS_DIR / "callback_plugins"

# The emulator's default accounts (cloudagent_emulator.state); obviously fake keys.
DEMO_USER = "demo_user"
DEMO_API_KEY = "FAKE-DEMO-API-KEY-0001"
BASIC_USER = "basic_user"
BASIC_API_KEY = "FAKE-BASIC-API-KEY-0002"
