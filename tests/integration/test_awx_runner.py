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

import datetime
import json
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import ansible_runner
import jinja2.sandbox
import pytest
import yaml

from cloudagent_emulator.control import Emulator
from cloudagent_harness.layout import REPO_ROOT
from tls_relay import TlsRelay, openssl_available

CREDENTIAL_TYPE_FILE = REPO_ROOT / "docs" / "awx" / "credential_type.yml"
PLAYBOOK_FILE = REPO_ROOT / "docs" / "awx" / "delete_scheduled_data.yml"
PRESENT_PLAYBOOK_FILE = REPO_ROOT / "docs" / "awx" / "schedule_campaign_data.yml"

USER_NAME = "awx_automation"
API_KEY = "FAKE-AWX-API-KEY-0003"
BASIC_USER_NAME = "awx_basic_automation"
BASIC_API_KEY = "FAKE-AWX-BASIC-API-KEY-0004"
CAMPAIGN = "spring_campaign"
OTHER_CAMPAIGN = "winter_campaign"
JOB_IDENT = "job"
INJECTED_ENV_NAMES = {
    "OZONETEL_BASE_URL",
    "OZONETEL_USERNAME",
    "OZONETEL_API_KEY",
    "OZONETEL_TOKEN_CACHE",
    "OZONETEL_AUTH_MODE",
    "OZONETEL_VALIDATE_CERTS",
    "OZONETEL_CA_PATH",
}
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
    with Emulator.start() as running:
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


class _ControllerNamespace:
    """The ``tower`` object of the injector templates (``tower.filename.<label>``)."""


def render_injected_env(credential_inputs: dict, private_dir: Path) -> dict:
    """The env vars of a credential of docs/awx/credential_type.yml (see render_injected_env_of)."""
    return render_injected_env_of(load_credential_type(), credential_inputs, private_dir)


