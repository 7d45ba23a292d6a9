# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docs as tests: every YAML snippet of README.md, the guides, docs/examples and docs/awx runs against the emulator.

Each snippet gets the same documented setup a reader has after the getting-started guide: the
OZONETEL_* environment variables of demo_user (``ansible_env``), a token cache of its own, and
scheduled rows: 1-50 pending and 51-60 already dialled in campaign ``spring_offer``, 61-100 in
``demo_campaign``. Snippets marked ``docs-test: skip -- <reason>`` are reported as skipped with it.
"""

from __future__ import annotations

import pytest
from cloudagent_harness.layout import DEMO_USER
from docs_snippets import MarkerError, yaml_snippets

SNIPPETS = yaml_snippets()


def seed_documented_rows(emulator) -> None:
    emulator.seed(DEMO_USER, spec="1-50", campaign_name="spring_offer")
    emulator.seed(DEMO_USER, spec="51-60", campaign_name="spring_offer", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="61-100")


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet.ident for snippet in SNIPPETS])
def test_docs_snippet_runs_against_the_emulator(snippet, emulator, run_playbook):
    if snippet.skip_reason:
        pytest.skip(snippet.skip_reason)
    seed_documented_rows(emulator)
    result = run_playbook(snippet.playbook(), extravars=snippet.extra_vars or None)
    assert result.rc == 0, "%s failed:\n%s" % (snippet.ident, result)
    stats = result.stats.get("localhost", {})
    assert stats.get("failures", 0) == 0 and stats.get("ok", 0) > 0, "%s ran no task:\n%s" % (snippet.ident, result)


def test_docs_skip_markers_are_well_formed(tmp_path, monkeypatch):
    import docs_snippets  # pylint: disable=import-outside-toplevel

    page = tmp_path / "docs" / "docsite" / "rst" / "guide_x.rst"
    page.parent.mkdir(parents=True)
    page.write_text(".. docs-test: skip --\n.. code-block:: yaml\n\n  a: 1\n", encoding="utf-8")
    monkeypatch.setattr(docs_snippets, "REPO_ROOT", tmp_path)
    with pytest.raises(MarkerError, match="needs a reason"):
        docs_snippets.snippets_of(page)


def test_docs_snippets_are_found():
    run = [snippet for snippet in SNIPPETS if not snippet.skip_reason]
    assert any(snippet.source == "README.md" for snippet in run)
    assert any(snippet.source.endswith("guide_getting_started.rst") for snippet in run)
