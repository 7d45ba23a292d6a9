# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What both token store backends share: the lock wait, the account digest, the ledger window."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _token_backend
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_backend import (
    LEDGER_WINDOW,
    account_digest,
    ledger_window_start,
    wait_for_lock,
    within_ledger_window,
)

MODULE_UTILS = Path(_token_backend.__file__).resolve().parent
TOKEN_FILES = ("_token_backend", "_token_file", "_token_redis", "_token_store")


class LockTimedOut(Exception):
    pass


def test_the_lock_wait_returns_as_soon_as_the_lock_is_taken():
    answers = iter([False, False, True])
    wait_for_lock(lambda: next(answers), 5.0, LockTimedOut)
    assert next(answers, "done") == "done"


def test_the_lock_wait_gives_up_after_its_limit():
    started = time.monotonic()
    with pytest.raises(LockTimedOut):
        wait_for_lock(lambda: False, 0.2, LockTimedOut)
    assert 0.2 <= time.monotonic() - started < 2


def test_one_account_digest_names_nothing_of_the_account():
    digest = account_digest("https://in1-ccaas-api.ozonetel.com|fake_user")
    assert len(digest) == 32 and int(digest, 16) >= 0
    assert "fake_user" not in digest
    assert digest != account_digest("https://in1-ccaas-api.ozonetel.com|other_user")


def test_the_ledger_window_keeps_the_last_hour_and_the_future_sorted():
    now = 10_000.0
    moments = [now + 5, now - LEDGER_WINDOW, now - LEDGER_WINDOW + 1, now - 10, now - 7200]
    assert within_ledger_window(moments, now) == [now - LEDGER_WINDOW + 1, now - 10, now + 5]
    assert ledger_window_start(now) == now - LEDGER_WINDOW


def _imported_token_modules(name: str) -> set:
    """The token modules ``name`` imports, at any depth of its code (function-level imports included)."""
    tree = ast.parse((MODULE_UTILS / (name + ".py")).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.rsplit(".", 1)[-1])
    return found & set(TOKEN_FILES)


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("_token_backend", set()),
        ("_token_file", {"_token_backend"}),
        ("_token_redis", {"_token_backend"}),
        ("_token_store", {"_token_backend", "_token_file", "_token_redis"}),
    ],
)
def test_token_modules_import_only_downwards(name, allowed):
    assert _imported_token_modules(name) <= allowed
