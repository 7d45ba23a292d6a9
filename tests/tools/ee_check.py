# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution-environment checks of the ``ee`` session, offline (no container engine needed).

* ``ansible-builder introspect`` lists ``requests`` (requirements.txt, meta/execution-environment.yml);
* the documented EE definition, docs/execution-environment.yml, renders a build context;
* the recipe that installs a collection tarball, docs/execution-environment-local.yml, names the tarball
  of this version, renders a build context holding it, and that context's requirements install.

Usage: ``python ee_check.py WORK_DIR`` in a venv with ansible-builder and ansible-core; exit status 1
and the problem when a check fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from collection_tree import copy_collection

DOCUMENTED_EE = "docs/execution-environment.yml"
LOCAL_TARBALL_EE = "docs/execution-environment-local.yml"
REQUESTS_LINE = re.compile(r"^\s*-\s+'?requests([^A-Za-z0-9_.-]|$)", re.MULTILINE)


class EECheckError(Exception):
    """A check failed; the message says which and what to fix."""


def run(*command: str, cwd: Path | None = None, env: dict | None = None, capture: bool = False) -> str:
    print("ee_check: %s" % " ".join(command), flush=True)
    environment = None if env is None else {**os.environ, **env}
    done = subprocess.run(command, cwd=cwd, env=environment, check=True, capture_output=capture, text=True)
    return done.stdout if capture else ""


def check_introspection(collections: Path) -> None:
    introspection = run("ansible-builder", "introspect", "--sanitize", str(collections), capture=True)
    print(introspection)
    if not REQUESTS_LINE.search(introspection):
        raise EECheckError(
            "ansible-builder introspect does not list 'requests' (requirements.txt, meta/execution-environment.yml)"
        )


def check_documented_ee(staged: Path, root: Path) -> None:
    run("ansible-builder", "create", "-f", DOCUMENTED_EE, "--context", str(root / "context"),
        "--output-filename", "Containerfile", cwd=staged)  # fmt: skip


def check_local_tarball_ee(staged: Path, root: Path) -> None:
    recipe_dir = root / "local-tarball"
    recipe_dir.mkdir()
    run("ansible-galaxy", "collection", "build", "--output-path", str(recipe_dir), str(staged), capture=True)
    tarball = next(recipe_dir.glob("ozonetel-cloudagent-*.tar.gz")).name
    if (staged / LOCAL_TARBALL_EE).read_text(encoding="utf-8").count(tarball) != 2:
        raise EECheckError(
            "%s must name the tarball of this version, %s, twice (additional_build_files, galaxy)"
            % (LOCAL_TARBALL_EE, tarball)
        )
    shutil.copy(staged / LOCAL_TARBALL_EE, recipe_dir / "execution-environment.yml")
    run("ansible-builder", "create", "-f", "execution-environment.yml", "--context", "context", cwd=recipe_dir)
    build = recipe_dir / "context" / "_build"
    if not (build / "collections" / tarball).is_file() or tarball not in (build / "requirements.yml").read_text():
        raise EECheckError(
            "%s: the build context lacks collections/%s or its requirements.yml entry" % (LOCAL_TARBALL_EE, tarball)
        )
    # what the image's galaxy stage runs in /build (a copy of _build), offline
    run("ansible-galaxy", "collection", "install", "-r", "requirements.yml",
        "--collections-path", str(root / "local-tarball-installed"),
        cwd=build, env={"ANSIBLE_GALAXY_DISABLE_GPG_VERIFY": "1"})  # fmt: skip


def main(argv: list) -> int:
    if len(argv) != 2:
        print("usage: ee_check.py WORK_DIR")
        return 2
    root = Path(argv[1]).resolve()
    shutil.rmtree(root, ignore_errors=True)
    staged = copy_collection(root / "collections")
    try:
        check_introspection(root / "collections")
        check_documented_ee(staged, root)
        check_local_tarball_ee(staged, root)
    except EECheckError as error:
        print("ee_check: %s" % error)
        return 1
    print("ee_check: introspection, the documented EE and the local-tarball recipe are fine")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
