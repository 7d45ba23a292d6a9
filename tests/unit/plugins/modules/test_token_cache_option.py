# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token_cache option of the modules: a missing redis library, an unreachable store, a masked password."""

from __future__ import annotations

import socket

import pytest
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _token_redis
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._options import CONNECTION_ARGUMENT_SPEC
from ansible_collections.ozonetel.cloudagent.plugins.modules import ozonetel_schedule_data_info

from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.modules.module_harness import BASE, run_module

PASSWORD = "FAKE-REDIS-PASSWORD-0007"


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def token_args(token_cache):
    return dict(base_url=BASE, user_name="unit_user", api_key="FAKE-API-KEY-0000", token_cache=token_cache)


def test_a_redis_url_without_the_redis_library_fails_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(_token_redis, "HAS_REDIS", False)
    with responses.RequestsMock() as mock:
        outcome = run_module(
            ozonetel_schedule_data_info, token_args("redis://:%s@127.0.0.1:6379/0" % PASSWORD), monkeypatch
        )
        assert len(mock.calls) == 0
    assert outcome.failed
    assert "Failed to import the required Python library (redis)" in outcome.result["msg"]
    assert PASSWORD not in outcome.result["msg"] and "Traceback" not in outcome.result["msg"]


def test_an_unreachable_redis_store_fails_naming_it_before_any_request(monkeypatch):
    url = "redis://:%s@127.0.0.1:%d/0" % (PASSWORD, closed_port())
    with responses.RequestsMock() as mock:
        outcome = run_module(ozonetel_schedule_data_info, token_args(url), monkeypatch)
        assert len(mock.calls) == 0, "no token is generated outside the shared ledger"
    assert outcome.failed
    assert "Redis token store " + url.replace(PASSWORD, "********") in outcome.result["msg"]
    assert PASSWORD not in outcome.result["msg"]


class FixedReport:
    """A workflow's report, as ``run_module`` expects one: ``result()`` is the module result."""

    def __init__(self, result):
        self._result = result

    def result(self):
        return self._result


def test_the_redis_password_is_a_no_log_value_of_the_module(monkeypatch):
    captured = {}

    def keep_module(module, client):
        captured["no_log_values"] = set(module.no_log_values)
        return FixedReport({"changed": False})

    from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _module_runner  # pylint: disable=import-outside-toplevel

    original = _module_runner.run_module
    monkeypatch.setattr(ozonetel_schedule_data_info, "run_module", lambda module, action: original(module, keep_module))
    run_module(
        ozonetel_schedule_data_info, token_args("rediss://user:%s@cache.example.test:6380/2" % PASSWORD), monkeypatch
    )
    assert PASSWORD in captured["no_log_values"]


def invocation_logged(monkeypatch, token_cache):
    """What the module writes to syslog/journal about its invocation, and the values it masks."""
    logged, captured = [], {}

    def keep_module(module, client):
        captured["no_log_values"] = set(module.no_log_values)
        return FixedReport({"changed": False, "token_cache_seen": module.params.get("token_cache")})

    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

    from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _module_runner  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(basic.AnsibleModule, "log", lambda module, msg, log_args=None: logged.append((msg, log_args)))
    original = _module_runner.run_module
    monkeypatch.setattr(ozonetel_schedule_data_info, "run_module", lambda module, action: original(module, keep_module))
    outcome = run_module(ozonetel_schedule_data_info, token_args(token_cache), monkeypatch)
    return logged, captured.get("no_log_values", set()), outcome


@pytest.mark.parametrize(
    "token_cache",
    [
        "redis://cache_user@cache.example.test:6379/0?password=%s" % PASSWORD,
        "redis://:%s@cache.example.test:6379/0" % PASSWORD.replace("-", "/"),
        "unix:///run/redis.sock?db=0&password=%s" % PASSWORD,
    ],
)
def test_the_invocation_log_never_holds_the_redis_password(monkeypatch, token_cache):
    logged, _masked, _outcome = invocation_logged(monkeypatch, token_cache)
    assert logged, "the module logs its invocation"
    for message, log_args in logged:
        assert "FAKE" not in message and "FAKE" not in repr(log_args)


def test_token_cache_is_a_no_log_option():
    assert CONNECTION_ARGUMENT_SPEC["token_cache"]["no_log"] is True


def test_a_token_cache_file_path_is_not_masked_in_results(monkeypatch, tmp_path):
    path = str(tmp_path / "tokens.json")
    _logged, masked, outcome = invocation_logged(monkeypatch, path)
    assert not outcome.failed, outcome.result
    assert path not in masked, "a file path is no secret: messages naming it stay readable"
    assert outcome.result["token_cache_seen"] == path


def test_an_unset_token_cache_masks_nothing(monkeypatch):
    _logged, masked, _outcome = invocation_logged(monkeypatch, None)
    assert masked == {"FAKE-API-KEY-0000"}


def test_a_redis_url_with_a_password_masks_it_and_its_decoded_forms(monkeypatch):
    url = "redis://cache_user@cache.example.test:6379/0?password=%s%%2Fx" % PASSWORD
    _logged, masked, _outcome = invocation_logged(monkeypatch, url)
    assert {PASSWORD + "%2Fx", PASSWORD + "/x"} <= masked
