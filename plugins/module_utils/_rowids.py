# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Row ids: parsing the ``row_id`` option, a compact interval set, and the DELETE request planner.

Sets of row ids are kept as sorted, merged, inclusive intervals so that a range such as
``1-1000000000000`` costs two integers, never a trillion.
"""

from __future__ import annotations

import bisect
import math
import re
import reprlib
from collections.abc import Iterable, Iterator

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import RowIdError

# The vendor's ids are Java longs; the cap also keeps len(RowSet) within what len() can return.
MAX_ROW_ID = 2**63 - 1

_SHOWN_CHARS = 60
_SPACES = " \t\r\n"
_SINGLE = re.compile(r"[0-9]+", re.ASCII)
_RANGE = re.compile(r"([0-9]+)[ \t]*-[ \t]*([0-9]+)", re.ASCII)
_PLANNED_SPEC = re.compile(r"[0-9]+(?:-[0-9]+|(?:,[0-9]+)*)", re.ASCII)
_SYNTAX_HINT = 'use an integer, "2,3,5", "3-10" or a list of these'


# ---------------------------------------------------------------- the interval set


class RowSet:
    """An immutable set of positive row ids, stored as sorted, disjoint, non-adjacent intervals."""

    __slots__ = ("_intervals",)

    def __init__(self, intervals: Iterable[tuple[int, int]] = ()):
        self._intervals = _merge(sorted((int(start), int(end)) for start, end in intervals))

    @classmethod
    def from_ids(cls, ids: Iterable[int]) -> RowSet:
        """Build a set from single ids (any order, duplicates allowed)."""
        return cls((row_id, row_id) for row_id in ids)

    @property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        """The consecutive runs as ``(start, end)`` pairs, inclusive, ascending."""
        return self._intervals

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in self._intervals)

    def __iter__(self) -> Iterator[int]:
        for start, end in self._intervals:
            yield from range(start, end + 1)

    def __contains__(self, row_id: object) -> bool:
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            return False
        position = bisect.bisect_right(self._intervals, (row_id, math.inf)) - 1
        return position >= 0 and self._intervals[position][1] >= row_id

    def __bool__(self) -> bool:
        return bool(self._intervals)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowSet):
            return NotImplemented
        return self._intervals == other._intervals

    def __hash__(self) -> int:
        return hash(self._intervals)

    def __repr__(self) -> str:
        return "RowSet(%r)" % _truncate(self.compact())

    def intersection(self, other: RowSet) -> RowSet:
        common = []
        mine, theirs = self._intervals, other._intervals
        i = j = 0
        while i < len(mine) and j < len(theirs):
            start = max(mine[i][0], theirs[j][0])
            end = min(mine[i][1], theirs[j][1])
            if start <= end:
                common.append((start, end))
            if mine[i][1] < theirs[j][1]:
                i += 1
            else:
                j += 1
        return RowSet(common)

    def difference(self, other: RowSet) -> RowSet:
        kept = []
        theirs = other._intervals
        j = 0
        for start, end in self._intervals:
            while j < len(theirs) and theirs[j][1] < start:
                j += 1
            k = j
            while start <= end and k < len(theirs) and theirs[k][0] <= end:
                if theirs[k][0] > start:
                    kept.append((start, theirs[k][0] - 1))
                start = max(start, theirs[k][1] + 1)
                k += 1
            if start <= end:
                kept.append((start, end))
        return RowSet(kept)

    def compact(self) -> str:
        """The set as ``"2-3,5,9-12"``; the empty set is ``""``."""
        return ",".join(_interval_spec(start, end) for start, end in self._intervals)

    def to_list(self) -> list[int]:
        """Every id, ascending. Only for sets known to be small."""
        return list(self)


def _merge(sorted_intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted_intervals:
        if start > end:
            raise ValueError("interval (%d, %d) is reversed" % (start, end))
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _interval_spec(start: int, end: int) -> str:
    return str(start) if start == end else "%d-%d" % (start, end)


# ---------------------------------------------------------------- parsing the option


def parse_row_ids(value: object, option_name: str = "row_id") -> RowSet:
    """Parse a ``row_id`` option value into a RowSet, or raise RowIdError naming the bad item.

    Accepts an int, a numeric string, ``"2,3,5"``, ``"3-10"``, comma lists mixing both,
    and a list (or tuple) of any of these.
    """
    if value is None or (isinstance(value, (list, tuple)) and not value):
        raise RowIdError("%s is empty" % option_name)
    if isinstance(value, (list, tuple)):
        items, in_list = value, True
    else:
        items, in_list = [value], False
    intervals: list[tuple[int, int]] = []
    for item in items:
        intervals.extend(_parse_item(item, option_name, in_list))
    return RowSet(intervals)


def _parse_item(item: object, option_name: str, in_list: bool) -> list[tuple[int, int]]:
    if isinstance(item, bool):
        raise RowIdError("%s item %s is a boolean, not a row id: %s" % (option_name, item, _SYNTAX_HINT))
    if isinstance(item, int):
        row_id = _checked_id(item, _show(item), option_name)
        return [(row_id, row_id)]
    if isinstance(item, str):
        return _parse_text(item, option_name, in_list)
    raise RowIdError(_wrong_type_message(item, option_name, in_list))


def _wrong_type_message(item: object, option_name: str, in_list: bool) -> str:
    shown = _show(item)
    if isinstance(item, float):
        return "%s item %s is a float: row ids are whole numbers; %s" % (option_name, shown, _SYNTAX_HINT)
    if isinstance(item, dict):
        return "%s item %s is a dict, not a row id: %s" % (option_name, shown, _SYNTAX_HINT)
    if isinstance(item, (list, tuple)) and in_list:
        return "%s item %s is a list inside the list: flatten it, e.g. [1, \"2,3\", \"5-9\"]" % (option_name, shown)
    if item is None:
        return "%s item None is not a row id: %s" % (option_name, _SYNTAX_HINT)
    return "%s item %s is a %s value, not a row id: %s" % (option_name, shown, type(item).__name__, _SYNTAX_HINT)


def _parse_text(text: str, option_name: str, in_list: bool) -> list[tuple[int, int]]:
    parts = [part.strip(_SPACES) for part in text.split(",")]
    if not any(parts):
        if in_list:
            raise RowIdError("%s item %s holds no row id: %s" % (option_name, _show(text), _SYNTAX_HINT))
        raise RowIdError("%s is empty" % option_name)
    if not all(parts):
        raise RowIdError("%s item %s has an empty entry between commas: %s" % (option_name, _show(text), _SYNTAX_HINT))
    return [_parse_part(part, option_name, _where(text, index, len(parts))) for index, part in enumerate(parts)]


def _where(text: str, index: int, count: int) -> str:
    if count == 1:
        return ""
    if len(text) <= _SHOWN_CHARS:
        return " (in %r)" % text
    return " (entry %d of %d in a comma list)" % (index + 1, count)


def _parse_part(part: str, option_name: str, context: str) -> tuple[int, int]:
    shown = _show(part)
    if _SINGLE.fullmatch(part):
        row_id = _checked_id(_digits_to_int(part, shown, option_name, context), shown, option_name, context)
        return row_id, row_id
    match = _RANGE.fullmatch(part)
    if not match:
        raise RowIdError("%s item %s%s is not a row id: %s" % (option_name, shown, context, _SYNTAX_HINT))
    start = _checked_id(_digits_to_int(match.group(1), shown, option_name, context), shown, option_name, context)
    end = _checked_id(_digits_to_int(match.group(2), shown, option_name, context), shown, option_name, context)
    if start > end:
        raise RowIdError("%s range %s%s is reversed: write it as '%d-%d'" % (option_name, shown, context, end, start))
    return start, end


def _digits_to_int(digits: str, shown: str, option_name: str, context: str) -> int:
    # Check the length first: int() refuses strings of more than 4300 digits with a ValueError.
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(MAX_ROW_ID)):
        raise _too_large(shown, option_name, context)
    return int(significant)


def _checked_id(row_id: int, shown: str, option_name: str, context: str = "") -> int:
    if row_id < 1:
        raise RowIdError("%s item %s%s is not a row id: row ids start at 1" % (option_name, shown, context))
    if row_id > MAX_ROW_ID:
        raise _too_large(shown, option_name, context)
    return row_id


def _too_large(shown: str, option_name: str, context: str) -> RowIdError:
    return RowIdError("%s item %s%s is too large: row ids are at most %d" % (option_name, shown, context, MAX_ROW_ID))


def _show(item: object) -> str:
    """A short, safe rendering of an offending item for an error message."""
    if isinstance(item, str):
        return _truncate(repr(item[: _SHOWN_CHARS + 1]), len(item))
    if isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 4 * _SHOWN_CHARS:
        return "<a %d-bit integer>" % item.bit_length()
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = shortener.maxlong = _SHOWN_CHARS
    shortener.maxlist = shortener.maxtuple = shortener.maxset = 6
    shortener.maxdict = 4
    try:
        return _truncate(shortener.repr(item))
    except Exception:  # a hostile __repr__ or a huge nested int must not hide the real error
        return "<%s>" % type(item).__name__


def _truncate(text: str, original_length: int | None = None) -> str:
    if len(text) <= _SHOWN_CHARS:
        return text
    suffix = "" if original_length is None else " (%d characters)" % original_length
    return text[:_SHOWN_CHARS] + "..." + suffix


# ---------------------------------------------------------------- guards and planning


def check_max_rows(rows: RowSet, max_rows: int, option_name: str = "row_id") -> None:
    """Refuse requests covering more than ``max_rows`` ids; ``max_rows == 0`` lifts the guard."""
    if max_rows < 0:
        raise RowIdError("max_rows is %d: use a positive limit, or max_rows: 0 for no limit" % max_rows)
    count = len(rows)
    if max_rows > 0 and count > max_rows:
        raise RowIdError(
            "%s covers %d row ids (%s), more than max_rows (%d): narrow %s, raise max_rows, "
            "or set max_rows: 0 to lift the guard"
            % (option_name, count, _truncate(rows.compact()), max_rows, option_name)
        )


def plan_delete_requests(rows: RowSet, batch_size: int) -> list[str]:
    """The fewest DELETE row specs covering ``rows``: each spec is one id, one range or one comma list.

    With the runs sorted longest first, sending the k longest as ranges and every other id in
    comma lists of at most ``batch_size`` costs ``k + ceil(rest / batch_size)``; the largest k
    with the least cost wins, so a run is sent as a range whenever that costs nothing extra
    (``"3-10"`` stays ``"3-10"``). Specs come back in ascending order of their first id.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError("batch_size must be an integer of at least 1, got %r" % (batch_size,))
    runs = rows.intervals
    longest_first = sorted(runs, key=lambda run: (run[0] - run[1], run[0]))
    range_count = _best_range_count([end - start + 1 for start, end in longest_first], batch_size)
    sent_as_ranges = longest_first[:range_count]
    listed_runs = sorted(longest_first[range_count:])
    specs = [(start, _interval_spec(start, end)) for start, end in sent_as_ranges]
    specs.extend((chunk[0], ",".join(map(str, chunk))) for chunk in _chunks(listed_runs, batch_size))
    return [spec for _first_id, spec in sorted(specs)]


def _best_range_count(lengths_longest_first: list[int], batch_size: int) -> int:
    rest = sum(lengths_longest_first)
    best_k, best_cost = 0, _ceil_div(rest, batch_size)
    for k, length in enumerate(lengths_longest_first, start=1):
        rest -= length
        cost = k + _ceil_div(rest, batch_size)
        if cost <= best_cost:
            best_k, best_cost = k, cost
    return best_k


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _chunks(runs: list[tuple[int, int]], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for row_id in RowSet(runs):
        chunk.append(row_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def request_ids(spec: str) -> RowSet:
    """The ids one planned spec (``"7"``, ``"3-10"`` or ``"2,3,5"``) stands for."""
    if not isinstance(spec, str) or not _PLANNED_SPEC.fullmatch(spec):
        raise ValueError("%s is not a planned row spec" % _show(spec))
    if "-" in spec:
        start, end = spec.split("-")
        return RowSet([(int(start), int(end))])
    return RowSet.from_ids(int(part) for part in spec.split(","))
