# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline emulator of the Ozonetel CloudAgent APIs the ozonetel.cloudagent collection uses (stdlib only).

``python -m cloudagent_emulator`` serves it (cli.py); ``cloudagent_emulator.control.Emulator`` starts one
on a free port and drives its /_emulator/ control API. Layers, from the bottom: reply.py (an answer),
rows.py and jwt.py (values), faults.py and diag.py (answers that go wrong on purpose), state.py
(accounts, rows, tokens), vendor.py and schedule.py (the vendor endpoints), control_api.py,
http_server.py (the HTTP handler), cli.py. See tests/emulator/README.md.
"""
