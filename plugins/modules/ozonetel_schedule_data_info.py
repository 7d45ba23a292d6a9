#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ozonetel_schedule_data_info
short_description: Read scheduled campaign data from Ozonetel CloudAgent
version_added: 1.0.0
description:
  - Reads the Scheduled Data Status of the user and returns its records with snake_case keys.
  - Always returns a summary (counts per campaign, pending and sent); O(limit) and O(fields) keep the records
    returned small on large accounts.
  - The account API key, which the API repeats in every record, is never returned.
author:
  - ozonetel.cloudagent maintainers (@ozonetel-cloudagent)
extends_documentation_fragment:
  - ozonetel.cloudagent.connection
  - ozonetel.cloudagent.connection.module
  - ozonetel.cloudagent.attributes
  - ozonetel.cloudagent.attributes.actiongroup
  - ozonetel.cloudagent.attributes.info_module
  - ozonetel.cloudagent.selectors
options:
  row_id:
    description:
      - Only return these ids; same syntax as O(ozonetel.cloudagent.ozonetel_schedule_data#module:row_id).
    type: raw
    aliases: [row_ids]
  campaign_name:
    description:
      - Only return rows of this campaign.
    type: str
  limit:
    description:
      - Return at most this many of the matching records in RV(scheduled_data), the lowest ids first.
        RV(truncated) says whether some were left out.
      - V(0) returns no record, only RV(summary) and RV(row_ids), which always cover every matching record.
        This is the cheap way to monitor a large account or to feed a delete.
      - Unset returns every matching record.
      - Ansible's controller decodes, copies and registers every record a task returns, which for a large
        account costs far more than reading the records (see the collection's C(docs/performance.md)).
    type: int
  fields:
    description:
      - Keep only these keys of each record in RV(scheduled_data); V(id) is always kept.
      - 'Valid keys: V(id), V(campaign_name), V(phone_number), V(schedule_time), V(created_date), V(request_time),
        V(is_request_sent), V(params), V(response). Any other name fails before any request, listing the valid ones.'
      - Unset keeps every key.
    type: list
    elements: str
notes:
  - The filters are the selectors of O(ozonetel.cloudagent.ozonetel_schedule_data#module:state=absent), with one
    implementation, so a delete with the same selectors removes exactly the rows this module returns.
  - With O(auth_mode=basic) and a wrong API key the API answers as if there were no data.
seealso:
  - module: ozonetel.cloudagent.ozonetel_schedule_data
"""

EXAMPLES = r"""
- name: Read the rows of one campaign that the dialer has not picked up yet
  ozonetel.cloudagent.ozonetel_schedule_data_info:
    campaign_name: spring_offer
    pending: true
  register: pending_rows

- name: Delete them
  ozonetel.cloudagent.ozonetel_schedule_data:
    row_id: "{{ pending_rows.row_ids }}"
  when: pending_rows.row_ids | length > 0

- name: Read the calls to one number scheduled in the first week of December
  ozonetel.cloudagent.ozonetel_schedule_data_info:
    phone_number: ["+91 98765 43210", "9876543211"]
    scheduled_after: "2026-12-01"
    scheduled_before: "2026-12-08"

- name: Count the rows of every campaign without returning any record
  ozonetel.cloudagent.ozonetel_schedule_data_info:
    limit: 0
  register: account

- name: Fail when a campaign has more than 500 rows still waiting for the dialer
  ansible.builtin.assert:
    that: item.value.pending <= 500
    fail_msg: "{{ item.key }} has {{ item.value.pending }} pending rows (first at {{ item.value.first_scheduled }})"
    quiet: true
  loop: "{{ account.summary.campaigns | dict2items }}"
  loop_control:
    label: "{{ item.key }}"

- name: Read the first 100 pending rows, three columns each
  ozonetel.cloudagent.ozonetel_schedule_data_info:
    pending: true
    limit: 100
    fields: [id, phone_number, schedule_time]
  register: first_page
"""

RETURN = r"""
scheduled_data:
  description:
    - The matching records, ascending by id; with O(limit), the O(limit) of lowest id.
    - With O(fields), each record holds only those keys (and V(id)).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The row id, as O(ozonetel.cloudagent.ozonetel_schedule_data#module:row_id) takes it.
      type: int
      sample: 12
    campaign_name:
      description: The campaign the row is scheduled for.
      type: str
      sample: spring_offer
    phone_number:
      description: The number to dial.
      type: str
      sample: "9876543210"
    schedule_time:
      description: When the row is to be dialled.
      type: str
      sample: "2026-12-01 09:30:00"
    created_date:
      description: When the row was scheduled.
      type: str
      sample: "2026-11-20 10:00:00"
    request_time:
      description: When the row was sent to the dialer, if it was.
      type: str
      sample: ""
    is_request_sent:
      description: Whether the row was already sent to the dialer.
      type: bool
      sample: false
    params:
      description: The decoded schedule parameters, without the API key.
      type: dict
      sample: {"campaign_name": "spring_offer", "action": "START", "PhoneNumber": "9876543210"}
    response:
      description: The dialer's response, parsed as JSON where possible.
      type: raw
      sample: {"status": "queued"}
row_ids:
  description:
    - The ids of every matching record, in compact form, including those O(limit) left out of RV(scheduled_data).
  returned: always
  type: str
  sample: "2-3,5,9-12"
truncated:
  description: Whether O(limit) left some matching records out of RV(scheduled_data).
  returned: always
  type: bool
  sample: false
summary:
  description: Counts over every matching record, whatever O(limit) and O(fields) keep.
  returned: always
  type: dict
  contains:
    total:
      description: How many records match the filters.
      type: int
      sample: 1200
    pending:
      description: How many of them were not yet sent to the dialer.
      type: int
      sample: 700
    sent:
      description: How many of them were already sent to the dialer.
      type: int
      sample: 500
    campaigns:
      description:
        - The same counts per campaign, keyed by campaign name, with the earliest and latest scheduled time
          (C(YYYY-MM-DD HH:MM:SS), the time the O(scheduled_after) and O(scheduled_before) filters compare;
          V(null) when no record of the campaign has a readable time).
        - Records without a campaign name are counted under the empty name.
      type: dict
      sample:
        spring_offer:
          total: 1000
          pending: 700
          sent: 300
          first_scheduled: "2026-12-01 09:00:00"
          last_scheduled: "2026-12-14 18:30:00"
        winter_offer:
          total: 200
          pending: 0
          sent: 200
          first_scheduled: "2026-11-20 10:00:00"
          last_scheduled: "2026-11-28 17:00:00"
"""

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._module_runner import build_module, run_module
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._info import (
    parse_fields,
    parse_limit,
    scheduled_data_info,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    SELECTOR_ARGUMENT_SPEC,
    selection_from_options,
)


def read_records(module, client):
    return scheduled_data_info(
        client,
        selection_from_options(module.params.get),
        module.warn,
        limit=parse_limit(module.params["limit"]),
        fields=parse_fields(module.params["fields"]),
    )


def main():
    module = build_module(
        dict(
            SELECTOR_ARGUMENT_SPEC,
            limit=dict(type="int"),
            fields=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    run_module(module, read_records)


if __name__ == "__main__":
    main()
