# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A private, reproducible Ansible setup: which ansible-playbook, which collections, which environment, which hosts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterable

from .layout import CALLBACK_DIR, DEMO_API_KEY, DEMO_USER, REPO_ROOT


class HarnessError(RuntimeError):
    """The test tooling cannot be set up or started (a missing program, a server that does not answer)."""


def ansible_bin_dir() -> Path:
    """The virtualenv whose python runs the tests; its ansible-playbook and python have ``requests``."""
    for candidate in (Path(sys.executable).parent, REPO_ROOT / ".venv-demo" / "bin"):
        if (candidate / "ansible-playbook").exists():
            return candidate
    raise HarnessError(
        "no ansible-playbook next to %s nor in .venv-demo: run with that venv's python (make demo-venv)"
        % sys.executable
    )


def collections_root(directory: Path) -> str:
    """OZONETEL_TEST_COLLECTIONS_PATH (an existing collections root), else ``directory`` linking to this checkout."""
    configured = os.environ.get("OZONETEL_TEST_COLLECTIONS_PATH")
    if configured:
        return configured
    namespace_dir = directory / "ansible_collections" / "ozonetel"
    namespace_dir.mkdir(parents=True)
    (namespace_dir / "cloudagent").symlink_to(REPO_ROOT, target_is_directory=True)
    return str(directory)


def make_ansible_home(directory: Path) -> Path:
    """An ANSIBLE_HOME holding an empty ansible.cfg, so no configuration of the user's applies."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    return directory


def playbook_environment(
    work_dir: Path, ansible_home: Path, collections_path: str, bin_dir: Path, token_cache: Path, base_url: str
) -> Dict[str, str]:
    """The environment of an ansible-playbook run: isolated, recording its results, credentials of demo_user."""
    # Inherited ANSIBLE_* and OZONETEL_* settings would change what a run does: start clean.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ANSIBLE_", "OZONETEL_", "XDG_CACHE_HOME"))
    }
    return dict(
        inherited,
        PATH="%s%s%s" % (bin_dir, os.pathsep, os.environ.get("PATH", os.defpath)),
        ANSIBLE_CONFIG=str(ansible_home / "ansible.cfg"),
        ANSIBLE_HOME=str(ansible_home),
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_LOCAL_TEMP=str(work_dir / "ansible-local-tmp"),
        ANSIBLE_REMOTE_TMP=str(work_dir / "ansible-remote-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_PYTHON_INTERPRETER=str(bin_dir / "python"),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_DIR),
        ANSIBLE_CALLBACKS_ENABLED="result_recorder",
        XDG_CACHE_HOME=str(work_dir / "xdg-cache"),
        OZONETEL_TOKEN_CACHE=str(token_cache),
        OZONETEL_BASE_URL=base_url,
        OZONETEL_USERNAME=DEMO_USER,
        OZONETEL_API_KEY=DEMO_API_KEY,
    )


def write_inventory(path: Path, python: str, host_indexes: Iterable[int] = (), group: str = "cloudagent_hosts") -> Path:
    """A YAML inventory: localhost, plus local hosts ``hostNN`` in ``group`` carrying ``host_index``."""
    hosts = {"host%02d" % index: {"host_index": index} for index in host_indexes}
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": python},
            "hosts": {"localhost": {}},
            "children": {group: {"hosts": hosts}},
        }
    }
    path.write_text(json.dumps(inventory, indent=2), encoding="utf-8")
    return path
