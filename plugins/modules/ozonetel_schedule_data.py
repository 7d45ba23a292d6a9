#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ozonetel_schedule_data
short_description: Schedule or delete campaign data in Ozonetel CloudAgent
version_added: 1.0.0
description:
  - With O(state=present), makes a campaign's schedule hold the given O(rows) through the Schedule Campaign Data
    API, creating only the rows that are missing, in requests of at most 100 rows (the API's limit). A row's
    identity is (campaign, phone number, scheduled time).
  - With O(state=absent), deletes rows queued to be dialled later (scheduled campaign data) through the Delete
    Scheduled Data API, named by O(row_id), by selectors (O(campaign_name), O(phone_number), O(scheduled_after),
    O(scheduled_before), O(pending)), or by both. The selectors apply to O(state=absent) only.
  - Deletes go out as the fewest DELETE requests that cover the ids, each request being one id, one comma
    list of at most O(batch_size) ids, or one range C(a-b), in ascending id order.
  - A request answered C(No data found) is not a change, so a second identical run reports no change.
author:
  - ozonetel.cloudagent maintainers (@ozonetel-cloudagent)
extends_documentation_fragment:
  - ozonetel.cloudagent.connection
  - ozonetel.cloudagent.connection.module
  - ozonetel.cloudagent.attributes
  - ozonetel.cloudagent.attributes.actiongroup
  - ozonetel.cloudagent.selectors
attributes:
  check_mode:
    support: full
    details:
      - Sends no POST and no DELETE. Reads Scheduled Data Status once and predicts C(changed), C(created) and
        C(deleted) exactly; rows the API would reject cannot be known without sending them, so they are
        predicted as created.
      - With O(state=absent) and only O(row_id), a failed status read warns and assumes a change.
  diff_mode:
    support: full
    details:
      - O(state=absent) - C(before.row_ids) lists the requested ids that exist, C(after.row_ids) is empty.
      - O(state=present) - the campaign's rows deleted (before) and created (after), one line per row.
      - Costs one Scheduled Data Status read outside check mode when O(state=absent) has only O(row_id).
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) schedules O(rows) for O(campaign_name), creating only the missing ones.
      - V(absent) deletes the rows named by O(row_id) and the selectors.
    type: str
    choices: [absent, present]
    default: absent
  row_id:
    description:
      - With O(state=absent), the row ids to delete, as the C(Id) of Scheduled Data Status records.
      - An integer, a numeric string, a comma list V("2,3,5,6"), a range V("3-10"), or a list mixing any of these.
      - Anything else fails before any HTTP request, naming the offending item.
      - Required unless a selector is given; with selectors, only the selected rows among these ids are deleted.
    type: raw
    aliases: [row_ids]
  campaign_name:
    description:
      - With O(state=present) (required there), the campaign the O(rows) are scheduled for.
      - With O(state=absent), a selector - only rows of this campaign are deleted.
      - A name that no status record carries (a typo, another case) is not an error, but warns, naming up to 5
        campaigns that do have records, the closest first (also with O(state=present) and an empty O(rows)).
    type: str
  rows:
    description:
      - With O(state=present), the rows the campaign's schedule must hold. A list of dicts with the keys
        C(phone_number) (required; spaces, C(-), C(\(), C(\)) are ignored, a leading C(+) is kept),
        C(scheduled_time) (required; C(YYYY-MM-DD HH:MM[:SS]) or with a C(T), in the account's local time, never
        with a time zone), and optionally C(name), C(priority) (an integer), C(agent_id) (needed by agent-wise
        campaigns), C(skill), C(expiry_date), and C(fields) (a dict of further mapping columns).
      - Every cell is sent as the text it is compared as - C(true)/C(false) for booleans, numbers as JSON writes
        them (C(5), C(1.5)) - so a typed value never makes a row differ from itself on the next run.
      - Two rows with one phone number and scheduled time, a missing phone number or time, a time with a zone or
        that is not a date, a priority that is not an integer, an unknown key, a C(fields) value that is a dict
        or a list, or a C(fields) key naming the campaign, the account or the request (C(campaign_name),
        C(api_key), C(action), C(format)) or a column the row's own keys set (C(PhoneNumber),
        C(ScheduledTime), C(Name), C(Priority), C(AgentID), C(skill), C(ExpiryDate), in any case) fail before
        any HTTP request, naming the row by its index.
      - A row is present when a status record of the campaign, sent or pending, has its phone number and
        scheduled time. Only the missing rows are sent.
      - V([]) with O(exclusive=true) clears the campaign's pending schedule.
    type: list
    elements: raw
  replace_changed:
    description:
      - With O(state=present), replace a B(pending) row whose declared columns (C(name), C(priority),
        C(agent_id), C(skill), C(expiry_date), C(fields)) differ from the wanted ones - the new row is created
        first, and the old one is deleted only when the API accepted the new one. A refused replacement leaves
        the old row, and is listed in RV(rejected) with C(kept_row_id).
      - A pending copy that differs, beside one that already holds the wanted values, is deleted.
      - Without it such rows are listed in RV(differing) and left alone. Columns a row does not declare are not
        compared. A row already sent to the dialer is history and is never touched.
    type: bool
    default: false
  exclusive:
    description:
      - With O(state=present), also delete the campaign's B(pending) rows that are not in O(rows), including
        extra pending copies of a wanted row. Rows already sent to the dialer are never deleted.
      - Needs O(campaign_name).
    type: bool
    default: false
  check_duplicate:
    description:
      - With O(state=present), passed to the API as C(checkDuplicate), which then filters out rows it considers
        duplicates. What it compares against is not documented by the vendor; rows it refuses are reported in
        RV(rejected).
    type: bool
    default: false
  max_rows:
    description:
      - With O(state=absent), fail before any DELETE when the request covers more row ids than this - O(row_id)
        alone before any HTTP request, the selected set when selectors are given (after the one status read).
      - With O(state=present), fail when the run would delete more rows than this, counting the deletes of
        O(exclusive) and of O(replace_changed); checked after the one status read, before any POST or DELETE,
        in check mode too.
      - V(0) lifts the guard.
    type: int
    default: 10000
  batch_size:
    description:
      - The most ids one comma-list DELETE request may carry (also for the deletes of O(state=present)).
    type: int
    default: 100
