# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import itertools
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import RowIdError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import (
    MAX_ROW_ID,
    RowSet,
    check_max_rows,
    parse_row_ids,
    plan_delete_requests,
    request_ids,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)
TRILLION = 10**12


# ---------------------------------------------------------------- naive references


def expand_spec(spec):
    """The ids of one planned spec, written out one by one (small specs only)."""
    if "-" in spec:
        start, end = spec.split("-")
        return list(range(int(start), int(end) + 1))
    return [int(part) for part in spec.split(",")]


def runs_of(ids):
    """Lengths of the consecutive runs of a set of ints."""
    lengths = []
    previous = None
    for row_id in sorted(set(ids)):
        if previous is not None and row_id == previous + 1:
            lengths[-1] += 1
        else:
            lengths.append(1)
        previous = row_id
    return lengths


def ceil_div(numerator, denominator):
    return (numerator + denominator - 1) // denominator


def fewest_requests(ids, batch_size):
    """Brute force: the cheapest choice of runs sent as ranges, over every subset when feasible."""
    lengths = runs_of(ids)
    total = sum(lengths)
    if len(lengths) <= 9:
        return min(
            len(chosen) + ceil_div(total - sum(chosen), batch_size)
            for size in range(len(lengths) + 1)
            for chosen in itertools.combinations(lengths, size)
        )
    longest_first = sorted(lengths, reverse=True)
    return min(k + ceil_div(total - sum(longest_first[:k]), batch_size) for k in range(len(lengths) + 1))


def naive_compact(ids):
    parts = []
    ordered = sorted(set(ids))
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        parts.append(str(ordered[start]) if start == end else "%d-%d" % (ordered[start], ordered[end]))
        start = end + 1
    return ",".join(parts)


# ---------------------------------------------------------------- strategies


@st.composite
def clustered_ids(draw, min_runs=0):
    """Ids in runs: short and long runs separated by small gaps, the shapes that stress the planner."""
    shapes = draw(
        st.lists(
            st.tuples(st.integers(1, 40), st.one_of(st.integers(1, 4), st.integers(1, 400))),
            min_size=min_runs,
            max_size=14,
        )
    )
    ids = []
    position = draw(st.integers(1, 50))
    for gap, length in shapes:
        ids.extend(range(position, position + length))
        position += length + gap
    return draw(st.permutations(ids)) if len(ids) < 50 else ids


small_id = st.integers(1, 3000)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def row_id_items(draw):
    """One list item in any accepted form, with the ids it stands for."""
    kind = draw(st.sampled_from(["int", "digits", "range", "comma"]))
    if kind == "int":
        row_id = draw(small_id)
        return row_id, {row_id}
    if kind == "digits":
        row_id = draw(small_id)
        return draw(spaces) + str(row_id) + draw(spaces), {row_id}
    if kind == "range":
        start, end = sorted(draw(st.tuples(small_id, small_id)))
        return "%d-%d" % (start, end), set(range(start, end + 1))
    parts = draw(
        st.lists(
            row_id_items().filter(lambda item: isinstance(item[0], str) and "," not in item[0]), min_size=1, max_size=5
        )
    )
    text = ",".join(draw(spaces) + part + draw(spaces) for part, _ids in parts)
    return text, set().union(*(ids for _part, ids in parts))


def is_valid_text(text):
    """An independent statement of the accepted string grammar."""
    parts = [part.strip(" \t\r\n") for part in text.split(",")]
    if not all(parts):
        return False
    for part in parts:
        match = re.fullmatch(r"([0-9]+)(?:[ \t]*-[ \t]*([0-9]+))?", part, re.ASCII)
        if not match:
            return False
        bounds = [int(group) for group in match.groups() if group is not None]
        if not all(1 <= bound <= MAX_ROW_ID for bound in bounds) or bounds != sorted(bounds):
            return False
    return True


# ---------------------------------------------------------------- the parser


