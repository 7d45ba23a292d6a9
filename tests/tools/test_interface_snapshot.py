# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The interface check's rules: what breaks playbooks fails without a major version, additions pass."""

from __future__ import annotations

import copy

import pytest

from interface_snapshot import reduce_plugin, verdict

MODULE = "ozonetel.cloudagent.example"
ANSIBLE_DOC = {
    "doc": {
        "options": {
            "state": {"type": "str", "choices": ["absent", "present"], "default": "absent"},
            "api_key": {"type": "str", "required": True, "aliases": ["key"]},
            "validate_certs": {"type": "bool", "default": False, "required": False},
            "campaign_name": {"description": "no type: ansible's default is str"},
            "proxy": {"type": "dict", "suboptions": {"url": {"type": "str"}}},
        }
    },
    "return": {"batches": {"type": "list", "elements": "dict", "contains": {"status": {"type": "str"}}}},
}


def snapshot_of(doc=None, version="1.0.0"):
    return {"version": version, "plugins": {MODULE: reduce_plugin("module", doc or ANSIBLE_DOC)}}


def changed(edit):
    doc = copy.deepcopy(ANSIBLE_DOC)
    edit(doc)
    return {MODULE: reduce_plugin("module", doc)}


def test_reduction_keeps_the_interface_fields_only():
    options = snapshot_of()["plugins"][MODULE]["options"]
    assert options["campaign_name"] == {"type": "str"}
    assert options["validate_certs"] == {"type": "bool", "default": False}
    assert options["api_key"] == {"type": "str", "required": True, "aliases": ["key"]}
    assert options["proxy"]["suboptions"] == {"url": {"type": "str"}}


def test_unchanged_interface_passes():
    passed, lines = verdict(snapshot_of(), snapshot_of()["plugins"], "1.0.1")
    assert passed and lines == ["public interface unchanged since the snapshot of 1.0.0"]


BREAKING = {
    "option removed": (lambda doc: doc["doc"]["options"].pop("state"), "option state was removed"),
    "type changed": (
        lambda doc: doc["doc"]["options"]["validate_certs"].update(type="str"),
        "validate_certs: type changed from 'bool' to 'str'",
    ),
    "choice removed": (
        lambda doc: doc["doc"]["options"]["state"].update(choices=["absent"]),
        "state: choices present removed",
    ),
    "default changed": (
        lambda doc: doc["doc"]["options"]["validate_certs"].update(default=True),
        "validate_certs: default changed from False to True",
    ),
    "alias removed": (lambda doc: doc["doc"]["options"]["api_key"].pop("aliases"), "api_key: aliases key removed"),
    "became required": (
        lambda doc: doc["doc"]["options"]["campaign_name"].update(required=True),
        "campaign_name became required",
    ),
    "new required option": (
        lambda doc: doc["doc"]["options"].update(token={"type": "str", "required": True}),
        "option token is new and required",
    ),
    "suboption removed": (
        lambda doc: doc["doc"]["options"]["proxy"]["suboptions"].pop("url"),
        "option proxy option url was removed",
    ),
    "return key removed": (lambda doc: doc["return"].pop("batches"), "return batches was removed"),
    "nested return type changed": (
        lambda doc: doc["return"]["batches"]["contains"]["status"].update(type="int"),
        "return batches return status: type changed from 'str' to 'int'",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_breaking_change_fails_without_a_major_version(case):
    edit, message = BREAKING[case]
    passed, lines = verdict(snapshot_of(), changed(edit), "1.1.0")
    assert not passed
    assert any(line.startswith("  BREAKING ") and message in line for line in lines), lines


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_breaking_change_passes_with_a_major_version(case):
    edit, dummy = BREAKING[case]
    passed, lines = verdict(snapshot_of(), changed(edit), "2.0.0")
    assert passed
    assert any("make interface-snapshot" in line for line in lines)


def test_a_removed_plugin_fails():
    passed, lines = verdict(snapshot_of(), {}, "1.1.0")
    assert not passed and "  BREAKING module %s was removed" % MODULE in lines


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda doc: doc["doc"]["options"].update(limit={"type": "int"}), "option limit was added"),
        (
            lambda doc: doc["doc"]["options"].update(summary={"type": "bool", "required": True, "default": False}),
            "option summary was added",
        ),
        (lambda doc: doc["doc"]["options"]["state"].update(choices=["absent", "present", "x"]), "choices x added"),
        (lambda doc: doc["return"].update(summary={"type": "dict"}), "return summary was added"),
    ],
)
def test_additions_pass_and_ask_for_a_snapshot_update(edit, message):
    passed, lines = verdict(snapshot_of(), changed(edit), "1.0.0")
    assert passed
    assert any(line.startswith("  added ") and message in line for line in lines), lines
    assert lines[-1].startswith("additions are compatible; run `make interface-snapshot`")
