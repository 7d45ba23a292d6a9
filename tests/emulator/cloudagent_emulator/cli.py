# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline emulator of the Ozonetel CloudAgent APIs the ozonetel.cloudagent collection uses.

Run it as a module (stdlib only, Python 3.9+), with tests/emulator on the module search path:

    PYTHONPATH=tests/emulator python3 -m cloudagent_emulator --port 8765

It prints one line, ``CloudAgent emulator listening on http://127.0.0.1:8765``, and serves
Generate Token, Delete Scheduled Data, Scheduled Data Status and the /_emulator/ control API
until Ctrl-C or SIGTERM. See tests/emulator/README.md.
"""

from __future__ import annotations

import argparse
import signal

from .diag import ReplayBook
from .http_server import EmulatorServer
from .rows import DEFAULT_CAMPAIGN, SpecError, parse_seed_spec
from .state import EmulatorState, StateError, default_accounts, parse_account

BANNER = "CloudAgent emulator listening on http://%s:%d"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Offline emulator of the Ozonetel CloudAgent APIs (a test double; see tests/emulator/README.md)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to bind; 0 picks a free one (default: 8765)")
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="USER:APIKEY:MODE",
        help="an account (MODE is TOKEN_AUTH or BASIC_AUTH); repeatable. "
        "Without it: demo_user (TOKEN_AUTH) and basic_user (BASIC_AUTH)",
    )
    parser.add_argument(
        "--rows",
        action="append",
        default=[],
        metavar="USER:SPEC[:CAMPAIGN]",
        help="seed scheduled rows at start, SPEC like 1-500 or 1,3,7-9; repeatable",
    )
    parser.add_argument(
        "--campaign",
        action="append",
        default=[],
        metavar="USER:CAMPAIGN",
        help="a campaign Schedule Campaign Data accepts for USER (demo_campaign always exists); repeatable",
    )
    parser.add_argument(
        "--delete-rate-limit",
        type=int,
        default=0,
        metavar="N",
        help="DELETE requests allowed per user per rolling minute (default: 0 = no limit)",
    )
    parser.add_argument(
        "--token-ttl",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="lifetime of generated tokens (default: 3600)",
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="answer the vendor endpoints from a transcript (OZONETEL_TRANSCRIPT), in order per method and path",
    )
    parser.add_argument("--verbose", action="store_true", help="log request lines (never headers or bodies) to stderr")
    return parser


def build_state(parser: argparse.ArgumentParser, args: argparse.Namespace) -> EmulatorState:
    try:
        accounts = [parse_account(text) for text in args.account] or default_accounts()
        campaigns = [_user_and_campaign(text) for text in args.campaign]
        state = EmulatorState(
            accounts, delete_rate_limit=args.delete_rate_limit, token_ttl=args.token_ttl, campaigns=campaigns
        )
        for seed in args.rows:
            user_name, _sep, rest = seed.partition(":")
            spec, _sep, campaign_name = rest.partition(":")
            state.add_rows(user_name, parse_seed_spec(spec), campaign_name or DEFAULT_CAMPAIGN)
    except (StateError, SpecError) as error:
        # The messages never repeat the argument text, so an api key cannot leak through them.
        parser.error(str(error))
    return state


def _user_and_campaign(text: str):
    user_name, sep, campaign_name = text.partition(":")
    if not sep or not user_name or not campaign_name:
        raise StateError("a campaign is written USER:CAMPAIGN")
    return user_name, campaign_name


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    state = build_state(parser, args)
    if args.replay:
        try:
            state.replay = ReplayBook.load(args.replay)
        except OSError as error:
            parser.exit(1, "cannot read the transcript %s: %s\n" % (args.replay, error.strerror or error))
    try:
        server = EmulatorServer((args.host, args.port), state, verbose=args.verbose)
    except OSError as error:
        parser.exit(1, "cannot listen on %s:%d: %s\n" % (args.host, args.port, error.strerror or error))
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(BANNER % (args.host, server.server_address[1]), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
