# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the integration tests and the benchmark share: paths, ansible-playbook runs and the planner oracle.

Importable through tests/pytest.ini (``pythonpath``) in pytest, and through PYTHONPATH for ``make bench``.
"""

from __future__ import annotations