@pytest.mark.parametrize(
    "value, expected",
    [
        (7, [7]),
        ("7", [7]),
        (" 7 ", [7]),
        ("\t8\n", [8]),
        ("007", [7]),
        ("2,3,5,6", [2, 3, 5, 6]),
        (" 2 , 3,5 ,6 ", [2, 3, 5, 6]),
        ("3-10", list(range(3, 11))),
        ("3 - 10", list(range(3, 11))),
        ("5-5", [5]),
        ("1,3-5", [1, 3, 4, 5]),
        ([1, "2,3", "5-7", " 9 "], [1, 2, 3, 5, 6, 7, 9]),
        ((4, "1-2"), [1, 2, 4]),
        (["1-5", "3-8", 2, "8"], list(range(1, 9))),
        ([9, 9, "9"], [9]),
    ],
)
def test_accepted_forms(value, expected):
    rows = parse_row_ids(value)
    assert rows.to_list() == expected
    assert rows == RowSet.from_ids(expected)


def test_largest_row_id_is_accepted():
    assert parse_row_ids(str(MAX_ROW_ID)).to_list() == [MAX_ROW_ID]
    assert parse_row_ids(MAX_ROW_ID).to_list() == [MAX_ROW_ID]


class HostileRepr:
    def __repr__(self):
        raise RuntimeError("no repr for you")


@pytest.mark.parametrize(
    "value, shown, reason",
    [
        ("abc", "'abc'", "is not a row id"),
        ("10-3", "'10-3'", "reversed"),
        ("0", "'0'", "start at 1"),
        (0, "item 0 ", "start at 1"),
        (-3, "-3", "start at 1"),
        ("-5", "'-5'", "is not a row id"),
        ("+5", "'+5'", "is not a row id"),
        ("1.5", "'1.5'", "is not a row id"),
        ("1e3", "'1e3'", "is not a row id"),
        ("0x10", "'0x10'", "is not a row id"),
        ("1_000", "'1_000'", "is not a row id"),
        ("\u0663", "'\u0663'", "is not a row id"),
        ("\u00a07", "'\\xa07'", "is not a row id"),
        ("3\u201310", "'3\u201310'", "is not a row id"),
        ("1 2", "'1 2'", "is not a row id"),
        ("[1, 2]", "'[1, 2]'", "is not a row id"),
        ("1-", "'1-'", "is not a row id"),
        ("1-2-3", "'1-2-3'", "is not a row id"),
        ("1,,2", "'1,,2'", "empty entry"),
        ("1,", "'1,'", "empty entry"),
        ("1,3-5,a", "'a' (in '1,3-5,a')", "is not a row id"),
        ("X5", "'X5'", "is not a row id"),
        (",".join(["1"] * 40 + ["b"]), "'b' (entry 41 of 41 in a comma list)", "is not a row id"),
        ("4,9-2", "'9-2'", "reversed"),
        (3.5, "3.5", "is a float"),
        (3.0, "3.0", "is a float"),
        (True, "True", "is a boolean"),
        ([1, False], "False", "is a boolean"),
        ({"a": 1}, "{'a': 1}", "is a dict"),
        ([[1, 2]], "[1, 2]", "is a list inside the list"),
        ([1, (2, 3)], "(2, 3)", "is a list inside the list"),
        ([1, None], "None", "is not a row id"),
        ([1, ""], "''", "holds no row id"),
        ([1, " , "], "' , '", "holds no row id"),
        (b"12", "b'12'", "is a bytes value"),
        ({1, 2}, "{1, 2}", "is a set value"),
        ("9" * 30, "'" + "9" * 30 + "'", "too large"),
        (2**63, str(2**63), "too large"),
        ("1-%d" % 2**63, "'1-%d'" % 2**63, "too large"),
        ([HostileRepr()], "HostileRepr", "not a row id"),
    ],
)
def test_bad_values_name_the_offending_item(value, shown, reason):
    with pytest.raises(RowIdError) as caught:
        parse_row_ids(value)
    message = str(caught.value)
    assert message.startswith("row_id ")
    assert shown in message
    assert reason in message


@pytest.mark.parametrize("value", ["", "   ", None, [], (), ",", " , ", ",,"])
def test_empty_values(value):
    with pytest.raises(RowIdError, match=r"^row_id is empty$"):
        parse_row_ids(value)


def test_messages_use_the_option_name():
    with pytest.raises(RowIdError, match=r"^row_ids item 'x'"):
        parse_row_ids("x", option_name="row_ids")
    with pytest.raises(RowIdError, match=r"^row_ids is empty$"):
        parse_row_ids("", option_name="row_ids")


