# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which tarball entries the build-import session refuses (run by the ``tools`` session)."""

from __future__ import annotations

import pytest

from check_release_files import unwanted_problems

PRODUCT = [
    "./",
    "./MANIFEST.json",
    "./plugins/modules/ozonetel_schedule_data.py",
    "./plugins/module_utils/_client.py",
    "./docs/docsite/rst/guide_emulator.rst",
    "./tests/emulator/cloudagent_emulator/http_server.py",
    "./tests/integration/test_delete.py",
    "./tests/pytest.ini",
    "./changelogs/changelog.yaml",
]


def test_the_product_passes():
    assert unwanted_problems(PRODUCT) == []


@pytest.mark.parametrize(
    "entry",
    [
        "./.venv/bin/python",
        "./.venv-demo/",
        "./.nox/units-2-20/",
        "./plugins/module_utils/__pycache__/_client.cpython-312.pyc",
        "./tests/output/junit/x.xml",
        "./tests/emulator/cloudagent_emulator/rows.pyc",
        "./ozonetel-cloudagent-1.0.0.tar.gz",
        "./noxfile.py",
        "./Makefile",
        "./.github/workflows/ci.yml",
        "./.hypothesis/examples/1",
    ],
)
def test_an_unwanted_entry_is_named(entry):
    problems = unwanted_problems(PRODUCT + [entry])
    assert len(problems) == 1 and entry in problems[0] and "build_ignore" in problems[0]
