# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent oracles of row-id handling: compact strings, the request planner, and checks of a plan.

Nothing here imports the collection: the expected request plans and compact strings are
computed from the documented formula (docs/docsite/rst/guide_row_ids.rst), so a bug in the collection's planner cannot hide
itself by being used as its own oracle.
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from typing import Iterable, List, Sequence


def runs_of(ids: Iterable[int]) -> List[tuple]:
    """Consecutive runs ``(first, last)`` of a set of ids, ascending."""
    runs: List[list] = []
    for row_id in sorted(set(ids)):
        if runs and row_id == runs[-1][1] + 1:
            runs[-1][1] = row_id
        else:
            runs.append([row_id, row_id])
    return [tuple(run) for run in runs]


def compact(ids: Iterable[int]) -> str:
    """``"2-3,5,9-12"``: runs of two or more ids as ranges; the empty set is ``""``."""
    return ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in runs_of(ids))


def spec_ids(spec: str) -> List[int]:
    """The ids of one row spec as sent on the wire; raises ValueError for anything but the three forms."""
    if re.fullmatch(r"[0-9]+", spec):
        return [int(spec)]
    if re.fullmatch(r"[0-9]+(,[0-9]+)+", spec):
        return [int(part) for part in spec.split(",")]
    found = re.fullmatch(r"([0-9]+)-([0-9]+)", spec)
    if found and int(found.group(1)) <= int(found.group(2)):
        return list(range(int(found.group(1)), int(found.group(2)) + 1))
    raise ValueError("%r is not a single id, a comma list or a range" % spec)


def expand_row_id_value(value) -> List[int]:
    """The ids a valid ``row_id`` option value asks for (int, numeric string, comma list, range, or a list)."""
    items = value if isinstance(value, list) else [value]
    ids = set()
    for item in items:
        if isinstance(item, int):
            ids.add(item)
            continue
        for part in str(item).split(","):
            first, _sep, last = part.strip().partition("-")
            ids.update(range(int(first), int(last or first) + 1))
    return sorted(ids)


def plan_cost(run_lengths_longest_first: List[int], ranges: int, batch_size: int) -> int:
    rest = sum(run_lengths_longest_first[ranges:])
    return ranges + math.ceil(rest / batch_size)


def expected_plan(ids: Iterable[int], batch_size: int) -> List[str]:
    """The plan the row-ids guide describes, tried for every k.

    The contract leaves ties open; on equal cost the most ranges win (the documented choice,
    so that a run the user wrote as "3-10" goes out as "3-10"). Specs come in ascending order of
    their first id.
    """
    runs = sorted(runs_of(ids), key=lambda run: (run[0] - run[1], run[0]))
    lengths = [last - first + 1 for first, last in runs]
    costs = [plan_cost(lengths, k, batch_size) for k in range(len(runs) + 1)]
    best = max(k for k, cost in enumerate(costs) if cost == min(costs))
    requests = [(first, str(first) if first == last else "%d-%d" % (first, last)) for first, last in runs[:best]]
    listed = sorted(row_id for first, last in runs[best:] for row_id in range(first, last + 1))
    for start in range(0, len(listed), batch_size):
        chunk = listed[start : start + batch_size]
        requests.append((chunk[0], ",".join(str(row_id) for row_id in chunk)))
    return [spec for _first, spec in sorted(requests)]


def fewest_requests_any_subset(ids: Iterable[int], batch_size: int) -> int:
    """Brute force over every subset of runs sent as ranges (not only the longest k); small inputs only."""
    runs = runs_of(ids)
    assert len(runs) <= 14, "brute force is for small inputs"
    lengths = [last - first + 1 for first, last in runs]
    best = math.ceil(sum(lengths) / batch_size) if lengths else 0
    for size in range(1, len(runs) + 1):
        for chosen in combinations(range(len(runs)), size):
            rest = sum(length for index, length in enumerate(lengths) if index not in chosen)
            best = min(best, size + math.ceil(rest / batch_size))
    return best


def plan_problems(specs: Sequence[str], ids: Iterable[int], batch_size: int) -> List[str]:
    """Why ``specs`` is not a valid plan for ``ids`` (one form per request, exact cover, ascending); [] if it is."""
    problems, covered, previous_first = [], [], 0
    for spec in specs:
        try:
            members = spec_ids(spec)
        except ValueError as error:
            problems.append(str(error))
            continue
        if "," in spec and len(members) > batch_size:
            problems.append("a list of %d ids exceeds batch_size %d" % (len(members), batch_size))
        if members[0] < previous_first:
            problems.append("%s is out of ascending order" % spec[:20])
        previous_first = members[0]
        covered.extend(members)
    if sorted(covered) != sorted(set(ids)):
        problems.append("the requests do not cover exactly the requested ids")
    return problems