@pytest.mark.parametrize(
    "value",
    [
        "x" * 1_000_000,
        "1," + "y" * 10_000,
        [list(range(100_000))],
        {"k%d" % number: "v" * 1000 for number in range(1000)},
        "9" * 10_000,
        10**10_000,
        [[10**10_000]],
    ],
    ids=["long-text", "long-part", "nested-list", "big-dict", "many-digits", "huge-int", "nested-huge-int"],
)
def test_huge_bad_values_are_not_echoed_in_full(value):
    with pytest.raises(RowIdError) as caught:
        parse_row_ids(value)
    assert len(str(caught.value)) < 250


def test_huge_ranges_are_not_materialised():
    began = time.monotonic()
    rows = parse_row_ids(["1-%d" % TRILLION, "%d" % (3 * TRILLION), "%d-%d" % (2 * TRILLION, 2 * TRILLION + 1)])
    plan = plan_delete_requests(rows, 1)
    assert len(rows) == TRILLION + 3
    assert plan == ["1-%d" % TRILLION, "%d-%d" % (2 * TRILLION, 2 * TRILLION + 1), str(3 * TRILLION)]
    assert rows.compact() == "1-%d,%d-%d,%d" % (TRILLION, 2 * TRILLION, 2 * TRILLION + 1, 3 * TRILLION)
    assert time.monotonic() - began < 1.0


@PROPERTY
@given(st.lists(row_id_items(), min_size=1, max_size=8))
def test_mixed_lists_parse_to_the_naive_union(items):
    expected = set().union(*(ids for _item, ids in items))
    assert parse_row_ids([item for item, _ids in items]) == RowSet.from_ids(expected)


@PROPERTY
@given(st.one_of(st.text(), st.text(alphabet="0123456789,- \t\r\n\x1c\u00a0\u3000.x\u0663+_", max_size=30)))
def test_garbage_text_is_rejected_with_row_id_error_only(text):
    try:
        rows = parse_row_ids(text)
    except RowIdError:
        assert not is_valid_text(text)
        return
    assert is_valid_text(text)
    assert rows


garbage = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10), st.binary(max_size=5)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)


@PROPERTY
@given(garbage)
def test_any_value_either_parses_or_raises_row_id_error(value):
    try:
        rows = parse_row_ids(value)
    except RowIdError as error:
        assert str(error).startswith("row_id ")
    else:
        assert rows and rows.intervals[0][0] >= 1


# ---------------------------------------------------------------- RowSet


def test_a_row_set_shows_its_compact_form():
    assert repr(RowSet.from_ids([1, 2, 3, 7])) == "RowSet('1-3,7')"


def test_rowset_basics():
    rows = RowSet.from_ids([12, 5, 2, 3, 9, 10, 11, 3])
    assert rows.intervals == ((2, 3), (5, 5), (9, 12))
    assert rows.compact() == "2-3,5,9-12"
    assert len(rows) == 7
    assert list(rows) == [2, 3, 5, 9, 10, 11, 12]
    assert 5 in rows and 4 not in rows and 13 not in rows and 1 not in rows
    assert "5" not in rows and True not in RowSet.from_ids([1])
    assert rows and not RowSet()
    assert RowSet().compact() == "" and RowSet().to_list() == [] and len(RowSet()) == 0
    assert RowSet([(1, 2), (3, 4)]).intervals == ((1, 4),)
    assert RowSet([(1, 5), (2, 3)]) == RowSet([(1, 5)])
    assert hash(RowSet([(1, 2)])) == hash(RowSet.from_ids([2, 1]))
    assert RowSet([(1, 2)]) != RowSet([(1, 3)])


def test_rowset_rejects_reversed_intervals():
    with pytest.raises(ValueError, match=r"^interval \(5, 3\) is reversed$"):
        RowSet([(5, 3)])


@PROPERTY
@given(clustered_ids(), clustered_ids())
def test_rowset_matches_python_sets(left_ids, right_ids):
    left, right = RowSet.from_ids(left_ids), RowSet.from_ids(right_ids)
    assert left.to_list() == sorted(set(left_ids))
    assert len(left) == len(set(left_ids))
    assert left.compact() == naive_compact(left_ids)
    assert left.intersection(right).to_list() == sorted(set(left_ids) & set(right_ids))
    assert left.difference(right).to_list() == sorted(set(left_ids) - set(right_ids))
    for probe in right_ids[:20]:
        assert (probe in left) == (probe in set(left_ids))


@PROPERTY
@given(clustered_ids(min_runs=1))
def test_compact_round_trips(ids):
    rows = RowSet.from_ids(ids)
    assert parse_row_ids(rows.compact()) == rows


