# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the example AWX job template the way AWX does: through ansible-runner.

AWX renders the credential type's injectors into ``env/envvars`` and the survey answers into
``env/extravars`` of a private data dir, then calls ansible-runner. This test does the same,
rendering the injectors from docs/awx/credential_type.yml, so a broken credential type, a
broken example playbook or a secret leaking into the job output makes it fail.

Standalone: it starts its own emulator (tests/emulator/control.py). Run it with
``pytest -p no:pytest-ansible tests/integration/test_awx_runner.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import ansible_runner
import jinja2.sandbox
import pytest
import yaml

from cloudagent_harness.layout import REPO_ROOT, load_emulator_class

CREDENTIAL_TYPE_FILE = REPO_ROOT / "docs" / "awx" / "credential_type.yml"
PLAYBOOK_FILE = REPO_ROOT / "docs" / "awx" / "delete_scheduled_data.yml"

USER_NAME = "awx_automation"
API_KEY = "FAKE-AWX-API-KEY-0003"
CAMPAIGN = "spring_campaign"
OTHER_CAMPAIGN = "winter_campaign"
JOB_IDENT = "job"
INJECTED_ENV_NAMES = {"OZONETEL_BASE_URL", "OZONETEL_USERNAME", "OZONETEL_API_KEY", "OZONETEL_TOKEN_CACHE"}
# Variables from the developer's shell that would change how the job authenticates.
FOREIGN_ENV_NAMES = INJECTED_ENV_NAMES | {
    "OZONETEL_TOKEN",
    "OZONETEL_AUTH_MODE",
    "OZONETEL_TOKEN_CACHE",
    "OZONETEL_CA_PATH",
}


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def emulator():
    with load_emulator_class().start() as running:
        running.add_account(USER_NAME, API_KEY, "TOKEN_AUTH")
        yield running


@pytest.fixture
def clean_environment(monkeypatch):
    for name in FOREIGN_ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------- helpers


def load_credential_type() -> dict:
    with open(CREDENTIAL_TYPE_FILE, encoding="utf-8") as type_file:
        return yaml.safe_load(type_file)


def render_injected_env(credential_inputs: dict) -> dict:
    """Render the credential type's env injectors as AWX does: field defaults, a sandbox, strict undefined."""
    credential_type = load_credential_type()
    namespace = {field["id"]: field["default"] for field in credential_type["inputs"]["fields"] if "default" in field}
    namespace.update(credential_inputs)
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    return {
        name: environment.from_string(template).render(namespace)
        for name, template in credential_type["injectors"]["env"].items()
    }


def write_yaml(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, default_flow_style=False), encoding="utf-8")


def run_job(
    tmp_path: Path, injected_env: dict, collections_path: str, extravars: dict, cmdline: str = "", wait: bool = True
):
    """Lay out an AWX-style private data dir and run the example playbook through ansible-runner.

    ``wait=False`` starts the job in a thread (``ansible_runner.run_async``) and returns ``(thread, runner, dir)``.
    """
    private_dir = tmp_path / "private_data_dir"
    (private_dir / "project").mkdir(parents=True)
    shutil.copy(PLAYBOOK_FILE, private_dir / "project" / PLAYBOOK_FILE.name)
    (private_dir / "inventory").mkdir()
    (private_dir / "inventory" / "hosts").write_text("localhost\n", encoding="utf-8")
    envvars = dict(injected_env)
    envvars.update(
        {
            # Without a shared store the cache file lives in the job's own HOME, as in an EE container.
            "HOME": str(tmp_path / "home"),
            "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            # ansible-playbook of the interpreter running the tests, as an EE has ansible-core on its PATH.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local-tmp"),
            "ANSIBLE_REMOTE_TMP": str(tmp_path / "ansible-remote-tmp"),
        }
    )
    write_yaml(private_dir / "env" / "envvars", envvars)
    write_yaml(private_dir / "env" / "extravars", extravars)
    job = dict(
        private_data_dir=str(private_dir),
        playbook=PLAYBOOK_FILE.name,
        ident=JOB_IDENT,
        cmdline=cmdline or None,
        quiet=True,
    )
    if not wait:
        thread, runner = ansible_runner.run_async(**job)
        return thread, runner, private_dir / "artifacts" / JOB_IDENT
    return ansible_runner.run(**job), private_dir / "artifacts" / JOB_IDENT


def job_stdout(artifact_dir: Path) -> str:
    return (artifact_dir / "stdout").read_text(encoding="utf-8")


