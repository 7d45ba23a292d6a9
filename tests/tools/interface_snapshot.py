# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The public interface (plugin options and return keys) against its committed snapshot.

Usage (in a venv with ansible-core; the ``interface`` nox session runs it):
    python tests/tools/interface_snapshot.py check    compare the plugins' docs with tests/interface/snapshot.json
    python tests/tools/interface_snapshot.py update   rewrite the snapshot from the plugins' docs

A removed plugin, option, alias, choice or return key, a changed type or default, an option that became
required, or a new required option breaks playbooks: the check fails unless galaxy.yml's major version is
greater than the one the snapshot records. Additions pass, with a note to update the snapshot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO_ROOT / "tests" / "interface" / "snapshot.json"
NAMESPACE, NAME = "ozonetel", "cloudagent"
PLUGIN_TYPES = ("module", "lookup")
PLUGIN_DIRS = {"module": "modules", "lookup": "lookup"}
OPTION_FIELDS = ("type", "elements", "choices", "required", "default", "aliases")
RETURN_FIELDS = ("type", "elements")


# --- reduce ansible-doc's output to the interface ---------------------------------------------------


def _set(field: str, value) -> bool:
    """Whether a documented field says something (required: false and empty lists say nothing)."""
    if field == "required":
        return bool(value)
    return value is not None and value != []


def reduce_options(options: dict) -> dict:
    reduced = {}
    for name, spec in sorted((options or {}).items()):
        entry = {field: spec[field] for field in OPTION_FIELDS if _set(field, spec.get(field))}
        entry.setdefault("type", "str")  # ansible's default option type
        if entry.get("aliases"):
            entry["aliases"] = sorted(entry["aliases"])
        if spec.get("suboptions"):
            entry["suboptions"] = reduce_options(spec["suboptions"])
        reduced[name] = entry
    return reduced


def reduce_returns(returns: dict) -> dict:
    reduced = {}
    for name, spec in sorted((returns or {}).items()):
        entry = {field: spec[field] for field in RETURN_FIELDS if spec.get(field) is not None}
        if spec.get("contains"):
            entry["contains"] = reduce_returns(spec["contains"])
        reduced[name] = entry
    return reduced


def reduce_plugin(plugin_type: str, ansible_doc: dict) -> dict:
    """One plugin's entry of ``ansible-doc --json`` -> {type, options, return}."""
    return {
        "plugin_type": plugin_type,
        "options": reduce_options(ansible_doc["doc"].get("options")),
        "return": reduce_returns(ansible_doc.get("return")),
    }


# --- compare --------------------------------------------------------------------------------------


def _compare_options(path: str, old: dict, new: dict, breaking: list, added: list) -> None:
    for name, before in old.items():
        where = "%s option %s" % (path, name)
        after = new.get(name)
        if after is None:
            breaking.append("%s was removed" % where)
            continue
        for field in ("type", "elements", "default"):
            if before.get(field) != after.get(field):
                breaking.append("%s: %s changed from %r to %r" % (where, field, before.get(field), after.get(field)))
        if after.get("required") and not before.get("required"):
            breaking.append("%s became required" % where)
        for field in ("choices", "aliases"):
            lost = [value for value in before.get(field, []) if value not in after.get(field, [])]
            if lost:
                breaking.append("%s: %s %s removed" % (where, field, ", ".join(map(str, lost))))
            gained = [value for value in after.get(field, []) if value not in before.get(field, [])]
            if gained:
                added.append("%s: %s %s added" % (where, field, ", ".join(map(str, gained))))
        _compare_options(where, before.get("suboptions", {}), after.get("suboptions", {}), breaking, added)
    for name, after in new.items():
        if name not in old:
            where = "%s option %s" % (path, name)
            if after.get("required") and "default" not in after:
                breaking.append("%s is new and required" % where)
            else:
                added.append("%s was added" % where)


def _compare_returns(path: str, old: dict, new: dict, breaking: list, added: list) -> None:
    for name, before in old.items():
        where = "%s return %s" % (path, name)
        after = new.get(name)
        if after is None:
            breaking.append("%s was removed" % where)
            continue
        for field in RETURN_FIELDS:
            if before.get(field) != after.get(field):
                breaking.append("%s: %s changed from %r to %r" % (where, field, before.get(field), after.get(field)))
        _compare_returns(where, before.get("contains", {}), after.get("contains", {}), breaking, added)
    added.extend("%s return %s was added" % (path, name) for name in new if name not in old)


