#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ozonetel_schedule_data
short_description: Delete scheduled campaign data in Ozonetel CloudAgent
version_added: 1.0.0
description:
  - Deletes rows queued to be dialled later (scheduled campaign data) through the Delete Scheduled Data API.
  - Sends the fewest DELETE requests that cover the requested ids, each request being one id, one comma
    list of at most O(batch_size) ids, or one range C(a-b), in ascending id order.
  - A request answered C(No data found) is not a change, so a second identical run reports no change.
author:
  - ozonetel.cloudagent maintainers (@ozonetel-cloudagent)
extends_documentation_fragment:
  - ozonetel.cloudagent.connection
  - ozonetel.cloudagent.connection.module
  - ozonetel.cloudagent.attributes
  - ozonetel.cloudagent.attributes.actiongroup
attributes:
  check_mode:
    support: full
    details:
      - Sends no DELETE. Reads Scheduled Data Status once and predicts C(changed) exactly; if that read fails,
        warns and assumes a change.
  diff_mode:
    support: full
    details:
      - C(before.row_ids) lists the requested ids that exist, C(after.row_ids) is empty.
      - Costs one Scheduled Data Status read outside check mode.
  idempotent:
    support: full
options:
  row_id:
    description:
      - The row ids to delete, as the C(Id) of Scheduled Data Status records.
      - An integer, a numeric string, a comma list V("2,3,5,6"), a range V("3-10"), or a list mixing any of these.
      - Anything else fails before any HTTP request, naming the offending item.
    type: raw
    required: true
    aliases: [row_ids]
  state:
    description:
      - V(absent) deletes the rows.
    type: str
    choices: [absent]
    default: absent
  max_rows:
    description:
      - Fail, before any HTTP request, when O(row_id) covers more ids than this.
      - V(0) lifts the guard.
    type: int
    default: 10000
  batch_size:
    description:
      - The most ids one comma-list request may carry.
    type: int
    default: 100
seealso:
  - module: ozonetel.cloudagent.ozonetel_schedule_data_info
  - plugin: ozonetel.cloudagent.ozonetel_token
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Delete scheduled rows (credentials from OZONETEL_USERNAME / OZONETEL_API_KEY)
  ozonetel.cloudagent.ozonetel_schedule_data:
    row_id: ["1-5", 8, "10,12,14"]

- name: Delete one range with explicit credentials
  ozonetel.cloudagent.ozonetel_schedule_data:
    base_url: https://api.ccaas.ozonetel.com
    user_name: "{{ cloudagent_user }}"
    api_key: "{{ cloudagent_api_key }}"
    row_id: "3-10"

- name: Delete with a token obtained once for the whole play
  ozonetel.cloudagent.ozonetel_schedule_data:
    user_name: "{{ cloudagent_user }}"
    token: "{{ cloudagent_token }}"
    row_ids: "{{ stale_row_ids }}"
    max_rows: 500
"""

RETURN = r"""
row_ids:
  description: The requested ids, in compact form.
  returned: always
  type: str
  sample: "2-3,5,9-12"
batches:
  description: One entry per DELETE request sent (none in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    row_id:
      description: The row spec the request carried.
      type: str
      sample: "9-12"
    result:
      description: V(deleted), or V(not_found) when the API answered C(No data found).
      type: str
      sample: deleted
    message:
      description: The API's message.
      type: str
      sample: No data found
deleted:
  description:
    - Ids deleted (in check mode, that would be deleted), in compact form.
    - Outside check and diff mode the API does not say which ids of a request existed, so this lists the ids
      of every request answered as deleted.
  returned: always
  type: str
  sample: "2-3,9-12"
not_found:
  description: Requested ids that did not exist, in compact form.
  returned: always
  type: str
  sample: "5"
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: Deleted rows 2-3,9-12 with 2 request(s).
"""

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._module_runner import build_module, run_module
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import check_max_rows, parse_row_ids
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._schedule_data import delete_scheduled_data


def delete_rows(module, client):
    rows = parse_row_ids(module.params["row_id"])
    check_max_rows(rows, module.params["max_rows"])
    if module.params["batch_size"] < 1:
        module.fail_json(msg="batch_size must be 1 or more, got %d." % module.params["batch_size"])
    return delete_scheduled_data(
        client, rows, module.params["batch_size"], module.check_mode, module._diff, module.warn
    )


def main():
    module = build_module(
        dict(
            row_id=dict(type="raw", required=True, aliases=["row_ids"]),
            state=dict(type="str", default="absent", choices=["absent"]),
            max_rows=dict(type="int", default=10000),
            batch_size=dict(type="int", default=100),
        ),
        supports_check_mode=True,
    )
    run_module(module, delete_rows)


if __name__ == "__main__":
    main()
