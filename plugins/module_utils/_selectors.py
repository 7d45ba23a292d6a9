# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Selecting status records: the filters of the info module and the selectors of state=absent, one implementation."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Iterable, List, Optional, Set

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet, parse_row_ids
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import (
    comparable_phone,
    normalize_phone,
    parse_local_time,
)

# row_id and the selectors, as both modules take them (documented in doc_fragments/selectors.py, except row_id
# and campaign_name, which each module documents for what they mean there).
SELECTOR_ARGUMENT_SPEC = dict(
    row_id=dict(type="raw", aliases=["row_ids"]),
    campaign_name=dict(type="str"),
    phone_number=dict(type="list", elements="str"),
    scheduled_after=dict(type="str"),
    scheduled_before=dict(type="str"),
    pending=dict(type="bool"),
)
SELECTOR_OPTIONS = tuple(name for name in SELECTOR_ARGUMENT_SPEC if name != "row_id")
SHOWN_CAMPAIGNS = 5


@dataclass(frozen=True)
class Selection:
    """Every filter that is set must match; ``None`` means "not filtered on this"."""

    rows: Optional[RowSet] = None
    campaign_name: Optional[str] = None
    phone_numbers: Optional[FrozenSet[str]] = None
    scheduled_after: Optional[datetime.datetime] = None
    scheduled_before: Optional[datetime.datetime] = None
    pending: Optional[bool] = None

    @property
    def has_selectors(self) -> bool:
        """True when something besides ``row_id`` narrows the records (so a status read is needed)."""
        return any(
            value is not None
            for value in (
                self.campaign_name,
                self.phone_numbers,
                self.scheduled_after,
                self.scheduled_before,
                self.pending,
            )
        )

    def matches_view(self, row_id: int, view) -> bool:
        """Whether the record ``row_id``, seen through its ``RecordView``, passes every filter."""
        if self.rows is not None and row_id not in self.rows:
            return False
        if self.pending is not None and bool(view.is_request_sent) is self.pending:
            return False
        if self.campaign_name is not None and view.campaign_name != self.campaign_name:
            return False
        if self.phone_numbers is not None and comparable_phone(view.phone_number) not in self.phone_numbers:
            return False
        return self._time_matches(view)

    def _time_matches(self, view) -> bool:
        if self.scheduled_after is None and self.scheduled_before is None:
            return True
        moment = _record_time(view)
        if moment is None:
            return False
        if self.scheduled_after is not None and moment < self.scheduled_after:
            return False
        return self.scheduled_before is None or moment < self.scheduled_before


def selection_from_options(get_option: Callable[[str], Any]) -> Selection:
    """Validate the filter options (before any HTTP request) and build the selection."""
    row_id = get_option("row_id")
    selection = Selection(
        rows=None if row_id is None else parse_row_ids(row_id),
        campaign_name=_campaign(get_option("campaign_name")),
        phone_numbers=_phones(get_option("phone_number")),
        scheduled_after=_moment(get_option("scheduled_after"), "scheduled_after"),
        scheduled_before=_moment(get_option("scheduled_before"), "scheduled_before"),
        pending=get_option("pending"),
    )
    if (
        selection.scheduled_after
        and selection.scheduled_before
        and selection.scheduled_after >= selection.scheduled_before
    ):
        raise ConfigurationError(
            "scheduled_after (%s) must be earlier than scheduled_before (%s): nothing could match."
            % (selection.scheduled_after, selection.scheduled_before)
        )
    return selection


def _campaign(value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError("campaign_name must be a non-empty string, got %r." % (value,))
    return value


def _phones(value: Any) -> Optional[FrozenSet[str]]:
    if value is None:
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise ConfigurationError("phone_number is an empty list: give at least one number, or leave it out.")
    return frozenset(normalize_phone(item, "phone_number[%d]" % index) for index, item in enumerate(values))


def _moment(value: Any, name: str) -> Optional[datetime.datetime]:
    return None if value is None else parse_local_time(value, name, date_only=True)


def _record_time(view) -> Optional[datetime.datetime]:
    try:
        return parse_local_time(view.scheduled_text)
    except ConfigurationError:
        return None


def noting_campaigns(matches: Callable[[int, Any], bool], seen: Set[str]) -> Callable[[int, Any], bool]:
    """``matches`` that also adds the campaign name of every record it is asked about to ``seen``."""

    def note_and_match(row_id: int, view) -> bool:
        name = view.campaign_name
        if isinstance(name, str):
            seen.add(name)
        return matches(row_id, view)

    return note_and_match


def closest_campaigns(wanted: str, names: Iterable[str], limit: int = SHOWN_CAMPAIGNS) -> List[str]:
    """Up to ``limit`` of ``names``, closest to ``wanted`` first: the same letters in another case before anything
    else, then by similarity of the lower-cased names (ties by name)."""
    folded = wanted.casefold()

    def distance(name: str):
        similarity = difflib.SequenceMatcher(None, folded, name.casefold()).ratio()
        return (name.casefold() != folded, -similarity, name)

    return sorted(set(names), key=distance)[:limit]


def unknown_campaign_warning(wanted: Optional[str], seen: Iterable[str]) -> Optional[str]:
    """A warning when no status record carries the campaign ``wanted`` (a typo, another case); None when one does.

    Not an error: a campaign whose rows were all deleted has no records either.
    """
    names = set(seen)
    if wanted is None or wanted in names:
        return None
    text = "No Scheduled Data Status record carries campaign_name '%s' (names compare with case)" % wanted
    if not names:
        return text + "; the account has no scheduled records at all."
    return text + "; campaigns that have records: %s." % ", ".join(closest_campaigns(wanted, names))
