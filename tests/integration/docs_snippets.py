# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find the YAML snippets of the documentation and turn each into a playbook the docs-snippets session runs.

Sources: every ``yaml``/``yaml+jinja`` code block of README.md and docs/docsite/rst/*.rst, and every
playbook file under docs/examples and docs/awx. A block that cannot run as-is carries a marker on the
line before it (blank lines between are allowed)::

    .. docs-test: skip -- <reason>          (rst)
    <!-- docs-test: skip -- <reason> -->    (markdown)

``.. docs-test: vars -- name=value ...`` (or the markdown twin) passes extra vars to the snippet.

Run as a script, it checks the markers and prints what it found (the docs-snippets session does so first).
"""

from __future__ import annotations

import datetime
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
YAML_LANGUAGES = ("yaml", "yaml+jinja")
RST_BLOCK = re.compile(r"^(?P<indent>\s*)\.\. code-block::\s*(?P<language>\S+)\s*$")
RST_MARKER = re.compile(r"^\s*\.\. docs-test:\s*(?P<kind>\S+)\s*(?:--\s*(?P<value>.*?))?\s*$")
MD_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>[^\s`]*)\s*$")
MD_MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<kind>\S+)\s*(?:--\s*(?P<value>.*?))?\s*-->\s*$")
# Extra vars of documentation files that cannot carry a marker (a job template's survey answers).
_TOMORROW = (datetime.datetime.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%d 10:30")
FILE_EXTRA_VARS = {
    "docs/awx/delete_scheduled_data.yml": {"row_ids": "1-10"},
    "docs/awx/schedule_campaign_data.yml": {
        "campaign_name": "spring_offer",
        "rows": [{"phone_number": "9876500001", "scheduled_time": _TOMORROW, "name": "Docs snippet"}],
    },
}
PLAY_KEYWORDS = {"module_defaults", "vars", "environment", "collections", "gather_facts", "hosts"}
# Tasks that exercise a play-keyword fragment (e.g. a documented module_defaults), using the pattern
# the guides document: one token per run through set_fact, then a module of the action group.
FRAGMENT_TASKS = [
    {
        "name": "Get one CloudAgent API token for this run",
        "ansible.builtin.set_fact": {"cloudagent_token": "{{ lookup('ozonetel.cloudagent.ozonetel_token') }}"},
        "run_once": True,
        "no_log": True,
    },
    {"name": "Read the scheduled data", "ozonetel.cloudagent.ozonetel_schedule_data_info": {}},
]


class MarkerError(ValueError):
    """A docs-test marker is malformed or stands where no code block follows."""


@dataclass
class Snippet:
    """One YAML block of the docs (or one playbook file) and what the test does with it."""

    source: str
    line: int
    language: str
    text: str
    skip_reason: Optional[str] = None
    extra_vars: Dict[str, object] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        return "%s:%d" % (self.source, self.line)

    def playbook(self) -> str:
        """The snippet as a playbook: plays as written, tasks inside a play, play keywords around FRAGMENT_TASKS."""
        data = yaml.safe_load(self.text)
        local_play = {
            "name": "docs snippet %s" % self.ident,
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
        }
        if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
            if all("hosts" in item for item in data):
                return self.text
            if not any("hosts" in item for item in data):
                return yaml.safe_dump([dict(local_play, tasks=data)], sort_keys=False)
        if isinstance(data, dict) and data and set(data) <= PLAY_KEYWORDS:
            return yaml.safe_dump([dict(local_play, **data, tasks=FRAGMENT_TASKS)], sort_keys=False)
        raise MarkerError(
            "%s: neither plays, tasks nor play keywords: run it or mark it 'docs-test: skip -- <reason>'" % self.ident
        )


def _apply_marker(kind: str, value: Optional[str], where: str, pending: dict) -> None:
    if kind == "skip":
        if not value:
            raise MarkerError("%s: 'docs-test: skip' needs a reason: 'docs-test: skip -- <reason>'" % where)
        pending["skip_reason"] = value
    elif kind == "vars":
        pairs = (value or "").split()
        if not pairs or not all("=" in pair for pair in pairs):
            raise MarkerError("%s: 'docs-test: vars' needs name=value pairs, got %r" % (where, value))
        pending["extra_vars"] = dict(pair.split("=", 1) for pair in pairs)
    else:
        raise MarkerError("%s: unknown docs-test marker %r (known: skip, vars)" % (where, kind))


def _rst_block_text(lines: List[str], start: int, indent: str) -> str:
    """The indented body of the directive at ``start``, options (``:caption:``) left out."""
    body = []
    index = start + 1
    while index < len(lines) and (
        not lines[index].strip() or lines[index].startswith(indent + " ") or lines[index].startswith(indent + "\t")
    ):
        body.append(lines[index])
        index += 1
    while body and body[0].strip().startswith(":"):
        body.pop(0)
    text = "\n".join(body).strip("\n")
    margin = min((len(line) - len(line.lstrip()) for line in text.splitlines() if line.strip()), default=0)
    return "\n".join(line[margin:] for line in text.splitlines()) + "\n"


def _md_block_text(lines: List[str], start: int, indent: str) -> str:
    body = []
    for line in lines[start + 1 :]:
        if line.strip() == "```":
            break
        body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    return "\n".join(body) + "\n"


def snippets_of(path: Path) -> List[Snippet]:
    """Every code block of an rst or markdown file (all languages; markers attached), in order."""
    relative = str(path.relative_to(REPO_ROOT))
    markdown = path.suffix == ".md"
    block_re, marker_re = (MD_FENCE, MD_MARKER) if markdown else (RST_BLOCK, RST_MARKER)
    lines = path.read_text(encoding="utf-8").splitlines()
    found, pending = [], {}
    pending_line = 0
    in_fence = False
    for number, line in enumerate(lines, start=1):
        if markdown and in_fence:
            in_fence = line.strip() != "```"
            continue
        marker = marker_re.match(line)
        block = block_re.match(line)
        if marker:
            _apply_marker(marker.group("kind"), marker.group("value"), "%s:%d" % (relative, number), pending)
            pending_line = number
        elif block and (not markdown or block.group("language")):
            text = (_md_block_text if markdown else _rst_block_text)(lines, number - 1, block.group("indent"))
            found.append(Snippet(relative, number, block.group("language"), text, **pending))
            pending, pending_line = {}, 0
            in_fence = markdown
        elif line.strip() and pending_line:
            raise MarkerError(
                "%s:%d: a docs-test marker must stand right before a code block" % (relative, pending_line)
            )
    if pending_line:
        raise MarkerError("%s:%d: a docs-test marker must stand right before a code block" % (relative, pending_line))
    return found


def documentation_files() -> List[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs" / "docsite" / "rst").glob("*.rst"))]


def playbook_files() -> List[Snippet]:
    """The playbooks under docs/examples and docs/awx (files whose top level is a list of plays)."""
    found = []
    for path in sorted([*(REPO_ROOT / "docs" / "examples").glob("*.yml"), *(REPO_ROOT / "docs" / "awx").glob("*.yml")]):
        relative = str(path.relative_to(REPO_ROOT))
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if isinstance(data, list) and all(isinstance(play, dict) and "hosts" in play for play in data):
            found.append(Snippet(relative, 1, "yaml", text, extra_vars=FILE_EXTRA_VARS.get(relative, {})))
    return found


def yaml_snippets() -> List[Snippet]:
    """Every YAML snippet of the docs plus the documented playbook files, skipped ones included."""
    blocks = [
        snippet for path in documentation_files() for snippet in snippets_of(path) if snippet.language in YAML_LANGUAGES
    ]
    return blocks + playbook_files()


def main() -> int:
    try:
        snippets = yaml_snippets()
        for snippet in snippets:
            if not snippet.skip_reason:
                snippet.playbook()
    except MarkerError as error:
        print("docs snippets: %s" % error)
        return 1
    skipped = [snippet for snippet in snippets if snippet.skip_reason]
    print(
        "docs snippets: %d YAML snippets, %d run, %d skipped"
        % (len(snippets), len(snippets) - len(skipped), len(skipped))
    )
    for snippet in snippets:
        outcome = (
            "skip %s -- %s" % (snippet.ident, snippet.skip_reason) if snippet.skip_reason else "run  " + snippet.ident
        )
        print("  " + outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
