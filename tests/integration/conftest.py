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

from pathlib import Path

import pytest
from cloudagent_emulator.control import Emulator
from cloudagent_harness.ansible_setup import (
    ansible_bin_dir,
    collections_root,
    make_ansible_home,
    playbook_environment,
    write_inventory,
)
from cloudagent_harness.playbook_runner import PlaybookRunner
from cloudagent_harness.redis_server import RedisServer

INTEGRATION_DIR = Path(__file__).resolve().parent
PLAYBOOK_DIR = INTEGRATION_DIR / "playbooks"


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    return ansible_bin_dir()


@pytest.fixture(scope="session")
def venv_python(bin_dir) -> str:
    return str(bin_dir / "python")


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory) -> str:
    return collections_root(tmp_path_factory.getbasetemp() / "collections")


@pytest.fixture(scope="session")
def ansible_home(tmp_path_factory) -> Path:
    return make_ansible_home(tmp_path_factory.mktemp("ansible_home"))


@pytest.fixture(scope="module")
def emulator_process():
    with Emulator.start() as running:
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
def ansible_env(tmp_path, collections_path, ansible_home, bin_dir, token_cache_file, emulator):
    """The environment of every ansible-playbook this test starts: isolated, credentials of demo_user."""
    return playbook_environment(tmp_path, ansible_home, collections_path, bin_dir, token_cache_file, emulator.url)


@pytest.fixture
def playbook_runner(ansible_env, bin_dir, tmp_path, local_inventory) -> PlaybookRunner:
    return PlaybookRunner(bin_dir, ansible_env, tmp_path / "runs", local_inventory, PLAYBOOK_DIR)


@pytest.fixture
def run_playbook(playbook_runner):
    """``run_playbook(playbook, extravars=None, env=None, check=False, diff=False, verbosity=0, forks=None,
    inventory=None) -> Result``; ``env`` entries set to None are removed from the environment."""
    return playbook_runner.run


@pytest.fixture
def redis_server(tmp_path):
    """A real redis-server of this test, with a password, on a free port (and a unix socket); stopped after it."""
    with RedisServer(tmp_path / "redis") as server:
        yield server
