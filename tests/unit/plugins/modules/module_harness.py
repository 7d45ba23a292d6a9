# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running a module's main() in-process with given arguments, its exit_json/fail_json caught."""

from __future__ import annotations

import contextlib
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000"


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
            yield
        return
    with patch_module_args(args):
        yield


def run_module(module, args, monkeypatch):
    def exit_json(self, **result):
        raise ModuleExit(result, failed=False)

    def fail_json(self, msg, **result):
        raise ModuleExit(dict(result, msg=msg), failed=True)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    for name in ("OZONETEL_BASE_URL", "OZONETEL_USERNAME", "OZONETEL_API_KEY", "OZONETEL_TOKEN", "OZONETEL_AUTH_MODE"):
        monkeypatch.delenv(name, raising=False)
    with module_args(args):
        with pytest.raises(ModuleExit) as caught:
            module.main()
    return caught.value


def basic_args(**extra):
    return dict(base_url=BASE, user_name="unit_user", api_key=API_KEY, auth_mode="basic", **extra)
