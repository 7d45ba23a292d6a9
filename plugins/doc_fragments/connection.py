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
      - A trailing C(/ca_apis), as pasted from the API pages, is dropped (the collection adds the API paths).
      - A plain V(http://) URL to a host other than this machine gives a warning, since the API key and tokens
        would travel unencrypted.
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
      - It generates tokens, and the modules send it in the C(apiKey) header of every request, in token mode
        too (as the vendor's token-auth samples do) and in basic mode instead of a token.
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
  token_cache:
    description:
      - Where tokens and the record of token generations are kept, shared by every module and lookup that uses it.
      - A file path, for the machine it is on. Defaults to C($XDG_CACHE_HOME/ozonetel.cloudagent/tokens.json), or
        C(~/.cache/ozonetel.cloudagent/tokens.json) when E(XDG_CACHE_HOME) is not set.
      - Or a Redis URL, for many machines (AWX execution nodes, several controllers, CI runners) that use one
        CloudAgent user. V(redis://[user:password@]host:port/db), V(rediss://...) for TLS, or
        V(unix:///path/to/redis.sock) (a password goes in V(?password=...) there). redis-py's form
        V(redis://user@host:port/db?password=...) works too. A password holding C(/), C(?), C(#), C(@) or C(%)
        (or C(&) after V(?password=)) must be percent-encoded (C(/) as C(%2F), C(@) as C(%40)). The Python
        library C(redis) is then needed where the plugin runs.
      - The value is treated as a secret (C(no_log) in the modules). The password is masked in every message,
        warning and result, in every URL form, as written and decoded. A file path, or a Redis URL without a
        password, stays readable in messages.
      - Either way one token generation at a time per account, the newest token reused by all, and at most
        10 generations an hour per user. When a Redis store cannot be reached, refuses the password or does not
        answer completely within 5 seconds (each store operation as a whole), the task fails naming the store;
        no token is generated outside it.
      - If not set, the environment variable E(OZONETEL_TOKEN_CACHE) is used.
    type: str
notes:
  - The collection needs the Python library C(requests) where the plugin runs, and C(redis) only when
    O(token_cache) is a Redis URL.
  - HTTP redirects are never followed, since the API key or token would go along; a redirect fails, naming
    its status and target host (and saying to use V(https://) in O(base_url) when it leads to the https form of
    the same host). Credentials in C(~/.netrc) are never used. An HTTP 404 names the URL path requested.
  - An answer that breaks off before its end (a short body, a broken chunk, broken gzip, a reset connection) is
    a lost answer, like a dropped connection. A token generation whose answer was lost counts against the 10 an
    hour; a status read or a DELETE is retried; a Schedule Campaign Data request is not repeated, and its rows
    may have been created.
  - With the environment variable E(OZONETEL_TRANSCRIPT) set to a file path where the plugin runs, every HTTP
    exchange appends one JSON line (method, path, status, time taken, request and answer bodies cut to 8192
    characters) to that file, created with mode C(0600); the API key, tokens and the Redis password are masked.
    See the troubleshooting guide.
  - A C(DELETE) answered C(405 Method Not Allowed) is sent once more as C(POST) with the same body, with a
    warning, since the vendor's own sample POSTs; other statuses are never repeated that way.
requirements:
  - requests
  - redis (only when O(token_cache) is a Redis URL)
"""

    MODULE = r"""
options:
  token:
    description:
      - A bearer token, for example from the P(ozonetel.cloudagent.ozonetel_token#lookup) lookup.
      - When not set in O(auth_mode=token), a token is generated from O(api_key) through the shared token cache.
      - When the API refuses this token (C(Token Expired) or C(Invalid Token)) and O(api_key) is known, a fresh
        token is obtained once through O(token_cache) and the request repeated once; without O(api_key) the task
        fails saying so.
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
      - How often to retry a request after a connection error, a read timeout, an answer that broke off, HTTP 429,
        502, 503 or 504,
        or the in-body answer C(Max limit exceeded). C(Retry-After) is honoured when it is a number of seconds
        or an HTTP date, capped at 60 seconds; otherwise (also for a negative or invalid value) the wait doubles
        from 1 second, capped at 30 seconds.
      - Token generation is never retried. A Schedule Campaign Data request (C(state=present)) is retried only
        when CloudAgent cannot have acted on it (a refused connection, HTTP 429 or 503, or C(Max limit exceeded)),
        never after a lost answer or a gateway's 502/504, since its rows may already exist.
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
  token_cache:
    aliases: [cache_path]
    env:
      - name: OZONETEL_TOKEN_CACHE
"""