def render_injected_env_of(credential_type: dict, credential_inputs: dict, private_dir: Path) -> dict:
    """Inject a credential as the controller does (CredentialType.inject_credential) and return its env vars.

    The namespace holds the field defaults (the web UI pre-fills them) updated with the inputs; empty
    strings are left out and a boolean left out is false, as in the controller. Each ``file`` injector
    is rendered into a 0600 file under ``private_dir/env``, named in ``tower.filename.<label>``. The
    templates render in a sandbox with strict undefined, so a template naming a missing input fails.
    """
    fields = credential_type["inputs"]["fields"]
    values = {field["id"]: field["default"] for field in fields if "default" in field}
    values.update(credential_inputs)
    namespace = {name: value for name, value in values.items() if isinstance(value, bool) or len(value)}
    for field in fields:
        if field.get("type") == "boolean":
            namespace.setdefault(field["id"], False)
    controller = namespace["tower"] = _ControllerNamespace()
    controller.filename = _ControllerNamespace()
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env_dir = private_dir / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    for label, template in credential_type["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=str(env_dir))
        with os.fdopen(handle, "w", encoding="utf-8") as injected_file:
            injected_file.write(environment.from_string(template).render(namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        setattr(controller.filename, label.split(".", 1)[1], path)
    return {
        name: environment.from_string(template).render(namespace)
        for name, template in credential_type["injectors"]["env"].items()
    }


def write_yaml(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, default_flow_style=False), encoding="utf-8")


def private_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "private_data_dir"


def run_job(
    tmp_path: Path,
    injected_env: dict,
    collections_path: str,
    extravars: dict,
    cmdline: str = "",
    wait: bool = True,
    playbook: Path = PLAYBOOK_FILE,
):
    """Lay out an AWX-style private data dir and run the example playbook through ansible-runner.

    ``wait=False`` starts the job in a thread (``ansible_runner.run_async``) and returns ``(thread, runner, dir)``.
    """
    private_dir = private_data_dir(tmp_path)
    (private_dir / "project").mkdir(parents=True)
    shutil.copy(playbook, private_dir / "project" / playbook.name)
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
        playbook=playbook.name,
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


def summary_lines(runner, task: str = "Summarise the deletion") -> list:
    for event in runner.events:
        data = event.get("event_data", {})
        if event.get("event") == "runner_on_ok" and data.get("task") == task:
            return data["res"]["msg"]
    raise AssertionError("the job has no %r result" % task)


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


def test_credential_type_structure(tmp_path):
    credential_type = load_credential_type()
    assert set(credential_type) >= {"name", "description", "kind", "inputs", "injectors"}
    assert credential_type["kind"] in ("cloud", "net")  # the kinds AWX accepts for custom types
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    assert list(fields) == [
        "base_url",
        "user_name",
        "api_key",
        "token_cache",
        "auth_mode",
        "validate_certs",
        "ca_bundle",
    ]
    assert all(field.get("label") for field in fields.values())
    assert {field_id for field_id, field in fields.items() if field.get("type", "string") != "string"} == {
        "validate_certs"
    }
    assert fields["validate_certs"]["type"] == "boolean" and fields["validate_certs"]["default"] is True
    assert fields["auth_mode"]["choices"] == ["token", "basic"] and fields["auth_mode"]["default"] == "token"
    assert fields["ca_bundle"].get("multiline") is True
    assert {field_id for field_id, field in fields.items() if field.get("secret")} == {"api_key", "token_cache"}, (
        "the API key and a Redis URL (which may carry a password) are secret; a CA bundle is not"
    )
    assert fields["base_url"]["default"] == "https://in1-ccaas-api.ozonetel.com"
    assert "https://in1-ccaas-api.ozonetel.com" in fields["base_url"]["help_text"]
    assert sorted(credential_type["inputs"]["required"]) == ["api_key", "user_name"]
    assert set(credential_type["injectors"]) == {"env", "file"}
    assert set(credential_type["injectors"]["file"]) == {"template.ca_bundle"}
    assert set(credential_type["injectors"]["env"]) == INJECTED_ENV_NAMES
    assert not any(name.startswith("ANSIBLE_") for name in credential_type["injectors"]["env"])
    rendered = render_injected_env({"user_name": "someone", "api_key": "FAKE-API-KEY-0000"}, tmp_path / "ui")
    assert rendered == {
        "OZONETEL_BASE_URL": "https://in1-ccaas-api.ozonetel.com",
        "OZONETEL_USERNAME": "someone",
        "OZONETEL_API_KEY": "FAKE-API-KEY-0000",
        "OZONETEL_TOKEN_CACHE": "",
        "OZONETEL_AUTH_MODE": "token",
        "OZONETEL_VALIDATE_CERTS": "True",
        "OZONETEL_CA_PATH": "",
    }
    every_input = render_injected_env(
        {
            "user_name": "someone",
            "api_key": "FAKE-API-KEY-0000",
            "token_cache": "redis://:FAKE@redis.example.test:6379/0",
            "auth_mode": "basic",
            "validate_certs": False,
            "ca_bundle": "-----BEGIN CERTIFICATE-----\nFAKE\n-----END CERTIFICATE-----\n",
        },
        tmp_path / "all",
    )
    assert every_input["OZONETEL_TOKEN_CACHE"] == "redis://:FAKE@redis.example.test:6379/0"
    assert every_input["OZONETEL_AUTH_MODE"] == "basic"
    assert every_input["OZONETEL_VALIDATE_CERTS"] == "False"
    ca_file = Path(every_input["OZONETEL_CA_PATH"])
    assert ca_file.parent == tmp_path / "all" / "env" and stat.S_IMODE(ca_file.stat().st_mode) == 0o600
    assert ca_file.read_text(encoding="utf-8").startswith("-----BEGIN CERTIFICATE-----\nFAKE\n")


def test_credential_made_through_the_api_gets_safe_values_for_left_out_inputs(tmp_path):
    """The controller leaves out unset inputs (no UI defaults) and makes a left-out boolean false."""
    credential_type = load_credential_type()
    fields = credential_type["inputs"]["fields"]
    without_defaults = [{key: value for key, value in field.items() if key != "default"} for field in fields]
    credential_type["inputs"]["fields"] = without_defaults

    with_api_inputs = render_injected_env_of(credential_type, {"user_name": "someone", "api_key": "K"}, tmp_path)

    assert with_api_inputs["OZONETEL_BASE_URL"] == "https://in1-ccaas-api.ozonetel.com"
    assert with_api_inputs["OZONETEL_AUTH_MODE"] == "token"
    assert with_api_inputs["OZONETEL_CA_PATH"] == ""
    # the documented trap: the controller turns a left-out boolean into false
    assert with_api_inputs["OZONETEL_VALIDATE_CERTS"] == "False"


def test_credential_help_text_says_the_api_key_is_sent_with_every_token_request():
    fields = {field["id"]: field for field in load_credential_type()["inputs"]["fields"]}
    help_text = " ".join(fields["api_key"]["help_text"].split())
    assert "only to generate" not in help_text
    assert "sent in the apiKey header of every request" in help_text


def test_job_template_deletes_requested_rows_with_one_token_and_leaks_no_secret(
    tmp_path, emulator, collections_path, clean_environment
):
    emulator.seed(USER_NAME, ids=list(range(101, 111)), campaign_name=CAMPAIGN)
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )
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
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )

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
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )

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
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )

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
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY, "token_cache": redis_server.url},
        private_data_dir(tmp_path),
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


