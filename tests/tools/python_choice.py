# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which installed Python each session runs on: the matrix's pick when it is there, else one that serves.

Pure functions (``plan_target``, ``plan_edges``, ``pick_tool_python``) decide from the versions found
and the full-matrix flag; ``installed_pythons`` finds the versions, the way nox does (``python3.X`` on
PATH), and runs each one once, so that a pyenv shim without that version does not count.
With ``full_matrix`` (``CI=true``) nothing is substituted: a missing Python is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field

# Controller and module (target) Pythons of each ansible-core minor: ansible-test's
# CONTROLLER_PYTHON_VERSIONS and REMOTE_ONLY_PYTHON_VERSIONS (ansible_test/_util/target/common/constants.py);
# the controller range starts at the Requires-Python of the ansible-core wheel.
CONTROLLER_PYTHONS = {
    "2.16": ("3.10", "3.11", "3.12"),
    "2.17": ("3.10", "3.11", "3.12"),
    "2.18": ("3.11", "3.12", "3.13"),
    "2.19": ("3.11", "3.12", "3.13"),
    "2.20": ("3.12", "3.13", "3.14"),
}
MODULE_PYTHONS = {
    "2.16": ("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12"),
    "2.17": ("3.7", "3.8", "3.9", "3.10", "3.11", "3.12"),
    "2.18": ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13"),
    "2.19": ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13"),
    "2.20": ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14"),
}
# the module Pythons the collection claims (tests/config.yml)
CLAIMED_MODULE_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
# the Pythons looked for on PATH
CANDIDATES = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
ALL = "all"


def minor(version: str) -> int:
    return int(version.split(".")[1])


def span(versions) -> str:
    """'3.10-3.12' for consecutive versions, '3.9,3.11' for others, '3.12' for one."""
    ordered = sorted(versions, key=minor)
    if len(ordered) > 1 and minor(ordered[-1]) - minor(ordered[0]) == len(ordered) - 1:
        return "%s-%s" % (ordered[0], ordered[-1])
    return ",".join(ordered)


def expand(label: str) -> list[str]:
    """The versions of a span() label ('3.9-3.11' -> 3.9, 3.10, 3.11; '3.9,3.12' -> 3.9, 3.12)."""
    versions = []
    for part in label.split(","):
        first, dummy, last = part.partition("-")
        if not first:
            continue
        versions.extend("3.%d" % number for number in range(minor(first), minor(last or first) + 1))
    return versions


def pick(preferred: str, allowed, installed) -> str | None:
    """The preferred version when installed, else the installed allowed one nearest to it (newer on a tie)."""
    if preferred in installed:
        return preferred
    usable = [version for version in allowed if version in installed]
    if not usable:
        return None
    return min(usable, key=lambda version: (abs(minor(version) - minor(preferred)), -minor(version)))


@dataclass(frozen=True)
class Target:
    """One ansible-core minor as the matrix wants it: controller Python, sanity Python, units Pythons."""

    core: str
    controller: str
    sanity_python: str
    units_pythons: tuple = ()  # one version, or ALL: every claimed module Python the core supports


@dataclass
class Plan:
    """What a Target's sessions run on here; ``problem`` set means they cannot run (skip, or fail in CI)."""

    core: str
    controller: str
    sanity_python: str = ""
    units_pythons: list = field(default_factory=list)  # empty: every module Python found (ansible-test's default)
    units_label: str = ""
    problem: str = ""
    substituted: bool = False


def _module_choices(core: str) -> tuple:
    return tuple(version for version in CLAIMED_MODULE_PYTHONS if version in MODULE_PYTHONS[core])


def _expected_units(target: Target) -> tuple:
    """(units_pythons for ansible-test, label) as the matrix names them."""
    if target.units_pythons == (ALL,):
        return [], span(_module_choices(target.core))
    return list(target.units_pythons), target.units_pythons[0]


def _plan_full(target: Target, installed) -> Plan:
    """The matrix as it stands: every Python it names must be installed."""
    units, label = _expected_units(target)
    wanted = {target.controller, target.sanity_python}
    wanted.update(_module_choices(target.core) if target.units_pythons == (ALL,) else target.units_pythons)
    missing = sorted((version for version in wanted if version not in installed), key=minor)
    plan = Plan(target.core, target.controller, target.sanity_python, units, label)
    if missing:
        plan.problem = "needs Python %s, not found (CI=true requires the full matrix)" % ", ".join(missing)
    return plan


def _unavailable(target: Target, problem: str) -> Plan:
    """The matrix's picks (for the session's description) with the reason they cannot run here."""
    units, label = _expected_units(target)
    return Plan(target.core, target.controller, target.sanity_python, units, label, problem=problem)


def plan_target(target: Target, installed, full_matrix: bool) -> Plan:
    """Controller and module Pythons for one ansible-core minor from the installed versions."""
    if full_matrix:
        return _plan_full(target, installed)
    controllers = CONTROLLER_PYTHONS[target.core]
    controller = pick(target.controller, controllers, installed)
    if controller is None:
        return _unavailable(target, "needs Python %s, none found" % span(controllers))
    modules = _module_choices(target.core)
    sanity = pick(target.sanity_python, modules, installed)
    if sanity is None:
        return _unavailable(target, "needs a module Python %s, none found" % span(modules))
    if target.units_pythons == (ALL,):
        found = [version for version in modules if version in installed]
        units, label = [], span(found)
    else:
        chosen = pick(target.units_pythons[0], modules, installed)
        units, label = [chosen], chosen
    substituted = (controller, sanity, label) != (target.controller, target.sanity_python, _expected_units(target)[1])
    return Plan(target.core, controller, sanity, units, label, substituted=substituted)


def plan_edges(plans: list, full_matrix: bool) -> tuple:
    """The oldest and the newest ansible-core that can run here (the end-to-end suites run on those two);
    the matrix's own ends under the full matrix or when none can run, so that they report why."""
    runnable = [plan for plan in plans if not plan.problem]
    if full_matrix or not runnable:
        return plans[0], plans[-1]
    return runnable[0], runnable[-1]


def pick_tool_python(preferred: str, installed, full_matrix: bool) -> tuple:
    """(python, problem) for a session that only needs some controller Python (build, changelog, EE)."""
    if full_matrix or preferred in installed:
        return preferred, "" if preferred in installed else "needs Python %s, not found" % preferred
    allowed = sorted({version for versions in CONTROLLER_PYTHONS.values() for version in versions}, key=minor)
    chosen = pick(preferred, allowed, installed)
    if chosen is None:
        return preferred, "needs Python %s, none found" % span(allowed)
    return chosen, ""


def _reports_version(executable: str, version: str) -> bool:
    try:
        done = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def installed_pythons(path: str | None = None) -> set:
    """The CANDIDATES that run as ``python3.X`` from PATH (what nox and ansible-test look for)."""
    search = os.environ.get("PATH", "") if path is None else path
    found = set()
    for version in CANDIDATES:
        executable = shutil.which("python%s" % version, path=search)
        if executable and _reports_version(executable, version):
            found.add(version)
    return found


def full_matrix_required(environ) -> bool:
    """FULL_MATRIX (set by make test from the caller's CI) wins; else CI=true, as GitHub Actions sets it."""
    value = environ.get("FULL_MATRIX")
    if value is None:
        value = environ.get("CI", "")
    return value.strip().lower() in ("true", "1", "yes")
