# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Masking secrets (api key, tokens) in text and in returned records.

A secret is masked in the forms a server may echo it in: as is, URL-encoded (``%2F`` or
``%2f``, ``+`` for spaces) and JSON-escaped (``\\/``), and cut short: a text holding the first
``MIN_CUT_LENGTH`` characters of a form, or more, loses that part too (a server may echo a header
cut to a length). Texts are masked whole before they are cut to a snippet, so no part of a
secret survives a cut. In records, the value of every
key whose name, lower-cased without punctuation or spaces, is ``apikey`` is masked at any
depth, and secrets are masked in keys as well as values.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable, List, Set
from urllib.parse import parse_qsl, quote, quote_plus

REDACTED = "********"
MIN_CUT_LENGTH = 12  # a secret's start this long or longer is masked too (api keys and tokens are longer)
MAX_RECORD_DEPTH = 32
TOO_DEEP = "(nested deeper than %d levels: not shown)" % MAX_RECORD_DEPTH
_NOT_LETTERS = re.compile(r"[\W_]+")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def is_secret_key(name: Any) -> bool:
    """True for ``apiKey``, ``api_key``, ``api-key``, ``'API Key '`` and the like."""
    return isinstance(name, str) and _is_secret_name(name)


@functools.lru_cache(maxsize=1024)  # a status read repeats the same few key names 300,000 times
def _is_secret_name(name: str) -> bool:
    return _NOT_LETTERS.sub("", name.lower()) == "apikey"


def secret_forms(secrets: Iterable[str]) -> List[str]:
    """Every echoed form of the secrets, longest first (so a longer form is masked whole)."""
    return list(_forms(tuple(sorted(secret for secret in secrets if secret))))


@functools.lru_cache(maxsize=64)  # every record of an account carries the same api key
def _forms(secrets: tuple) -> tuple:
    forms: Set[str] = set()
    for secret in secrets:
        for encoded in (secret, quote(secret), quote(secret, safe=""), quote_plus(secret), secret.replace("/", "\\/")):
            forms.add(encoded)
            forms.add(_PERCENT_ESCAPE.sub(lambda match: match.group(0).lower(), encoded))
    return tuple(sorted(forms, key=len, reverse=True))


def mask_text(text: str, forms: List[str]) -> str:
    """``text`` with every form (from ``secret_forms``), and every start of one cut short, replaced by the mask."""
    cut_forms = []
    for form in forms:
        if form[:MIN_CUT_LENGTH] not in text:  # one look per form in the common case: nothing to mask
            continue
        if form in text:
            text = text.replace(form, REDACTED)
        if len(form) > MIN_CUT_LENGTH and form[:MIN_CUT_LENGTH] in text:
            cut_forms.append(form)
    return _mask_starts(text, cut_forms) if cut_forms else text


def _mask_starts(text: str, forms: List[str]) -> str:
    """``text`` with each start of a form at least MIN_CUT_LENGTH long masked, as far as any form goes on."""
    pieces, start = [], 0
    while True:
        hits = [(text.find(form[:MIN_CUT_LENGTH], start), form) for form in forms]
        hits = [(found, form) for found, form in hits if found >= 0]
        if not hits:
            break
        found = min(position for position, _form in hits)
        end = max(_match_end(text, found, form) for position, form in hits if position == found)
        pieces += [text[start:found], REDACTED]
        start = end
    pieces.append(text[start:])
    return "".join(pieces)


def _match_end(text: str, found: int, form: str) -> int:
    end = found + MIN_CUT_LENGTH
    while end < len(text) and end - found < len(form) and text[end] == form[end - found]:
        end += 1
    return end


def secret_values(value: Any, depth: int = 0) -> Set[str]:
    """The string values of every ``apikey``-named key in ``value``, at any depth (bounded)."""
    found: Set[str] = set()
    if depth > MAX_RECORD_DEPTH:
        return found
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(item, (dict, list)):
            found |= secret_values(item, depth + 1)
        elif item and isinstance(item, str) and is_secret_key(key):
            found.add(item)
    return found


def query_secrets(query: str) -> Set[str]:
    """The values of every ``apikey``-named field of a query string, each repeated name included (a dict of the
    fields keeps only the last value of a name, and a later blank field would hide a key sent before it)."""
    return {value for name, value in parse_qsl(query, keep_blank_values=True) if value and is_secret_key(name)}


def mask_value(value: Any, forms: List[str], depth: int = 0) -> Any:
    """A copy of ``value`` with secrets masked in keys and strings, ``apikey``-named values masked.

    Structures deeper than ``MAX_RECORD_DEPTH`` are replaced by a short note, so that neither
    this walk nor Ansible's result serialisation can run out of stack on a hostile record.
    """
    if isinstance(value, str):
        return mask_text(value, forms)
    if not isinstance(value, (dict, list)):
        return value
    if depth >= MAX_RECORD_DEPTH:
        return TOO_DEEP
    if isinstance(value, list):
        return [mask_value(item, forms, depth + 1) for item in value]
    return {
        mask_text(key, forms) if isinstance(key, str) else key: REDACTED
        if is_secret_key(key)
        else mask_value(item, forms, depth + 1)
        for key, item in value.items()
    }
