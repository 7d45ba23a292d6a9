# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mutation script's own rules: the speed-only list, the file choice, the survivors' format."""

from __future__ import annotations

import pytest

import mutation


def test_every_speed_only_entry_names_a_target_file_and_gives_a_reason():
    exclusions = mutation.read_exclusions(mutation.EXCLUSIONS)
    assert exclusions
    for (file, function, original, mutated), reason in exclusions.items():
        assert file in mutation.PURE_FILES
        assert function and original != mutated and reason


def test_an_entry_without_a_reason_is_refused(tmp_path):
    listing = tmp_path / "speed_only.txt"
    listing.write_text("# comment\n\n_rowids.py || f || a = 1 || a = 2 || \n", encoding="utf-8")
    with pytest.raises(
        SystemExit, match=r"speed_only.txt:3: expected 'FILE \|\| function \|\| original \|\| mutated \|\| reason'"
    ):
        mutation.read_exclusions(listing)


def test_only_the_pure_domain_files_can_be_chosen(capsys):
    assert mutation.parse_args(["_rowids.py", "--max-mutants", "5"]).files == ["_rowids.py"]
    assert mutation.parse_args(["_selectors", "_rowids"]).files == ["_selectors.py", "_rowids.py"]
    with pytest.raises(SystemExit):
        mutation.parse_args(["_client.py"])
    assert "not a pure domain file: _client.py" in capsys.readouterr().err


def test_a_pure_file_that_does_not_exist_is_skipped_unless_named(capsys, monkeypatch):
    monkeypatch.setattr(mutation, "PURE_FILES", ("_rowids.py", "_no_such_file.py"))
    assert mutation.parse_args([]).files == ["_rowids.py"]
    assert "not in plugins/module_utils, so not mutated: _no_such_file.py" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        mutation.parse_args(["_no_such_file"])
    assert "no such file in plugins/module_utils: _no_such_file.py" in capsys.readouterr().err


def test_every_pure_file_that_exists_has_its_own_unit_tests():
    tests_dir = mutation.REPO_ROOT / mutation.UNIT_TESTS
    for file in mutation.parse_args([]).files:
        assert mutation.tests_of(file, tests_dir)


def test_the_own_tests_are_test__name_plus_those_of_the_callers(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "ALSO_TESTED_BY", {"_values.py": ("_reconcile.py", "_selectors.py")})
    for name in ("test__values.py", "test__reconcile.py", "test_reconcile.py", "test_rowids.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert mutation.tests_of("_values.py", tmp_path) == ["test__values.py", "test__reconcile.py"]
    (tmp_path / "test__values.py").unlink()
    assert mutation.tests_of("_values.py", tmp_path) == ["test__reconcile.py"]
    with pytest.raises(SystemExit, match="_rowids.py: no unit test file test__rowids.py in"):
        mutation.tests_of("_rowids.py", tmp_path)


def test_the_tests_run_fastest_first_and_unknown_ones_first_of_all():
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    items = [Item("slow"), Item("new"), Item("quick")]
    mutation._FastestFirst({"slow": 9.0, "quick": 0.1}).pytest_collection_modifyitems(items)
    assert [item.nodeid for item in items] == ["new", "quick", "slow"]


def test_survivors_are_written_as_speed_only_entries_to_fill_in(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "REPO_ROOT", tmp_path)
    survivor = mutation.Mutant("_rowids.py", "f", 7, "a = 1", "a = 2", "")
    path = mutation.write_survivors("_rowids.py", [survivor])
    assert path.read_text(encoding="utf-8") == "_rowids.py || f || a = 1 || a = 2 || REASON (line 7)\n"
    assert survivor.describe() == "_rowids.py:7: a = 1  =>  a = 2"


def test_a_mutant_is_keyed_by_the_function_it_changes():
    source = "class A:\n    def __init__(self):\n        self.pos = 0\n\n    def more(self):\n        self.pos = 0\n"
    lines = source.splitlines()
    assert [mutation._enclosing_function(lines, index) for index in (2, 5)] == ["__init__", "more"]
    assert mutation._enclosing_function(["X = 1"], 0) == "<module>"