def compare(old: dict, new: dict) -> tuple:
    """(breaking changes, additions) between two snapshots' plugin maps."""
    breaking: list = []
    added: list = []
    for plugin, before in sorted(old.items()):
        after = new.get(plugin)
        if after is None:
            breaking.append("%s %s was removed" % (before["plugin_type"], plugin))
            continue
        _compare_options(plugin, before["options"], after["options"], breaking, added)
        _compare_returns(plugin, before["return"], after["return"], breaking, added)
    added.extend(
        "%s %s was added" % (new[plugin]["plugin_type"], plugin) for plugin in sorted(new) if plugin not in old
    )
    return breaking, added


def major(version: str) -> int:
    return int(version.split(".")[0])


def verdict(snapshot: dict, current: dict, version: str) -> tuple:
    """(passed, lines to print) for the current plugins at galaxy.yml ``version`` against ``snapshot``."""
    breaking, added = compare(snapshot["plugins"], current)
    lines = []
    allowed = major(version) > major(snapshot["version"])
    if breaking:
        lines.append(
            "public interface changed incompatibly since the snapshot of %s (galaxy.yml: %s):"
            % (snapshot["version"], version)
        )
        lines.extend("  BREAKING %s" % change for change in breaking)
        if allowed:
            lines.append("allowed by the major version bump; run `make interface-snapshot` to record it")
        else:
            lines.append(
                "a breaking change needs a new major version in galaxy.yml (and a changelog entry under"
                " breaking_changes); otherwise restore the option or return key"
            )
    if added:
        lines.extend("  added %s" % change for change in added)
        lines.append("additions are compatible; run `make interface-snapshot` to record them in the snapshot")
    if not breaking and not added:
        lines.append("public interface unchanged since the snapshot of %s" % snapshot["version"])
    return (not breaking or allowed), lines


# --- ansible-doc, galaxy.yml, files ---------------------------------------------------------------


def plugin_names(plugin_type: str) -> list:
    folder = REPO_ROOT / "plugins" / PLUGIN_DIRS[plugin_type]
    return sorted(
        "%s.%s.%s" % (NAMESPACE, NAME, path.stem) for path in folder.glob("*.py") if not path.name.startswith("_")
    )


def current_interface() -> dict:
    """ansible-doc --json of every module and lookup, reduced; the checkout is linked into a collection tree."""
    with tempfile.TemporaryDirectory() as tree:
        collection = Path(tree) / "ansible_collections" / NAMESPACE
        collection.mkdir(parents=True)
        (collection / NAME).symlink_to(REPO_ROOT)
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": tree, "ANSIBLE_LOCAL_TEMP": str(Path(tree) / "tmp")}
        interface = {}
        for plugin_type in PLUGIN_TYPES:
            names = plugin_names(plugin_type)
            output = subprocess.run(
                ["ansible-doc", "--json", "-t", plugin_type, *names],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
            docs = json.loads(output)
            missing = [name for name in names if name not in docs]
            if missing:
                raise SystemExit("ansible-doc gave no documentation for %s" % ", ".join(missing))
            interface.update({name: reduce_plugin(plugin_type, docs[name]) for name in names})
    return interface


def galaxy_version() -> str:
    import yaml  # ansible-core's dependency, in the session's venv

    return str(yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"])


def main(argv: list) -> int:
    if argv not in (["check"], ["update"]):
        print(__doc__)
        return 2
    current = current_interface()
    version = galaxy_version()
    if argv == ["update"]:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(
            json.dumps({"version": version, "plugins": current}, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        print("wrote %s: %d plugins at version %s" % (SNAPSHOT.relative_to(REPO_ROOT), len(current), version))
        return 0
    if not SNAPSHOT.is_file():
        print("%s is missing: run `make interface-snapshot`" % SNAPSHOT.relative_to(REPO_ROOT))
        return 1
    passed, lines = verdict(json.loads(SNAPSHOT.read_text(encoding="utf-8")), current, version)
    print("\n".join(lines))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
