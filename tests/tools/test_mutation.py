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
        assert file in mutation.TARGETS
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
    with pytest.raises(SystemExit):
        mutation.parse_args(["_client.py"])
    assert "not a pure domain file: _client.py" in capsys.readouterr().err


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
