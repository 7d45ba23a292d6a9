# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _module_runner
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient, ConnectionSettings
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    MissingLibraryError,
    PartialResultError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._module_runner import build_module, run_module

from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.modules.module_harness import ModuleExit, module_args

API_KEY = "FAKE-API-KEY-0000"


class ModuleStop(Exception):
    """Raised by FakeModule's exit_json and fail_json: the real ones end the process."""


class FakeModule:
    """An AnsibleModule as run_module uses it: params, warn, exit_json and fail_json, each recorded."""

    def __init__(self, **params):
        self.params = dict(
            base_url="https://cloudagent.example.test",
            user_name="unit_user",
            api_key=API_KEY,
            token=None,
            auth_mode="basic",
            validate_certs=True,
            ca_path=None,
            timeout=30.0,
            retries=3,
            token_cache=None,
        )
        self.params.update(params)
        self.warnings = []
        self.exited = None
        self.failed = None

    def warn(self, warning):
        self.warnings.append(warning)

    def exit_json(self, **result):
        self.exited = result
        raise ModuleStop()

    def fail_json(self, msg, **result):
        self.failed = dict(result, msg=msg)
        raise ModuleStop()


class FixedReport:
    """A workflow's report: ``result()`` is the module result."""

    def __init__(self, result):
        self._result = result

    def result(self):
        return dict(self._result)


def run(module, workflow):
    with pytest.raises(ModuleStop):
        run_module(module, workflow)
    return module


def raising(error):
    def workflow(module, client):
        raise error

    return workflow


def test_the_result_of_the_report_is_the_module_result():
    result = dict(
        changed=True, row_ids="3-10", deleted="3-10", not_found="", msg="Deleted rows 3-10 with 1 request(s)."
    )
    module = run(FakeModule(), lambda module, client: FixedReport(result))
    assert module.exited == result and module.failed is None


def test_the_workflow_gets_the_module_and_a_client_built_from_its_options():
    seen = []

    def workflow(module, client):
        seen.append((module, client))
        return FixedReport(dict(changed=False))

    module = run(FakeModule(timeout=7.5, retries=0), workflow)
    [(given_module, client)] = seen
    assert given_module is module and isinstance(client, CloudAgentClient)
    assert client.settings == ConnectionSettings(
        base_url="https://cloudagent.example.test",
        user_name="unit_user",
        api_key=API_KEY,
        auth_mode="basic",
        timeout=7.5,
        retries=0,
    )


def test_the_warnings_of_the_client_are_the_modules():
    def workflow(module, client):
        client._warn("DELETE rowId '3': sent again as POST.")
        return FixedReport(dict(changed=False))

    module = run(FakeModule(), workflow)
    assert module.warnings == ["DELETE rowId '3': sent again as POST."]


def test_invalid_connection_options_fail_before_the_workflow_runs():
    called = []
    module = run(FakeModule(base_url="ftp://x"), lambda module, client: called.append(client))
    assert called == [] and module.exited is None
    assert module.failed == dict(
        msg="base_url 'ftp://x' is not an http(s) URL, e.g. https://in1-ccaas-api.ozonetel.com."
    )


def test_an_error_of_the_collection_fails_the_module_with_its_message_only():
    error = ApiError("DELETE rowId '5' (request 1 of 1) failed: HTTP 500: 'boom'", status=500, api_message="boom")
    module = run(FakeModule(), raising(error))
    assert module.failed == dict(msg="DELETE rowId '5' (request 1 of 1) failed: HTTP 500: 'boom'")
    assert module.exited is None


def test_a_partial_result_fails_with_the_reports_result_keys_and_the_errors_message():
    report = FixedReport(dict(changed=True, row_ids="1,5", deleted="1", not_found="", msg="Deleted rows 1."))
    module = run(FakeModule(), raising(PartialResultError("request 2 of 2 failed: 'boom'.", report)))
    assert module.failed == dict(
        changed=True, row_ids="1,5", deleted="1", not_found="", msg="request 2 of 2 failed: 'boom'."
    )
    assert module.exited is None


def test_a_missing_optional_library_fails_with_ansibles_missing_library_message():
    error = MissingLibraryError(
        "redis", "for a Redis token store", import_error="FAKE-TRACEBACK: No module named 'redis'"
    )
    module = run(FakeModule(), raising(error))
    assert module.failed == dict(
        msg=missing_required_lib("redis", reason="for a Redis token store"),
        exception="FAKE-TRACEBACK: No module named 'redis'",
    )


def test_an_error_that_is_not_the_collections_own_is_not_turned_into_a_failure():
    module = FakeModule()
    with pytest.raises(KeyError):
        run_module(module, raising(KeyError("row")))
    assert module.failed is None and module.exited is None


def fail_json(self, msg, **result):
    raise ModuleExit(dict(result, msg=msg), failed=True)


def exit_json(self, **result):
    raise ModuleExit(result, failed=False)


def test_build_module_fails_at_once_when_requests_is_missing(monkeypatch):
    monkeypatch.setattr(_module_runner, "HAS_REQUESTS", False)
    monkeypatch.setattr(_module_runner, "REQUESTS_IMPORT_ERROR", "FAKE-TRACEBACK: No module named 'requests'")
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with module_args(dict(user_name="unit_user", api_key=API_KEY)):
        with pytest.raises(ModuleExit) as caught:
            build_module(dict(row_id=dict(type="raw")))
    assert caught.value.failed
    assert caught.value.result == dict(
        msg=missing_required_lib("requests"), exception="FAKE-TRACEBACK: No module named 'requests'"
    )


def test_build_module_adds_the_connection_options_to_the_modules_own_and_passes_its_flags(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.delenv("OZONETEL_BASE_URL", raising=False)
    with module_args(dict(user_name="unit_user", api_key=API_KEY, row_id="3-10", _ansible_check_mode=True)):
        module = build_module(dict(row_id=dict(type="raw")), supports_check_mode=True)
    assert module.params["row_id"] == "3-10" and module.params["user_name"] == "unit_user"
    assert module.params["base_url"] == "https://in1-ccaas-api.ozonetel.com" and module.check_mode is True


def no_log_values_with_token_cache(monkeypatch, token_cache):
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with module_args(dict(user_name="unit_user", api_key=API_KEY, token_cache=token_cache)):
        return build_module({}).no_log_values


def test_build_module_leaves_a_token_cache_file_path_unmasked(monkeypatch):
    masked = no_log_values_with_token_cache(monkeypatch, "/home/FAKE-USER/.cache/tokens.json")
    assert API_KEY in masked and "/home/FAKE-USER/.cache/tokens.json" not in masked


def test_build_module_masks_the_password_of_a_redis_token_cache(monkeypatch):
    masked = no_log_values_with_token_cache(monkeypatch, "redis://:FAKE-REDIS-PASSWORD-0001@cache.example.test:6379/0")
    assert {API_KEY, "FAKE-REDIS-PASSWORD-0001"} <= masked
