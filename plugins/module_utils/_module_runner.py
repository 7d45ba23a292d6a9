# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""What every module does around its own logic: build the module, the client, and fail cleanly.

Each workflow (``_absent``, ``_present``, ``_info``) returns a report; ``run_module`` is the one
place where a report becomes the module's result (``report.result()``), and where an error that
carries a partial report (``PartialResultError``) becomes a failure with that report's result.
"""

from __future__ import annotations

from typing import Callable

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    CloudAgentError,
    MissingLibraryError,
    PartialResultError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._options import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_options,
    unmask_plain_token_cache,
)


def build_module(argument_spec: dict, **kwargs) -> AnsibleModule:
    """An AnsibleModule with the connection options added; fails at once when requests is missing."""
    module = AnsibleModule(argument_spec=dict(CONNECTION_ARGUMENT_SPEC, **argument_spec), **kwargs)
    unmask_plain_token_cache(module.no_log_values, module.params.get("token_cache"))
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    return module


def run_module(module: AnsibleModule, workflow: Callable) -> None:
    """Run ``workflow(module, client)`` and exit with the result of the report it returns; errors become fail_json."""
    try:
        client = client_from_options(module.params.get, warn=module.warn)
        report = workflow(module, client)
    except MissingLibraryError as error:
        module.fail_json(msg=missing_required_lib(error.library, reason=error.purpose), exception=error.import_error)
    except PartialResultError as error:
        module.fail_json(msg=str(error), **error.result)
    except CloudAgentError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**report.result())
