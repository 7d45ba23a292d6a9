# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit tests mirror plugins/: each file has its own test file, and no test file is left without one."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
UNIT = REPO_ROOT / "tests" / "unit" / "plugins"


def plugin_files(kind: str) -> list:
    return sorted(path.stem for path in (REPO_ROOT / "plugins" / kind).glob("*.py") if path.name != "__init__.py")


def own_test_name(stem: str) -> str:
    return "test_%s.py" % stem  # _client.py -> test__client.py, ozonetel_token.py -> test_ozonetel_token.py


@pytest.mark.parametrize("kind", ["module_utils", "modules", "lookup"])
def test_every_plugin_file_has_its_own_unit_test_file(kind):
    missing = [stem for stem in plugin_files(kind) if not (UNIT / kind / own_test_name(stem)).is_file()]
    assert not missing, "no tests/unit/plugins/%s/test_<name>.py for: %s" % (kind, ", ".join(missing))


# Test files about one option shared by several plugins, named after that option.
CROSS_CUTTING = {"test_token_cache_option.py"}


@pytest.mark.parametrize("kind", ["module_utils", "modules", "lookup"])
def test_every_unit_test_file_is_named_after_a_plugin_file(kind):
    expected = {own_test_name(stem) for stem in plugin_files(kind)} | CROSS_CUTTING
    strays = sorted(path.name for path in (UNIT / kind).glob("test_*.py") if path.name not in expected)
    assert not strays, "unit test files named after no plugins/%s file: %s" % (kind, ", ".join(strays))
