# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m cloudagent_emulator --port 8765``: serve the emulator until Ctrl-C or SIGTERM."""

import sys

from cloudagent_emulator.cli import main

sys.exit(main())
