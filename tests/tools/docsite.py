# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docsite session's two steps around antsibull-docs' build.sh (the ``docsite`` nox session runs them).

python tests/tools/docsite.py inventory FILE
    write the Sphinx inventory of the few Ansible docs labels the generated pages refer to, so that the
    build resolves them to docs.ansible.com without fetching an inventory (-W turns an unresolved one
    into an error)
python tests/tools/docsite.py check HTML_DIR --browser CHROMIUM --screenshots DIR
    open every plugin page and every guide (docs/docsite/extra-docs.yml) in headless Chromium and check
    the DOM it rendered: title, parameter table and examples on plugin pages, no link to a missing local
    file or anchor; save a screenshot of each page
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTION_DIR = Path("collections") / "ozonetel" / "cloudagent"

# label -> (page#anchor, title) in the Ansible docs; extend when a build reports an undefined label
ANSIBLE_DOCS_LABELS = {
    "ansible_configuration_settings": (
        "reference_appendices/config.html#ansible-configuration-settings",
        "Ansible Configuration Settings",
    ),
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values", "Return Values"),
}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def write_inventory(path: Path) -> None:
    lines = "".join(
        "%s std:label -1 %s %s\n" % (label, uri, title) for label, (uri, title) in sorted(ANSIBLE_DOCS_LABELS.items())
    )
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
    header += "# The remainder of this file is compressed using zlib.\n"
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))


# --- reading a rendered page ----------------------------------------------------------------------


class Page(HTMLParser):
    """What the checks need from a DOM: title, headings, tables, sections, links, ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.table_classes: list = []
        self.section_ids: set = set()
        self.ids: set = set()
        self.links: list = []
        self.pre_in_examples = 0
        self._open: list = []  # element names from the root, to know where text falls
        self._examples_depth = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in ("meta", "link", "img", "br", "hr", "input"):
            self._open.append(tag)
        for key in ("id", "name"):
            if attributes.get(key):
                self.ids.add(attributes[key])
        if tag == "section" and attributes.get("id"):
            self.section_ids.add(attributes["id"])
            if attributes["id"] == "examples":
                self._examples_depth = len(self._open)
        if tag == "table":
            self.table_classes.append(attributes.get("class") or "")
        if tag == "a" and attributes.get("href") is not None:
            self.links.append(attributes["href"])
        if tag == "pre" and self._examples_depth is not None:
            self.pre_in_examples += 1

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass
        if self._examples_depth is not None and len(self._open) < self._examples_depth:
            self._examples_depth = None

    def handle_data(self, data):
        if "title" in self._open:
            self.title += data
        if "h1" in self._open:
            self.h1 += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    page.title, page.h1 = (
        " ".join(page.title.split()),
        " ".join(page.h1.split()).rstrip("¶\uf0c1").strip(),
    )  # the headerlink glyph
    return page


def local_target(page_path: Path, href: str, root: Path):
    """(file, anchor) a link points to inside the site, or None for another site or scheme."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("mailto:"):
        return None
    if not parts.path:
        target = page_path
    elif parts.path.startswith("/"):  # the theme's links to the site's root, as served from a web server
        target = (root / unquote(parts.path).lstrip("/")).resolve()
    else:
        target = (page_path.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    if root.resolve() not in (target, *target.parents):
        return target, None  # outside the site: reported as missing
    return target, unquote(parts.fragment) or None


def page_problems(kind: str, page: Page, page_path: Path, root: Path, ids_of) -> list:
    """What is wrong with one rendered page; ``ids_of(path)`` gives the ids of another local page."""
    problems = []
    if not page.title or not page.h1:
        problems.append("no title (<title>%r, <h1>%r)" % (page.title, page.h1))
    if kind == "plugin":
        if not any("ansible-option-table" in classes for classes in page.table_classes):
            problems.append("no parameter table")
        if "examples" not in page.section_ids or not page.pre_in_examples:
            problems.append("no examples")
    for href in page.links:
        target = local_target(page_path, href, root)
        if target is None:
            continue
        path, anchor = target
        if not path.is_file():
            problems.append("broken link %s (no file %s)" % (href, path))
        elif anchor and path.suffix == ".html" and anchor not in (page.ids if path == page_path else ids_of(path)):
            problems.append("broken link %s (no anchor #%s)" % (href, anchor))
    return problems


# --- the browser ------------------------------------------------------------------------------------


def pages_to_check(root: Path) -> list:
    """(kind, path) of every plugin page and every guide of extra-docs.yml."""
    import yaml  # ansible-core's dependency, in the session's venv

    collection = root / COLLECTION_DIR
    plugins = sorted(collection.glob("*_module.html")) + sorted(collection.glob("*_lookup.html"))
    extra = yaml.safe_load((REPO_ROOT / "docs" / "docsite" / "extra-docs.yml").read_text(encoding="utf-8"))
    guides = [name for section in extra["sections"] for name in section["toctree"]]
    return [("plugin", path) for path in plugins] + [
        ("guide", collection / "docsite" / ("%s.html" % name)) for name in guides
    ]


def chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, "--user-data-dir=%s" % profile, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def check_site(root: Path, browser: str, screenshots: Path) -> int:
    screenshots.mkdir(parents=True, exist_ok=True)
    cache: dict = {}

    def ids_of(path: Path) -> set:
        if path not in cache:
            cache[path] = parse(path.read_text(encoding="utf-8", errors="replace")).ids
        return cache[path]

    failures = 0
    pages = pages_to_check(root)
    if not any(kind == "plugin" for kind, dummy in pages):
        print("no plugin page in %s" % root)
        return 1
    with tempfile.TemporaryDirectory() as profile:
        for kind, path in pages:
            name = path.relative_to(root)
            if not path.is_file():
                print("FAILED %s: not built" % name)
                failures += 1
                continue
            dumped = chromium(browser, Path(profile), "--dump-dom", path.as_uri())
            shot = screenshots / ("%s.png" % path.stem)
            chromium(browser, Path(profile), "--window-size=1280,1600", "--screenshot=%s" % shot, path.as_uri())
            page = parse(dumped.stdout)
            problems = page_problems(kind, page, path, root, ids_of)
            if dumped.returncode != 0 or not dumped.stdout.strip():
                problems.insert(0, "chromium exited %d: %s" % (dumped.returncode, dumped.stderr.strip()[-300:]))
            if not shot.is_file():
                problems.append("no screenshot")
            if problems:
                failures += 1
                print("FAILED %s %s:\n  %s" % (kind, name, "\n  ".join(problems)))
            else:
                print("ok %s %s: %r, %d links, screenshot %s" % (kind, name, page.h1, len(page.links), shot.name))
    print("%d of %d pages rendered as expected" % (len(pages) - failures, len(pages)))
    return 1 if failures else 0


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    inventory = commands.add_parser("inventory")
    inventory.add_argument("file", type=Path)
    check = commands.add_parser("check")
    check.add_argument("html", type=Path)
    check.add_argument("--browser", required=True)
    check.add_argument("--screenshots", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "inventory":
        write_inventory(args.file)
        return 0
    return check_site(args.html, args.browser, args.screenshots)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
