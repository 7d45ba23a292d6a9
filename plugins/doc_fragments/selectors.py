# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The selectors shared by the info module and state=absent (argument spec: _selectors.SELECTOR_ARGUMENT_SPEC).

    O(row_id) and O(campaign_name) are documented by each module: they mean more there than a filter.
    """

    DOCUMENTATION = r"""
options:
  phone_number:
    description:
      - A selector - only rows for this number, or one of these numbers.
      - Numbers compare without spaces, C(-), C(\() and C(\)); a leading C(+) is kept.
    type: list
    elements: str
  scheduled_after:
    description:
      - A selector - only rows scheduled at or after this time (inclusive), compared with the record's scheduled time.
      - C(YYYY-MM-DD HH:MM[:SS]) or C(YYYY-MM-DD) (midnight), in the account's local time, without a time zone.
    type: str
  scheduled_before:
    description:
      - A selector - only rows scheduled before this time (exclusive). Same format as O(scheduled_after).
    type: str
  pending:
    description:
      - A selector - V(true) only rows not yet sent to the dialer, V(false) only rows already sent.
      - Unset selects rows whether sent or not.
    type: bool
"""
