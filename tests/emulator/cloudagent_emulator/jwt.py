# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HS512 JSON Web Tokens as CloudAgent's Generate Token issues them (stdlib only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Optional

_HEADER = {"alg": "HS512", "typ": "JWT"}


def _b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    padding = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode((text + padding).encode("ascii"))


def _json_segment(value: dict) -> str:
    return _b64url_encode(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def _signature(secret: bytes, signing_input: str) -> str:
    return _b64url_encode(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha512).digest())


def encode_token(secret: bytes, claims: dict) -> str:
    """Return a compact HS512 JWT carrying ``claims``."""
    signing_input = _json_segment(_HEADER) + "." + _json_segment(claims)
    return signing_input + "." + _signature(secret, signing_input)


def decode_token(secret: bytes, token: str) -> Optional[dict]:
    """Return the claims of ``token`` when it is a well-formed HS512 JWT signed with ``secret``, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header_part, claims_part, signature_part = parts
    try:
        expected = _signature(secret, header_part + "." + claims_part)
        if not hmac.compare_digest(expected, signature_part):
            return None
        header = json.loads(_b64url_decode(header_part))
        claims = json.loads(_b64url_decode(claims_part))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS512" or not isinstance(claims, dict):
        return None
    return claims
