# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Python each session gets, for the machines make test meets (run by the ``tools`` session)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from python_choice import (
    ALL,
    Target,
    expand,
    full_matrix_required,
    installed_pythons,
    pick,
    pick_tool_python,
    plan_edges,
    plan_target,
    span,
)

# the matrix of noxfile.py, repeated so that this test needs neither nox nor antsibull-nox
MATRIX = [
    Target("2.16", controller="3.10", sanity_python="3.10", units_pythons=("3.10",)),
    Target("2.17", controller="3.11", sanity_python="3.11", units_pythons=("3.11",)),
    Target("2.18", controller="3.12", sanity_python="3.9", units_pythons=(ALL,)),
    Target("2.19", controller="3.13", sanity_python="3.13", units_pythons=("3.13",)),
    Target("2.20", controller="3.12", sanity_python="3.12", units_pythons=("3.12",)),
]
EVERY_PYTHON = {"3.9", "3.10", "3.11", "3.12", "3.13"}


def plans(installed, full_matrix=False):
    return {plan.core: plan for plan in (plan_target(target, installed, full_matrix) for target in MATRIX)}


def test_bare_debian_machine_runs_2_16_to_2_19_on_3_11_and_names_2_20():
    chosen = plans({"3.11"})
    for core in ("2.16", "2.17", "2.18", "2.19"):
        assert (chosen[core].controller, chosen[core].sanity_python, chosen[core].problem) == ("3.11", "3.11", "")
    assert chosen["2.16"].substituted and not chosen["2.17"].substituted
    assert chosen["2.18"].units_pythons == [] and chosen["2.18"].units_label == "3.11"
    assert chosen["2.20"].problem == "needs Python 3.12-3.14, none found"
    oldest, newest = plan_edges(list(chosen.values()), full_matrix=False)
    assert (oldest.core, newest.core) == ("2.16", "2.19")


def test_every_python_installed_gives_the_matrix_unchanged():
    chosen = plans(EVERY_PYTHON)
    for target in MATRIX:
        plan = chosen[target.core]
        assert (plan.controller, plan.sanity_python, plan.problem, plan.substituted) == (
            target.controller,
            target.sanity_python,
            "",
            False,
        )
    assert chosen["2.18"].units_label == "3.9-3.13"
    assert chosen["2.16"].units_pythons == ["3.10"]
    oldest, newest = plan_edges(list(chosen.values()), full_matrix=False)
    assert (oldest.core, newest.core) == ("2.16", "2.20")


def test_full_matrix_substitutes_nothing_and_names_each_missing_python():
    chosen = plans({"3.11"}, full_matrix=True)
    assert chosen["2.17"].problem == ""
    assert chosen["2.16"].controller == "3.10"
    assert chosen["2.16"].problem == "needs Python 3.10, not found (CI=true requires the full matrix)"
    assert chosen["2.18"].problem.startswith("needs Python 3.9, 3.10, 3.12, 3.13, not found")
    oldest, newest = plan_edges(list(chosen.values()), full_matrix=True)
    assert (oldest.core, newest.core) == ("2.16", "2.20")


def test_full_matrix_with_every_python_has_no_problem():
    assert all(not plan.problem for plan in plans(EVERY_PYTHON, full_matrix=True).values())


def test_newer_pythons_only():
    chosen = plans({"3.12", "3.13"})
    assert (chosen["2.16"].controller, chosen["2.16"].sanity_python) == ("3.12", "3.12")
    assert chosen["2.18"].units_label == "3.12-3.13"
    assert chosen["2.19"].controller == "3.13" and not chosen["2.19"].substituted
    assert not chosen["2.20"].problem


def test_only_python_3_9_serves_no_controller():
    chosen = plans({"3.9"})
    assert chosen["2.16"].problem == "needs Python 3.10-3.12, none found"
    assert chosen["2.18"].problem == "needs Python 3.11-3.13, none found"
    oldest, newest = plan_edges(list(chosen.values()), full_matrix=False)
    assert (oldest.core, newest.core) == ("2.16", "2.20")


def test_a_controller_without_a_claimed_module_python_is_named():
    assert plans({"3.14"})["2.20"].problem == "needs a module Python 3.9-3.13, none found"


@pytest.mark.parametrize(
    "preferred, installed, expected",
    [
        ("3.11", {"3.10", "3.12"}, "3.12"),  # a tie goes to the newer one
        ("3.10", {"3.12", "3.13"}, "3.12"),
        ("3.13", {"3.11"}, "3.11"),
        ("3.12", {"3.9"}, None),
    ],
)
def test_pick_takes_the_nearest_allowed_version(preferred, installed, expected):
    assert pick(preferred, ("3.10", "3.11", "3.12", "3.13"), installed) == expected


def test_tool_python():
    assert pick_tool_python("3.11", {"3.11", "3.12"}, False) == ("3.11", "")
    assert pick_tool_python("3.11", {"3.13"}, False) == ("3.13", "")
    assert pick_tool_python("3.11", {"3.9"}, False) == ("3.11", "needs Python 3.10-3.14, none found")
    assert pick_tool_python("3.11", {"3.13"}, True) == ("3.11", "needs Python 3.11, not found")


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "false"}, False),
        ({"FULL_MATRIX": "false", "CI": "true"}, False),  # make test sets CI=true for antsibull-nox
        ({"FULL_MATRIX": "true"}, True),
    ],
)
def test_full_matrix_flag(environ, expected):
    assert full_matrix_required(environ) is expected


@pytest.mark.parametrize("versions", [["3.11"], ["3.9", "3.10", "3.11"], ["3.9", "3.11", "3.12"]])
def test_span_and_expand_round_trip(versions):
    assert expand(span(versions)) == versions


def _fake_python(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_installed_pythons_counts_only_those_that_run(tmp_path):
    _fake_python(tmp_path, "python3.12", "echo 3.12")
    # a pyenv shim for a version that is not installed fails when run
    _fake_python(tmp_path, "python3.13", "echo 'pyenv: python3.13: command not found' >&2; exit 127")
    _fake_python(tmp_path, "python3.10", "echo 3.9")  # answers with another version
    assert installed_pythons(str(tmp_path)) == {"3.12"}
    assert installed_pythons(os.pathsep.join([str(tmp_path / "missing")])) == set()
