# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The redaction-site check's own rules: which calls are sites, and what removing one leaves."""

from __future__ import annotations

import ast
from pathlib import Path

import redaction_sites

SAMPLE = '''class Client:
    @_masking_errors
    def call(self, text):
        shown = self._redact("é " + text)
        answer = read_answer(200, {}, text, "what", redact=self._redact)
        return mask_value(
            [shown, answer],
            self.secrets,
        )

    def other(self, text):
        return text.upper()
'''


def removals():
    sites = redaction_sites.find_sites(SAMPLE, Path("sample.py"))
    return {site.describe(): redaction_sites.without(SAMPLE, site) for site in sites}


def test_calls_of_maskers_redact_arguments_and_masking_decorators_are_sites():
    assert list(removals()) == [
        "sample.py:2: decorator @_masking_errors",
        'sample.py:4: call self._redact("é " + text)',
        "sample.py:5: keyword redact=self._redact",
        "sample.py:6: call mask_value( [shown, answer], self.secrets, )",
    ]


def test_removing_a_site_leaves_what_it_would_have_masked_in_its_place():
    edited = list(removals().values())
    assert "@_masking_errors" not in edited[0] and edited[0].splitlines()[1].strip() == ""
    assert 'shown = ("é " + text)\n' in edited[1]
    assert 'redact=str)\n' in edited[2]
    assert "return ([shown, answer])\n" in edited[3]
    for text in edited:
        ast.parse(text)  # still Python
        assert text.splitlines()[-1] == "        return text.upper()"


def test_the_plugins_have_sites_in_the_client_and_the_readers():
    found = {site.describe() for site in redaction_sites.plugin_sites(redaction_sites.REPO_ROOT, [])}
    assert any(line.startswith("plugins/module_utils/_client.py:") and "@_masking_errors" in line for line in found)
    assert any(line.startswith("plugins/module_utils/_status_stream.py:") and "redact=" in line for line in found)
    only = redaction_sites.plugin_sites(redaction_sites.REPO_ROOT, ["_transport.py"])
    assert only and {site.path.name for site in only} == {"_transport.py"}


def test_the_tests_importing_the_edited_module_run_first():
    order = redaction_sites.ordered_tests(redaction_sites.REPO_ROOT, Path("plugins/module_utils/_transport.py"))
    assert order[0].endswith(".py") and "_transport" in (redaction_sites.REPO_ROOT / order[0]).read_text()
    assert len(order) == len(set(order)) > 10