# ---------------------------------------------------------------- max_rows


def test_check_max_rows():
    rows = parse_row_ids("1-10")
    check_max_rows(rows, 10)
    check_max_rows(rows, 0)
    with pytest.raises(RowIdError) as caught:
        check_max_rows(rows, 9)
    assert str(caught.value) == (
        "row_id covers 10 row ids (1-10), more than max_rows (9): narrow row_id, raise max_rows, "
        "or set max_rows: 0 to lift the guard"
    )
    with pytest.raises(RowIdError, match=r"^max_rows is -1: use a positive limit, or max_rows: 0 for no limit$"):
        check_max_rows(rows, -1)


def test_check_max_rows_shows_a_long_compact_form_cut_to_sixty_characters():
    rows = RowSet.from_ids(range(1, 200, 2))  # "1,3,5,...": far longer than sixty characters
    with pytest.raises(RowIdError) as caught:
        check_max_rows(rows, 10, "row_ids")
    shown = rows.compact()[:60] + "..."
    assert str(caught.value) == (
        "row_ids covers 100 row ids (%s), more than max_rows (10): narrow row_ids, raise max_rows, "
        "or set max_rows: 0 to lift the guard" % shown
    )


@pytest.mark.parametrize("last_id, shown_whole", [(10000, True), (100000, False)])
def test_a_compact_form_is_shown_whole_up_to_sixty_characters(last_id, shown_whole):
    rows = RowSet.from_ids([*range(1000, 1022, 2), last_id])  # 60 characters with 10000, 61 with 100000
    compact = rows.compact()
    assert len(compact) == (60 if shown_whole else 61)
    with pytest.raises(RowIdError) as caught:
        check_max_rows(rows, 1)
    assert "(%s)," % (compact if shown_whole else compact[:60] + "...") in str(caught.value)


def test_a_long_item_is_shown_cut_with_its_length():
    text = "x" * 100
    with pytest.raises(RowIdError) as caught:
        parse_row_ids(text)
    assert "%s... (100 characters)" % repr(text[:61])[:60] in str(caught.value)


def test_check_max_rows_counts_huge_ranges_without_expanding():
    with pytest.raises(RowIdError, match="%d row ids" % TRILLION):
        check_max_rows(parse_row_ids("1-%d" % TRILLION), 10000)


# ---------------------------------------------------------------- the planner


@pytest.mark.parametrize(
    "value, batch_size, expected",
    [
        ("1-10,12,14,20-25", 3, ["1-10", "12,14", "20-25"]),
        ("1-10,12,14,20-25", 100, ["1,2,3,4,5,6,7,8,9,10,12,14,20,21,22,23,24,25"]),
        ("1,5-100,200", 2, ["1,200", "5-100"]),
        ("1-5", 5, ["1-5"]),  # cost 1 either way: the largest k wins, so a range stays a range
        ("1-6", 5, ["1-6"]),
        ("7", 100, ["7"]),
        ("1,3,5", 1, ["1", "3", "5"]),
        ("1-3,10,20,30", 2, ["1-3", "10", "20,30"]),  # cost 3 with 0, 1 or 2 ranges: 2 ranges
        ("1-4,10,20,30", 2, ["1-4", "10", "20,30"]),
        ("1-2,4-5,7-8", 2, ["1-2", "4-5", "7-8"]),
    ],
)
def test_plan_examples(value, batch_size, expected):
    assert plan_delete_requests(parse_row_ids(value), batch_size) == expected


def test_plan_of_nothing_is_empty():
    assert plan_delete_requests(RowSet(), 100) == []


@pytest.mark.parametrize("batch_size", [0, -1, True, 1.5, "100", None])
def test_plan_rejects_bad_batch_sizes(batch_size):
    with pytest.raises(
        ValueError, match=r"^batch_size must be an integer of at least 1, got %s$" % re.escape(repr(batch_size))
    ):
        plan_delete_requests(parse_row_ids("1-3"), batch_size)


