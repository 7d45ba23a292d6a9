# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every plugin; MODULE and PLUGIN add what only those need."""

    DOCUMENTATION = r"""
options:
  base_url:
    description:
      - Base URL of the CloudAgent API.
      - Domestic (India) accounts use V(https://in1-ccaas-api.ozonetel.com), international accounts
        V(https://api.ccaas.ozonetel.com); partners use the URL the vendor gave them.
      - If not set, the environment variable E(OZONETEL_BASE_URL) is used.
    type: str
    default: https://in1-ccaas-api.ozonetel.com
  user_name:
    description:
      - The CloudAgent user name.
      - If not set, the environment variable E(OZONETEL_USERNAME) is used.
    type: str
    required: true
    aliases: [username]
  api_key:
    description:
      - The account API key.
      - If not set, the environment variable E(OZONETEL_API_KEY) is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(base_url).
      - If not set, the environment variable E(OZONETEL_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle to verify O(base_url) with, for example for a private API gateway.
      - If not set, the environment variable E(OZONETEL_CA_PATH) is used. E(REQUESTS_CA_BUNDLE) and the
        proxy environment variables keep working when this is not set.
    type: path
  timeout:
    description:
      - Seconds one HTTP request may take as a whole (connecting, sending, and receiving the headers and the
        complete answer), not seconds per network read. Each retry has a timeout of its own.
    type: float
    default: 30
notes:
  - The collection needs the Python library C(requests) where the plugin runs.
  - HTTP redirects are never followed, since the API key or token would go along; a redirect fails, naming
    its status and target host. Credentials in C(~/.netrc) are never used.
requirements:
  - requests
"""

    MODULE = r"""
options:
  token:
    description:
      - A bearer token, for example from the P(ozonetel.cloudagent.ozonetel_token#lookup) lookup.
      - When not set in O(auth_mode=token), a token is generated from O(api_key) through the shared token cache.
      - When the API refuses this token as expired and O(api_key) is known, a fresh token is obtained once
        through the cache and the request repeated once.
      - If not set, the environment variable E(OZONETEL_TOKEN) is used.
    type: str
  auth_mode:
    description:
      - How requests authenticate, matching the account's C(API Authentication) setting.
      - V(token) sends a bearer token (C(TOKEN_AUTH)); V(basic) sends the API key with every request (C(BASIC_AUTH))
        and never asks for a token.
      - With V(basic), a wrong API key makes the API answer C(No data found), which looks like nothing to delete.
        Prefer V(token).
      - If not set, the environment variable E(OZONETEL_AUTH_MODE) is used.
    type: str
    choices: [token, basic]
    default: token
  retries:
    description:
      - How often to retry a request after a connection error, a read timeout, HTTP 429, 502, 503 or 504,
        or the in-body answer C(Max limit exceeded). C(Retry-After) is honoured when it is a number of seconds
        or an HTTP date, capped at 60 seconds; otherwise (also for a negative or invalid value) the wait doubles
        from 1 second, capped at 30 seconds.
      - Token generation is never retried.
    type: int
    default: 3
"""

    PLUGIN = r"""
options:
  base_url:
    env:
      - name: OZONETEL_BASE_URL
    vars:
      - name: ozonetel_base_url
  user_name:
    env:
      - name: OZONETEL_USERNAME
    vars:
      - name: ozonetel_user_name
  api_key:
    env:
      - name: OZONETEL_API_KEY
    vars:
      - name: ozonetel_api_key
  validate_certs:
    env:
      - name: OZONETEL_VALIDATE_CERTS
  ca_path:
    env:
      - name: OZONETEL_CA_PATH
"""
