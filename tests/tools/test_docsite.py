# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docsite check's reading of a rendered page (the browser part runs in the docsite session)."""

from __future__ import annotations

import zlib

from docsite import page_problems, parse, write_inventory

PLUGIN_PAGE = """<html><head><title>x module</title></head><body>
<a href="/">home</a> <a href="https://docs.ansible.com/x.html">Ansible</a> <a href="mailto:a@b">mail</a>
<section id="top"><h1>ozonetel.cloudagent.x module<a class="headerlink" href="#top">\uf0c1</a></h1>
<section id="parameters"><table class="longtable ansible-option-table docutils"><tr><td>p</td></tr></table>
<a href="#parameters">here</a> <a href="other.html#there">other</a> %s</section>
<section id="examples"><div><pre>- name: run it</pre></div></section>
</section></body></html>"""


def site(tmp_path, extra_link=""):
    (tmp_path / "index.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "other.html").write_text('<html><p id="there">x</p></html>', encoding="utf-8")
    page_path = tmp_path / "page.html"
    page_path.write_text(PLUGIN_PAGE % extra_link, encoding="utf-8")
    return page_path


def problems_of(tmp_path, html, kind="plugin", extra_link=""):
    page_path = site(tmp_path, extra_link)

    def ids_of(path):
        return parse(path.read_text(encoding="utf-8")).ids

    return page_problems(kind, parse(html), page_path, tmp_path, ids_of)


def test_a_complete_plugin_page_passes(tmp_path):
    page = parse(PLUGIN_PAGE % "")
    assert page.h1 == "ozonetel.cloudagent.x module"
    assert problems_of(tmp_path, PLUGIN_PAGE % "") == []


def test_missing_file_and_missing_anchor_are_broken_links(tmp_path):
    html = PLUGIN_PAGE % '<a href="gone.html">a</a> <a href="other.html#nowhere">b</a> <a href="#nothere">c</a>'
    problems = problems_of(tmp_path, html)
    assert any(problem.startswith("broken link gone.html (no file") for problem in problems)
    assert "broken link other.html#nowhere (no anchor #nowhere)" in problems
    assert "broken link #nothere (no anchor #nothere)" in problems
    assert len(problems) == 3


def test_a_link_out_of_the_site_is_broken(tmp_path):
    problems = problems_of(tmp_path, PLUGIN_PAGE % '<a href="../../outside.html">x</a>')
    assert len(problems) == 1 and problems[0].startswith("broken link ../../outside.html")


def test_plugin_page_needs_parameter_table_and_examples(tmp_path):
    html = PLUGIN_PAGE.replace("ansible-option-table", "other").replace('id="examples"', 'id="notes"') % ""
    assert problems_of(tmp_path, html) == ["no parameter table", "no examples"]
    # a guide needs neither
    assert problems_of(tmp_path, html, kind="guide") == []


def test_examples_section_without_code_is_no_examples(tmp_path):
    html = PLUGIN_PAGE.replace("<pre>- name: run it</pre>", "<p>none</p>") % ""
    assert problems_of(tmp_path, html) == ["no examples"]


def test_page_without_title_fails(tmp_path):
    assert problems_of(tmp_path, "<html><body><p>blank</p></body></html>", kind="guide") == [
        "no title (<title>'', <h1>'')"
    ]


def test_inventory_lists_the_ansible_labels(tmp_path):
    path = tmp_path / "ansible.inv"
    write_inventory(path)
    header, dummy, compressed = path.read_bytes().partition(b"zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2\n")
    lines = zlib.decompress(compressed).decode().splitlines()
    assert (
        "common_return_values std:label -1 reference_appendices/common_return_values.html#common-return-values Return Values"
        in lines
    )