@PROPERTY
@given(clustered_ids(), st.integers(1, 150))
def test_plan_is_exact_and_well_formed(ids, batch_size):
    rows = RowSet.from_ids(ids)
    plan = plan_delete_requests(rows, batch_size)

    for spec in plan:
        if "," in spec:
            assert re.fullmatch(r"[0-9]+(,[0-9]+)+", spec)
            listed = expand_spec(spec)
            assert len(listed) <= batch_size and listed == sorted(set(listed))
        elif "-" in spec:
            start, end = map(int, re.fullmatch(r"([0-9]+)-([0-9]+)", spec).groups())
            assert start < end
        else:
            assert re.fullmatch(r"[0-9]+", spec)

    sent = [row_id for spec in plan for row_id in expand_spec(spec)]
    assert sorted(sent) == sorted(set(ids))
    assert len(plan) == fewest_requests(ids, batch_size)
    first_ids = [expand_spec(spec)[0] for spec in plan]
    assert first_ids == sorted(first_ids)
    covered = RowSet(run for spec in plan for run in request_ids(spec).intervals)
    assert covered == rows


@pytest.mark.parametrize("spec, expected", [("7", [7]), ("3-6", [3, 4, 5, 6]), ("2,3,9", [2, 3, 9])])
def test_request_ids(spec, expected):
    assert request_ids(spec).to_list() == expected


@pytest.mark.parametrize("spec", ["", "1,3-5", " 7", "a", "1-2-3", "1,", 7])
def test_request_ids_rejects_unplanned_specs(spec):
    with pytest.raises(ValueError, match=r"^%s is not a planned row spec$" % re.escape(repr(spec))):
        request_ids(spec)


def test_an_item_is_quoted_as_repr_quotes_its_first_sixty_one_characters():
    # repr switches to double quotes for a text holding "'": the one at index 59 must be in what is shown
    with pytest.raises(RowIdError) as caught:
        parse_row_ids("x" * 59 + "'z")
    assert '"%s' % ("x" * 59) in str(caught.value) and "(61 characters)" in str(caught.value)


@pytest.mark.parametrize("bits, shown", [(240, None), (241, "<a 241-bit integer>")])
def test_only_integers_longer_than_240_bits_are_shown_by_their_size(bits, shown):
    with pytest.raises(RowIdError) as caught:
        parse_row_ids([2 ** (bits - 1)])
    if shown is None:
        assert "-bit integer>" not in str(caught.value) and str(2 ** (bits - 1))[:20] in str(caught.value)
    else:
        assert shown in str(caught.value)


@pytest.mark.parametrize(
    "value, message",
    [
        ("1,0", "row_id item '0' (in '1,0') is not a row id: row ids start at 1"),
        ("1,0-3", "row_id item '0-3' (in '1,0-3') is not a row id: row ids start at 1"),
        (
            "1,%s-%s" % ("9" * 30, "9" * 31),
            "row_id item '%s-%s... (62 characters) (entry 2 of 2 in a comma list) is too large: "
            "row ids are at most 9223372036854775807" % ("9" * 30, "9" * 28),
        ),
        (
            "1," + "9" * 20,
            "row_id item '%s' (in '1,%s') is too large: row ids are at most 9223372036854775807" % ("9" * 20, "9" * 20),
        ),
        (
            "1," + "9" * 19,
            "row_id item '%s' (in '1,%s') is too large: row ids are at most 9223372036854775807" % ("9" * 19, "9" * 19),
        ),
        (
            "1,5-" + "9" * 20,
            "row_id item '5-%s' (in '1,5-%s') is too large: row ids are at most 9223372036854775807"
            % ("9" * 20, "9" * 20),
        ),
        # sixty characters are still quoted whole, sixty-one are not
        ("1," * 29 + "00", "row_id item '00' (in '%s00') is not a row id: row ids start at 1" % ("1," * 29)),
        (
            "1," * 29 + "000",
            "row_id item '000' (entry 30 of 30 in a comma list) is not a row id: row ids start at 1",
        ),
        # reprlib cannot render a 5000-digit int: the item is named by its type
        ([[10**5000]], 'row_id item <list> is a list inside the list: flatten it, e.g. [1, "2,3", "5-9"]'),
    ],
)
def test_an_item_in_a_list_is_named_with_where_it_stands(value, message):
    with pytest.raises(RowIdError) as caught:
        parse_row_ids(value)
    assert str(caught.value) == message


def test_a_quote_after_the_sixty_first_character_does_not_change_the_quoting():
    with pytest.raises(RowIdError) as caught:
        parse_row_ids("x" * 61 + "'")
    assert "'%s..." % ("x" * 59) in str(caught.value) and "(62 characters)" in str(caught.value)
