# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the token store's tests (test__token_file.py, test__token_store.py)."""

from __future__ import annotations

import pytest

from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.token_fakes import (
    FakeClock,
    FakeGenerate,
    file_store,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def generate(clock):
    return FakeGenerate(clock)


@pytest.fixture
def warnings_seen():
    return []


@pytest.fixture
def cache_path(tmp_path):
    return str(tmp_path / "cache" / "tokens.json")


@pytest.fixture
def cache(cache_path, clock, warnings_seen):
    return file_store(cache_path, clock, warn=warnings_seen.append)
