# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures for the end-to-end tests: a collections root, the emulator, and an isolated ansible-playbook.

Fixture names avoid ``emulator``'s module scope leaking into other test files: the function
fixture ``emulator`` resets a module-wide emulator process, so a test file that defines its own
``emulator`` fixture (test_awx_runner.py does) simply overrides it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from helpers import (
    CALLBACK_DIR,
    DEMO_API_KEY,
    DEMO_USER,
    EMULATOR_DIR,
    REPO_ROOT,
    PlaybookRunner,
    write_inventory,
)


def _bin_dir() -> Path:
    """The virtualenv whose python runs pytest; its ansible-playbook and python have ``requests``."""
    here = Path(sys.executable).parent
    return here if (here / "ansible-playbook").exists() else REPO_ROOT / ".venv" / "bin"


def _load_emulator_class():
    sys.path.insert(0, str(EMULATOR_DIR))
    try:
        from control import Emulator  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.remove(str(EMULATOR_DIR))
    return Emulator


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    return _bin_dir()


@pytest.fixture(scope="session")
def venv_python(bin_dir) -> str:
    return str(bin_dir / "python")


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory) -> str:
    """OZONETEL_TEST_COLLECTIONS_PATH (a staged copy, set by the Makefile), else a symlink to this checkout."""
    configured = os.environ.get("OZONETEL_TEST_COLLECTIONS_PATH")
    if configured:
        return configured
    root = tmp_path_factory.mktemp("collections")
    namespace_dir = root / "ansible_collections" / "ozonetel"
    namespace_dir.mkdir(parents=True)
    (namespace_dir / "cloudagent").symlink_to(REPO_ROOT, target_is_directory=True)
    return str(root)


@pytest.fixture(scope="session")
def ansible_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("ansible_home")
    (home / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def emulator_process():
    with _load_emulator_class().start() as running:
        yield running


@pytest.fixture
def emulator(emulator_process):
    """The module's emulator, reset: default accounts, no rows, no faults, zero counters, real clock."""
    emulator_process.reset()
    return emulator_process


@pytest.fixture
def token_cache_file(tmp_path) -> Path:
    """The token cache of this test; its directory does not exist yet, so the collection creates it."""
    return tmp_path / "token-cache" / "tokens.json"


@pytest.fixture
def local_inventory(tmp_path, venv_python) -> Path:
    return write_inventory(tmp_path / "inventory.json", venv_python)


@pytest.fixture
def host_inventory(tmp_path, venv_python):
    """``host_inventory(range(1, 6))``: localhost plus hosts host01..host05 in group cloudagent_hosts."""
    def make(host_indexes, name="hosts"):
        return write_inventory(tmp_path / ("%s.json" % name), venv_python, host_indexes)
    return make


@pytest.fixture
def ansible_env(tmp_path, collections_path, ansible_home, venv_python, bin_dir, token_cache_file, emulator):
    """The environment of every ansible-playbook this test starts: isolated, credentials of demo_user."""
    inherited = {name: value for name, value in os.environ.items()
                 if not name.startswith(("ANSIBLE_", "OZONETEL_", "XDG_CACHE_HOME"))}
    local_tmp = tmp_path / "ansible-local-tmp"
    remote_tmp = tmp_path / "ansible-remote-tmp"
    return dict(
        inherited,
        PATH="%s%s%s" % (bin_dir, os.pathsep, os.environ.get("PATH", "")),
        ANSIBLE_CONFIG=str(ansible_home / "ansible.cfg"),
        ANSIBLE_HOME=str(ansible_home),
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_LOCAL_TEMP=str(local_tmp),
        ANSIBLE_REMOTE_TMP=str(remote_tmp),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_PYTHON_INTERPRETER=venv_python,
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_DIR),
        ANSIBLE_CALLBACKS_ENABLED="result_recorder",
        XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
        OZONETEL_TOKEN_CACHE=str(token_cache_file),
        OZONETEL_BASE_URL=emulator.url,
        OZONETEL_USERNAME=DEMO_USER,
        OZONETEL_API_KEY=DEMO_API_KEY,
    )


@pytest.fixture
def playbook_runner(ansible_env, bin_dir, tmp_path, local_inventory) -> PlaybookRunner:
    return PlaybookRunner(bin_dir, ansible_env, tmp_path / "runs", local_inventory)


@pytest.fixture
def run_playbook(playbook_runner):
    """``run_playbook(playbook, extravars=None, env=None, check=False, diff=False, verbosity=0, forks=None,
    inventory=None) -> Result``; ``env`` entries set to None are removed from the environment."""
    return playbook_runner.run
