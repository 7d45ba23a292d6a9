# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ozonetel_token
short_description: Get an Ozonetel CloudAgent API token, reusing a cached one while it is valid
version_added: 1.0.0
description:
  - Returns a bearer token for the CloudAgent user, for the O(ozonetel.cloudagent.ozonetel_schedule_data#module:token)
    option of the modules.
  - CloudAgent allows 10 new tokens an hour and each new token logs out every older one, so tokens are kept in the
    token store of O(token_cache), shared by every module and lookup that uses it - a file on this machine by default,
    or a Redis server shared by many machines. One playbook run generates at most one token per account, and a
    second run within the token's life generates none.
  - Every generation is recorded in the store, also one whose answer was lost. When 10 were made in the last hour,
    the lookup fails and says when the next one is allowed, instead of calling the API.
  - O(token_cache) can also be given as C(cache_path).
  - A lookup is templated each time the variable holding it is used. Store the token once with
    C(ansible.builtin.set_fact) and C(run_once), as in the examples.
author:
  - ozonetel.cloudagent maintainers (@ozonetel-cloudagent)
extends_documentation_fragment:
  - ozonetel.cloudagent.connection
  - ozonetel.cloudagent.connection.plugin
options:
  _terms:
    description: Not used.
  cache:
    description:
      - Reuse a cached token that is still valid for O(min_validity) seconds.
      - V(false) always generates a fresh token, and stores it, so that later cached lookups reuse the newest one.
    type: bool
    default: true
  min_validity:
    description:
      - A cached token with fewer seconds of life left is replaced by a fresh one.
    type: int
    default: 300
notes:
  - The lookup runs on the controller, also in check mode. Thanks to the cache, this costs no token when one is valid.
  - Jobs that run on different machines for the same CloudAgent user log each other out unless they share one Redis
    O(token_cache). Without one, give each automation its own CloudAgent user, or run such jobs one at a time.
seealso:
  - module: ozonetel.cloudagent.ozonetel_schedule_data
"""

EXAMPLES = r"""
- name: Get one token for the whole play
  ansible.builtin.set_fact:
    cloudagent_token: "{{ lookup('ozonetel.cloudagent.ozonetel_token') }}"
  run_once: true
  no_log: true

- name: Use it
  ozonetel.cloudagent.ozonetel_schedule_data:
    token: "{{ cloudagent_token }}"
    row_id: "3-10"

- name: Explicit credentials, and a fresh token whatever the cache holds
  ansible.builtin.set_fact:
    cloudagent_token: "{{ lookup('ozonetel.cloudagent.ozonetel_token', user_name=cloudagent_user,
                          api_key=cloudagent_api_key, base_url='https://api.ccaas.ozonetel.com', cache=false) }}"
  run_once: true
  no_log: true
"""

RETURN = r"""
_raw:
  description: A one-element list holding the bearer token.
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.module_utils.basic import missing_required_lib
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import CloudAgentError, MissingLibraryError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._options import client_from_options
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._transport import HAS_REQUESTS

display = Display()

# Options the modules have but a token lookup does not need: it never sends a bearer token or retries.
NOT_LOOKUP_OPTIONS = dict(token=None, auth_mode="token", retries=0)


class LookupModule(LookupBase):
    _direct_options: frozenset = frozenset()

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        self._direct_options = frozenset(kwargs)
        if not HAS_REQUESTS:
            raise AnsibleLookupError(
                "The ozonetel.cloudagent.ozonetel_token lookup needs the Python library requests "
                "on the controller (pip install requests)."
            )
        if not self.get_option("api_key"):
            raise AnsibleLookupError(
                "api_key is required: set the option api_key, the variable ozonetel_api_key "
                "or the environment variable OZONETEL_API_KEY."
            )
        try:
            client = client_from_options(self._option, warn=display.warning)
            token = client.get_token(fresh=not self.get_option("cache"), min_validity=self.get_option("min_validity"))
        except MissingLibraryError as error:
            raise AnsibleLookupError(missing_required_lib(error.library, reason=error.purpose)) from None
        except CloudAgentError as error:
            raise AnsibleLookupError(str(error)) from None
        return [token]

    def _option(self, name):
        if name in NOT_LOOKUP_OPTIONS:
            return NOT_LOOKUP_OPTIONS[name]
        if name == "ca_path" and self._ca_path_is_empty_environment():
            return None
        return self.get_option(name)

    def _ca_path_is_empty_environment(self) -> bool:
        """An empty OZONETEL_CA_PATH (an AWX credential without a CA bundle injects one) means "not set".

        Ansible turns an empty value of a path option into the current directory, which requests would
        then take as the only CA store to trust.
        """
        return "ca_path" not in self._direct_options and os.environ.get("OZONETEL_CA_PATH") == ""