def test_basic_auth_mode_credential_sends_the_api_key_only_and_generates_no_token(
    tmp_path, emulator, collections_path, clean_environment
):
    emulator.add_account(BASIC_USER_NAME, BASIC_API_KEY, "BASIC_AUTH")
    emulator.seed(BASIC_USER_NAME, ids=[401, 402, 403], campaign_name=CAMPAIGN)
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": BASIC_USER_NAME, "api_key": BASIC_API_KEY, "auth_mode": "basic"},
        private_data_dir(tmp_path),
    )

    runner, artifact_dir = run_job(tmp_path, injected_env, collections_path, {"row_ids": "401-402"})

    assert runner.status == "successful", job_stdout(artifact_dir)
    assert emulator.ids(BASIC_USER_NAME) == [403]
    requests_seen = emulator.counters()["requests"]
    assert [entry for entry in requests_seen if entry["endpoint"] == "generate_token"] == []
    assert {entry["auth"] for entry in requests_seen} == {"apikey"}, requests_seen
    assert "Deleted: 401-402" in summary_lines(runner)
    assert_secrets_absent(runner, artifact_dir, {"api_key": BASIC_API_KEY})


@pytest.fixture
def https_emulator(emulator, tmp_path):
    """The emulator behind TLS with a self-signed certificate (the ``openssl`` program makes it)."""
    if not openssl_available():
        pytest.skip("the openssl program is needed to make a self-signed certificate")
    with TlsRelay(emulator.url, tmp_path / "tls") as relay:
        yield relay


def test_ca_bundle_input_lets_the_job_trust_a_private_gateway(
    tmp_path, emulator, https_emulator, collections_path, clean_environment
):
    emulator.seed(USER_NAME, ids=[501, 502, 503], campaign_name=CAMPAIGN)
    credential = {"base_url": https_emulator.url, "user_name": USER_NAME, "api_key": API_KEY}

    without_bundle = tmp_path / "without-bundle"
    # the scheduling template: its modules' messages show on every ansible-core (no no_log lookup)
    refused, refused_dir = run_job(
        without_bundle,
        render_injected_env(credential, private_data_dir(without_bundle)),
        collections_path,
        {"campaign_name": CAMPAIGN, "rows": present_rows(9600000000, 1)},
        playbook=PRESENT_PLAYBOOK_FILE,
    )
    requests_after_refusal, refused_handshakes = emulator.counters()["requests"], https_emulator.handshake_failures
    with_bundle = tmp_path / "with-bundle"
    injected_env = render_injected_env(
        dict(credential, ca_bundle=https_emulator.certificate_pem), private_data_dir(with_bundle)
    )
    trusted, trusted_dir = run_job(with_bundle, injected_env, collections_path, {"row_ids": "501-502"})

    # the system CA store does not know the gateway: the job fails, clearly, and nothing was scheduled
    assert refused.status == "failed"
    refused_output = job_stdout(refused_dir)
    assert "TLS certificate verification failed" in refused_output and "ca_path" in refused_output, refused_output
    assert "Traceback" not in refused_output
    assert requests_after_refusal == [] and refused_handshakes > 0
    # the bundle reaches the lookup and the modules through OZONETEL_CA_PATH
    assert Path(injected_env["OZONETEL_CA_PATH"]).read_text(encoding="ascii") == https_emulator.certificate_pem
    assert trusted.status == "successful", job_stdout(trusted_dir)
    assert emulator.ids(USER_NAME) == [503]
    assert "Deleted: 501-502" in summary_lines(trusted)
    assert_secrets_absent(trusted, trusted_dir, {"api_key": API_KEY})


def test_validate_certs_input_off_reaches_the_job(
    tmp_path, emulator, https_emulator, collections_path, clean_environment
):
    emulator.seed(USER_NAME, ids=[601, 602], campaign_name=CAMPAIGN)
    injected_env = render_injected_env(
        {"base_url": https_emulator.url, "user_name": USER_NAME, "api_key": API_KEY, "validate_certs": False},
        private_data_dir(tmp_path),
    )

    runner, artifact_dir = run_job(tmp_path, injected_env, collections_path, {"row_ids": "601"})

    assert runner.status == "successful", job_stdout(artifact_dir)
    assert emulator.ids(USER_NAME) == [602]


