# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo accounts tests/emulator/README.md promises without --account (obviously fake keys).

Written out here, not read from the emulator, so that the tests notice when the emulator changes them.
"""

DEMO_USER = "demo_user"
DEMO_API_KEY = "FAKE-DEMO-API-KEY-0001"
BASIC_USER = "basic_user"
BASIC_API_KEY = "FAKE-BASIC-API-KEY-0002"