def cached_tokens(cache_path: Path) -> list:
    """Every value stored under a "token" key in the cache file, wherever the cache keeps it."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "token" and isinstance(value, str) and value:
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(cache_path.read_text(encoding="utf-8")))
    return found


def summary_lines(runner) -> list:
    for event in runner.events:
        data = event.get("event_data", {})
        if event.get("event") == "runner_on_ok" and data.get("task") == "Summarise the deletion":
            return data["res"]["msg"]
    raise AssertionError("the job has no 'Summarise the deletion' result")


def assert_secrets_absent(runner, artifact_dir: Path, secrets: dict) -> None:
    """No secret in the job's stdout, its events, or any artifact but the runner's own command record."""
    places = {"stdout": job_stdout(artifact_dir)}
    places.update(
        ("event %d (%s)" % (index, event.get("event")), json.dumps(event)) for index, event in enumerate(runner.events)
    )
    for path in sorted(artifact_dir.rglob("*")):
        if path.is_file():
            places[str(path.relative_to(artifact_dir))] = path.read_text(encoding="utf-8", errors="replace")
    assert any(name.startswith("job_events/") for name in places), "the job wrote no job_events/*.json"
    for secret_name, secret in secrets.items():
        for place, text in places.items():
            # ansible-runner itself records the whole process environment - which holds the
            # credential's injected OZONETEL_API_KEY and OZONETEL_TOKEN_CACHE - in artifacts/<ident>/command
            # (see docs/maintainers/toolchain.md); AWX keeps that file inside the job's private data dir).
            # That file is the one place the api key and the store's password may appear; the token,
            # made during the run, must not be there either.
            if place == "command" and secret_name in ("api_key", "redis password"):
                continue
            assert secret not in text, "the %s leaked into %s" % (secret_name, place)


# ---------------------------------------------------------------- tests


def test_credential_type_structure():
    credential_type = load_credential_type()
    assert set(credential_type) >= {"name", "description", "kind", "inputs", "injectors"}
    assert credential_type["kind"] in ("cloud", "net")  # the kinds AWX accepts for custom types
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    assert list(fields) == ["base_url", "user_name", "api_key", "token_cache"]
    assert all(field.get("type", "string") == "string" and field.get("label") for field in fields.values())
    assert fields["api_key"].get("secret") is True
    assert fields["token_cache"].get("secret") is True, "a Redis URL may carry a password"
    assert not any(
        field.get("secret") for field_id, field in fields.items() if field_id not in ("api_key", "token_cache")
    )
    assert fields["base_url"]["default"] == "https://in1-ccaas-api.ozonetel.com"
    assert "https://in1-ccaas-api.ozonetel.com" in fields["base_url"]["help_text"]
    assert sorted(credential_type["inputs"]["required"]) == ["api_key", "user_name"]
    assert set(credential_type["injectors"]) == {"env"}
    assert set(credential_type["injectors"]["env"]) == INJECTED_ENV_NAMES
    assert not any(name.startswith("ANSIBLE_") for name in credential_type["injectors"]["env"])
    rendered = render_injected_env({"user_name": "someone", "api_key": "FAKE-API-KEY-0000"})
    assert rendered == {
        "OZONETEL_BASE_URL": "https://in1-ccaas-api.ozonetel.com",
        "OZONETEL_USERNAME": "someone",
        "OZONETEL_API_KEY": "FAKE-API-KEY-0000",
        "OZONETEL_TOKEN_CACHE": "",
    }
    with_store = render_injected_env(
        {
            "user_name": "someone",
            "api_key": "FAKE-API-KEY-0000",
            "token_cache": "redis://:FAKE@redis.example.test:6379/0",
        }
    )
    assert with_store["OZONETEL_TOKEN_CACHE"] == "redis://:FAKE@redis.example.test:6379/0"


def test_credential_help_text_says_the_api_key_is_sent_with_every_token_request():
    fields = {field["id"]: field for field in load_credential_type()["inputs"]["fields"]}
    help_text = " ".join(fields["api_key"]["help_text"].split())
    assert "only to generate" not in help_text
    assert "sent in the apiKey header of every request" in help_text


def test_job_template_deletes_requested_rows_with_one_token_and_leaks_no_secret(
    tmp_path, emulator, collections_path, clean_environment
):
    emulator.seed(USER_NAME, ids=list(range(101, 111)), campaign_name=CAMPAIGN)
    injected_env = render_injected_env({"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY})
    tokens_before = emulator.counters()["generate_token_ok"]

    runner, artifact_dir = run_job(
        tmp_path, injected_env, collections_path, {"row_ids": "101-103,105,500-700", "campaign_check": CAMPAIGN}
    )

    assert runner.status == "successful", job_stdout(artifact_dir)
    assert emulator.ids(USER_NAME) == [104, 106, 107, 108, 109, 110]
    counters = emulator.counters()
    assert counters["generate_token_ok"] - tokens_before == 1
    assert [r["row_spec"] for r in counters["requests"] if r["endpoint"] == "delete"] == ["101,102,103,105", "500-700"]
    assert summary_lines(runner) == [
        "Requested row ids: 101-103,105,500-700",
        "Existing before the job: 101-103,105",
        "Deleted: 101-103,105",
        "Not found: 500-700",
        # the planner's fewest requests: the comma list "101,102,103,105" and the range "500-700"
        "DELETE requests sent: 2",
    ]
    bearer_requests = [entry for entry in counters["requests"] if entry["auth"] == "bearer"]
    assert bearer_requests and all(entry["api_key_header"] for entry in bearer_requests), (
        "the credential's help text says the key goes with every token-auth request"
    )
    cache_path = tmp_path / "xdg-cache" / "ozonetel.cloudagent" / "tokens.json"
    assert stat.S_IMODE(cache_path.stat().st_mode) == 0o600
    tokens = cached_tokens(cache_path)
    assert len(tokens) == 1
    assert_secrets_absent(runner, artifact_dir, {"api_key": API_KEY, "token": tokens[0]})


def test_check_job_deletes_nothing_and_predicts_the_deletion(tmp_path, emulator, collections_path, clean_environment):
    emulator.seed(USER_NAME, ids=[201, 202, 203], campaign_name=CAMPAIGN)
    injected_env = render_injected_env({"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY})

    runner, artifact_dir = run_job(
        tmp_path, injected_env, collections_path, {"row_ids": [201, "203-204"]}, cmdline="--check"
    )

    assert runner.status == "successful", job_stdout(artifact_dir)
    assert emulator.ids(USER_NAME) == [201, 202, 203]
    assert emulator.counters()["delete"] == 0
    assert "Would delete (check mode): 201,203" in summary_lines(runner)
    assert_secrets_absent(runner, artifact_dir, {"api_key": API_KEY})


def test_campaign_check_refuses_rows_of_another_campaign(tmp_path, emulator, collections_path, clean_environment):
    emulator.seed(USER_NAME, ids=[301, 302], campaign_name=CAMPAIGN)
    emulator.seed(USER_NAME, ids=[303], campaign_name=OTHER_CAMPAIGN)
    injected_env = render_injected_env({"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY})

    runner, artifact_dir = run_job(
        tmp_path, injected_env, collections_path, {"row_ids": "301-303", "campaign_check": CAMPAIGN}
    )

    assert runner.status == "failed"
    assert emulator.ids(USER_NAME) == [301, 302, 303]
    assert emulator.counters()["delete"] == 0
    stdout = job_stdout(artifact_dir)
    assert "Refusing to delete: these rows do not belong to %s: 303 (%s)." % (CAMPAIGN, OTHER_CAMPAIGN) in stdout
    assert_secrets_absent(runner, artifact_dir, {"api_key": API_KEY})


def test_blank_max_rows_answer_keeps_the_default_guard(tmp_path, emulator, collections_path, clean_environment):
    emulator.seed(USER_NAME, ids=list(range(1, 21)), campaign_name=CAMPAIGN)
    injected_env = render_injected_env({"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY})

    runner, artifact_dir = run_job(tmp_path, injected_env, collections_path, {"row_ids": "1-50000", "max_rows": ""})

    assert runner.status == "failed", job_stdout(artifact_dir)
    assert emulator.counters()["delete"] == 0
    assert emulator.ids(USER_NAME) == list(range(1, 21))
    assert "max_rows" in job_stdout(artifact_dir) and "1000" in job_stdout(artifact_dir)


def test_two_concurrent_jobs_with_a_shared_token_store_use_one_token(
    tmp_path, emulator, collections_path, clean_environment, redis_server
):
    emulator.seed(USER_NAME, ids=list(range(101, 111)) + list(range(201, 211)), campaign_name=CAMPAIGN)
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY, "token_cache": redis_server.url}
    )

    jobs = [
        run_job(
            tmp_path / name,
            injected_env,
            collections_path,
            {"row_ids": row_ids, "campaign_check": CAMPAIGN},
            wait=False,
        )
        for name, row_ids in (("node1", "101-105"), ("node2", "201-205"))
    ]
    for thread, _runner, _artifacts in jobs:
        thread.join(timeout=240)

    for _thread, runner, artifact_dir in jobs:
        assert runner.status == "successful", job_stdout(artifact_dir)
        assert_secrets_absent(runner, artifact_dir, {"redis password": redis_server.password})
    assert emulator.ids(USER_NAME) == list(range(106, 111)) + list(range(206, 211))
    counters = emulator.counters()
    assert counters["generate_token_ok"] == 1, "both jobs share one token through the store"
    assert not [entry for entry in counters["requests"] if entry["api_message"] == "Token Expired"]
    assert not (tmp_path / "node1" / "xdg-cache").exists() and not (tmp_path / "node2" / "xdg-cache").exists()