def test_credential_without_ca_bundle_keeps_the_system_ca_store(
    tmp_path, emulator, https_emulator, collections_path, clean_environment
):
    """No bundle injects an empty OZONETEL_CA_PATH: the lookup and the modules must use the system store."""
    emulator.seed(USER_NAME, ids=[801, 802], campaign_name=CAMPAIGN)
    injected_env = render_injected_env(
        {"base_url": https_emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )
    assert injected_env["OZONETEL_CA_PATH"] == ""
    # the execution environment's system store, which trusts the gateway here
    job_env = dict(injected_env, REQUESTS_CA_BUNDLE=str(https_emulator.certificate_path))

    runner, artifact_dir = run_job(tmp_path, job_env, collections_path, {"row_ids": "801"})

    assert runner.status == "successful", job_stdout(artifact_dir)
    assert emulator.ids(USER_NAME) == [802]


def present_rows(first_phone: int, count: int) -> list:
    """Rows due tomorrow (inside the API's 30-day window), as a job's extra vars carry them."""
    tomorrow = datetime.datetime.now().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    return [
        {
            "phone_number": str(first_phone + index),
            "scheduled_time": (tomorrow + datetime.timedelta(minutes=index)).strftime("%Y-%m-%d %H:%M"),
            "name": "Customer",
        }
        for index in range(count)
    ]


def test_present_job_template_schedules_rows_once_and_its_rerun_creates_nothing(
    tmp_path, emulator, collections_path, clean_environment
):
    emulator.add_campaign(USER_NAME, CAMPAIGN)
    credential = {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}
    wanted = present_rows(9800000000, 3)

    runs = []
    for name, extravars in (
        ("first", {"campaign_name": CAMPAIGN, "rows": wanted}),
        # a survey's Textarea answer: the same rows as JSON text, and a blank max_rows answer
        ("rerun", {"campaign_name": CAMPAIGN, "rows": json.dumps(wanted), "max_rows": ""}),
    ):
        job_dir = tmp_path / name
        injected_env = render_injected_env(credential, private_data_dir(job_dir))
        runs.append(run_job(job_dir, injected_env, collections_path, extravars, playbook=PRESENT_PLAYBOOK_FILE))

    (first, first_dir), (rerun, rerun_dir) = runs
    assert first.status == "successful", job_stdout(first_dir)
    assert rerun.status == "successful", job_stdout(rerun_dir)
    held = {(record["phone_number"], record["scheduled_time"]) for record in emulator.records(USER_NAME)}
    assert held == {(row["phone_number"], row["scheduled_time"] + ":00") for row in wanted}
    posts = [entry for entry in emulator.counters()["requests"] if entry["endpoint"] == "schedule"]
    assert len(posts) == 1, "the rerun finds every row and sends no POST"
    assert "Created: 3 row(s)" in summary_lines(first, "Summarise the scheduling")
    assert "Created: 0 row(s)" in summary_lines(rerun, "Summarise the scheduling")
    assert_secrets_absent(first, first_dir, {"api_key": API_KEY})


def test_present_check_job_with_exclusive_predicts_and_changes_nothing(
    tmp_path, emulator, collections_path, clean_environment
):
    emulator.seed(USER_NAME, ids=[701, 702], campaign_name=CAMPAIGN)
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )

    runner, artifact_dir = run_job(
        tmp_path,
        injected_env,
        collections_path,
        {"campaign_name": CAMPAIGN, "rows": present_rows(9700000000, 2), "exclusive": "true"},
        cmdline="--check",
        playbook=PRESENT_PLAYBOOK_FILE,
    )

    assert runner.status == "successful", job_stdout(artifact_dir)
    assert emulator.ids(USER_NAME) == [701, 702]
    assert [entry for entry in emulator.counters()["requests"] if entry["endpoint"] in ("schedule", "delete")] == []
    assert summary_lines(runner, "Summarise the scheduling")[1:3] == [
        "Would create (check mode): 2 row(s)",
        "Would delete (check mode): 701-702",
    ]


def test_present_job_template_without_rows_says_what_to_set(tmp_path, emulator, collections_path, clean_environment):
    injected_env = render_injected_env(
        {"base_url": emulator.url, "user_name": USER_NAME, "api_key": API_KEY}, private_data_dir(tmp_path)
    )

    runner, artifact_dir = run_job(
        tmp_path, injected_env, collections_path, {"campaign_name": CAMPAIGN}, playbook=PRESENT_PLAYBOOK_FILE
    )

    assert runner.status == "failed"
    assert "Set the extra vars campaign_name and rows" in job_stdout(artifact_dir)
    assert emulator.counters()["requests"] == []
