# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Oracles over whole normalised accounts, for the property tests of the streaming reads.

The plugins choose records through ``Selection.matches_view`` on raw records while they stream in,
and normalise only the chosen ones; the property tests check that this gives exactly what
normalising every record (``normalize_records``) and then filtering (``expected_matches``,
written over normalised records, independently of ``RecordView``) gives.
"""

from __future__ import annotations

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import normalize_record, skipped_id_warning
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import comparable_phone, parse_local_time


def normalize_records(raw_records, warn, secrets=()):
    """Every record normalised, ascending by id; a record whose Id is not an integer is skipped with a warning."""
    client_forms = list(secrets)
    records = []
    for raw in raw_records:
        view = RecordView(raw)
        if view.row_id is None:
            warn(skipped_id_warning(raw.get("Id"), client_forms))
            continue
        records.append(normalize_record(view, client_forms))
    return sorted(records, key=lambda record: record["id"])


def expected_matches(records, selection):
    """The normalised ``records`` that pass every filter of ``selection``, in their order."""
    return [record for record in records if _passes(record, selection)]


def _passes(record, selection):
    params = record.get("params") or {}
    if selection.rows is not None and record["id"] not in selection.rows:
        return False
    if selection.pending is not None and bool(record.get("is_request_sent")) is selection.pending:
        return False
    if selection.campaign_name is not None and record.get("campaign_name") != selection.campaign_name:
        return False
    phone = params.get("PhoneNumber", record.get("phone_number"))
    if selection.phone_numbers is not None and comparable_phone(phone) not in selection.phone_numbers:
        return False
    if selection.scheduled_after is None and selection.scheduled_before is None:
        return True
    try:
        moment = parse_local_time(params.get("ScheduledTime") or record.get("schedule_time"))
    except ConfigurationError:
        return False
    if selection.scheduled_after is not None and moment < selection.scheduled_after:
        return False
    return selection.scheduled_before is None or moment < selection.scheduled_before
