# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that a built collection tarball carries what a published release needs, and nothing else.

* no file that is not part of the product (venvs, caches, test outputs, the development tooling:
  ``build_ignore`` in galaxy.yml keeps them out, since ``ansible-galaxy collection build`` ignores .gitignore);
* the license text: ``COPYING`` and ``LICENSES/GPL-3.0-or-later.txt``, the full GNU GPL v3;
* the rendered changelog: ``changelogs/changelog.yaml`` with at least one release, none newer than
  galaxy.yml's version, and ``CHANGELOG.rst`` with a section for every release in it (what
  ``antsibull-changelog release`` writes, see docs/maintainers/release.md).

Usage: ``python check_release_files.py TARBALL`` (the build-import session runs it); exit status 1
and one line per problem when something is missing.
"""

from __future__ import annotations

import re
import sys
import tarfile
from typing import Dict, List, Optional

import yaml

LICENSE_FILES = ("COPYING", "LICENSES/GPL-3.0-or-later.txt")
# The first lines and the last paragraph's opening of the GPL v3 text: a stub or a summary fails.
GPL_MARKERS = (
    "GNU GENERAL PUBLIC LICENSE",
    "Version 3, 29 June 2007",
    "TERMS AND CONDITIONS",
    "END OF TERMS AND CONDITIONS",
    "How to Apply These Terms to Your New Programs",
)
UNWANTED = re.compile(
    r"(^|/)(\.venv[^/]*|venv|\.nox|\.tox|\.git|\.github|\.ci|\.cache|\.ansible|__pycache__|\.pytest_cache|\.hypothesis"
    r"|\.mypy_cache|\.ruff_cache|build|dist|output)(/|$)|\.py[co]$|\.tar\.gz$"
    r"|(^|/)(Makefile|noxfile\.py|antsibull-nox\.toml|ruff\.toml|\.yamllint|\.ansible-lint|\.gitignore)$"
)
CHANGELOG_DATA = "changelogs/changelog.yaml"
CHANGELOG_RENDERED = "CHANGELOG.rst"
RELEASE_HINT = "run antsibull-changelog release (docs/maintainers/release.md)"


def read_members(tarball: str) -> Dict[str, str]:
    """Text of every regular file of the tarball, keyed by its path without a leading ``./``."""
    members = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    members[member.name.removeprefix("./")] = handle.read().decode("utf-8", errors="replace")
    return members


def unwanted_problems(names: List[str]) -> List[str]:
    unwanted = [name for name in names if UNWANTED.search(name.removeprefix("./"))]
    if not unwanted:
        return []
    return ["files that are not part of the product (fix build_ignore in galaxy.yml): %s" % ", ".join(unwanted)]


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("-")[0].split("."))


def license_problems(members: Dict[str, str]) -> List[str]:
    problems = []
    for name in LICENSE_FILES:
        text = members.get(name)
        if text is None:
            problems.append("%s is missing: it must hold the full GNU GPL v3 text" % name)
            continue
        missing = [marker for marker in GPL_MARKERS if marker not in text]
        if missing:
            problems.append(
                "%s is not the full GNU GPL v3 text (lacks %s)" % (name, ", ".join(repr(m) for m in missing))
            )
    return problems


def changelog_problems(members: Dict[str, str], galaxy_version: Optional[str]) -> List[str]:
    data_text = members.get(CHANGELOG_DATA)
    if data_text is None:
        return ["%s is missing" % CHANGELOG_DATA]
    releases = (yaml.safe_load(data_text) or {}).get("releases") or {}
    if not releases:
        return ["%s holds no release: %s" % (CHANGELOG_DATA, RELEASE_HINT)]
    rendered = members.get(CHANGELOG_RENDERED)
    if rendered is None:
        return ["%s is missing: %s" % (CHANGELOG_RENDERED, RELEASE_HINT)]
    problems = []
    rendered_lines = {line.strip() for line in rendered.splitlines()}
    for version in sorted(releases, key=_version_key):
        if "v%s" % version not in rendered_lines:
            problems.append("%s has no section for release %s: %s" % (CHANGELOG_RENDERED, version, RELEASE_HINT))
    newest = max(releases, key=_version_key)
    if galaxy_version and _version_key(newest) > _version_key(galaxy_version):
        problems.append(
            "%s has release %s, newer than galaxy.yml's version %s" % (CHANGELOG_DATA, newest, galaxy_version)
        )
    return problems


def problems_of(tarball: str) -> List[str]:
    with tarfile.open(tarball, "r:gz") as archive:
        names = archive.getnames()
    members = read_members(tarball)
    manifest = members.get("MANIFEST.json")
    galaxy_version = None
    if manifest is not None:
        galaxy_version = yaml.safe_load(manifest).get("collection_info", {}).get("version")
    return unwanted_problems(names) + license_problems(members) + changelog_problems(members, galaxy_version)


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print("usage: check_release_files.py TARBALL")
        return 2
    problems = problems_of(argv[1])
    for problem in problems:
        print("release files: %s" % problem)
    if not problems:
        print("release files: %s holds no unwanted file, its license text and rendered changelog" % argv[1])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