notes:
  - Selecting rows with selectors, and O(state=present), cost exactly one Scheduled Data Status read before any
    change; O(state=present) reads once more after creating rows, because the API returns no row ids.
  - The Schedule Campaign Data API takes the account's local time and checks that the time is within its window
    (30 days ahead on the vendor's page); rows it refuses are reported in RV(rejected) with its message, the other
    requests still go out, and then the task fails listing them.
  - The API's messages are returned with every secret masked - the api key (as written, URL-encoded or cut short),
    every token the run held, and the Redis password of O(token_cache).
  - See the guide R(Scheduling campaign data declaratively,ansible_collections.ozonetel.cloudagent.docsite.guide_scheduling).
seealso:
  - module: ozonetel.cloudagent.ozonetel_schedule_data_info
  - plugin: ozonetel.cloudagent.ozonetel_token
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Schedule two calls (credentials from OZONETEL_USERNAME / OZONETEL_API_KEY)
  ozonetel.cloudagent.ozonetel_schedule_data:
    state: present
    campaign_name: demo_campaign
    rows:
      - phone_number: "+91 98765 43210"
        scheduled_time: "{{ '%Y-%m-%d 10:00:00' | strftime(now().timestamp() | int + 86400) }}"
        name: Asha
        priority: 1
      - phone_number: "98765-43211"
        scheduled_time: "{{ '%Y-%m-%d 10:30:00' | strftime(now().timestamp() | int + 86400) }}"
        fields:
          Language: hi

- name: Keep exactly these rows pending, replacing rows whose name or priority changed
  ozonetel.cloudagent.ozonetel_schedule_data:
    state: present
    campaign_name: demo_campaign
    rows: "{{ callbacks }}"
    exclusive: true
    replace_changed: true
  vars:
    callbacks:
      - phone_number: "9876543212"
        scheduled_time: "{{ '%Y-%m-%d 11:00:00' | strftime(now().timestamp() | int + 172800) }}"

- name: Clear the campaign's pending schedule (rows already sent stay)
  ozonetel.cloudagent.ozonetel_schedule_data:
    state: present
    campaign_name: demo_campaign
    rows: []
    exclusive: true

- name: Delete scheduled rows by id
  ozonetel.cloudagent.ozonetel_schedule_data:
    row_id: ["1-5", 8, "10,12,14"]

- name: Delete the pending rows of one number scheduled this December
  ozonetel.cloudagent.ozonetel_schedule_data:
    campaign_name: demo_campaign
    phone_number: "9876543210"
    scheduled_after: "2026-12-01"
    scheduled_before: "2027-01-01"
    pending: true

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
  description: The ids to delete (requested, or selected by the selectors), in compact form.
  returned: state=absent
  type: str
  sample: "2-3,5,9-12"
batches:
  description:
    - One entry per request sent (none in check mode for O(state=absent)).
    - With O(state=absent), each entry is a DELETE. With O(state=present), each entry has a C(kind) - V(read) (a
      Scheduled Data Status read, with C(records), the campaign's records it found), V(delete) (a DELETE, with
      C(row_id), C(result), C(message)) or V(create) (a POST, with C(rows) sent, C(created), C(rejected), and
      C(first_index), the index in O(rows) of its first row).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(read), V(delete) or V(create) (O(state=present) only).
      type: str
      sample: create
    row_id:
      description: The row spec a DELETE carried.
      type: str
      sample: "9-12"
    result:
      description: Of a DELETE - V(deleted), or V(not_found) when the API answered C(No data found).
      type: str
      sample: deleted
    message:
      description: The API's message to a DELETE.
      type: str
      sample: No data found
    rows:
      description: Rows a POST carried.
      type: int
      sample: 100
    created:
      description: Rows of a POST the API accepted.
      type: int
      sample: 99
    rejected:
      description: Rows of a POST the API rejected.
      type: int
      sample: 1
    first_index:
      description: The index in O(rows) of a POST's first row.
      type: int
      sample: 100
    records:
      description: The campaign's status records a read found.
      type: int
      sample: 250
deleted:
  description:
    - Ids deleted (in check mode, that would be deleted), in compact form.
    - With O(state=absent) and only O(row_id), outside check and diff mode the API does not say which ids of a
      request existed, so this lists the ids of every request answered as deleted.
    - Otherwise the ids are those the status read before the deletes found. A row that another job deletes
      between that read and the DELETE may be listed too, as the API's answer to a request of several ids
      does not say which of them it still found.
  returned: always
  type: str
  sample: "2-3,9-12"
not_found:
  description: Requested ids that did not exist, in compact form.
  returned: state=absent
  type: str
  sample: "5"
created:
  description:
    - The rows created (in check mode, that would be created), in the order of O(rows).
  returned: state=present
  type: list
  elements: dict
  contains:
    index:
      description: The row's index in O(rows).
      type: int
      sample: 0
    row_id:
      description:
        - The new row's id, found by the status read after creating (the API returns none).
        - V(null) in check mode, and with a warning naming the row when that read failed or does not list it.
      type: int
      sample: 1042
    phone_number:
      description: The phone number, normalised.
      type: str
      sample: "+919876543210"
    scheduled_time:
      description: The scheduled time as sent.
      type: str
      sample: "2026-12-02 10:00:00"
differing:
  description:
    - Rows that exist but whose declared columns differ, and were left alone - pending ones because
      O(replace_changed) is false, sent ones always.
  returned: state=present
  type: list
  elements: dict
  contains:
    index:
      description: The row's index in O(rows).
      type: int
      sample: 3
    row_id:
      description: The existing row's id.
      type: int
      sample: 17
    phone_number:
      description: The phone number, normalised.
      type: str
      sample: "9876543210"
    scheduled_time:
      description: The scheduled time.
      type: str
      sample: "2026-12-02 10:00:00"
    is_request_sent:
      description: Whether the existing row was already sent to the dialer.
      type: bool
      sample: false
    changes:
      description: Per vendor column, the C(existing) and the C(wanted) value.
      type: dict
      sample: {"Name": {"existing": "Asha", "wanted": "Asha Rao"}}
rejected:
  description: Rows the API refused, with its message; when not empty the task fails after every request went out.
  returned: state=present
  type: list
  elements: dict
  contains:
    index:
      description: The row's index in O(rows).
      type: int
      sample: 7
    phone_number:
      description: The phone number, normalised.
      type: str
      sample: "12345"
    scheduled_time:
      description: The scheduled time.
      type: str
      sample: "2026-12-02 10:00:00"
    message:
      description: The API's per-row message, with every secret masked.
      type: str
      sample: Invalid PhoneNumber
    kept_row_id:
      description: For a refused replacement of O(replace_changed), the id of the old row, which stays.
      type: int
      returned: when the row was a replacement
      sample: 17
msg:
  description: A one-line summary.
  returned: always
  type: str
  sample: Deleted rows 2-3,9-12 with 2 request(s).
"""

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._absent import delete_rows
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._module_runner import build_module, run_module
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._present import (
    present_request_from_options,
    schedule_present,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import SELECTOR_ARGUMENT_SPEC


def manage_rows(module, client):
    params = module.params
    if params["state"] == "present":
        request = present_request_from_options(params.get)
        return schedule_present(client, request, module.check_mode, module._diff, module.warn)
    return delete_rows(client, params.get, module.check_mode, module._diff, module.warn)


def main():
    module = build_module(
        dict(
            SELECTOR_ARGUMENT_SPEC,
            state=dict(type="str", default="absent", choices=["absent", "present"]),
            rows=dict(type="list", elements="raw"),
            replace_changed=dict(type="bool", default=False),
            exclusive=dict(type="bool", default=False),
            check_duplicate=dict(type="bool", default=False),
            max_rows=dict(type="int", default=10000),
            batch_size=dict(type="int", default=100),
        ),
        supports_check_mode=True,
    )
    run_module(module, manage_rows)


if __name__ == "__main__":
    main()
