# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The floor of a Scheduled Data Status read: one plain requests GET and json.loads of the whole answer.

Usage: status_floor.py BASE_URL USER_NAME API_KEY (basic authentication). Prints the record count and the answer's size in bytes.
No retries, no masking, no normalising: what any client must at least pay to get the records.
"""

from __future__ import annotations

import json
import sys

import requests


def main(base_url: str, user_name: str, api_key: str) -> int:
    response = requests.get(
        base_url.rstrip("/") + "/ca_apis/getScheduledData",
        json={"userName": user_name},
        headers={"apiKey": api_key},
        timeout=300,
    )
    answer = json.loads(response.content)
    message = answer["message"]
    print(len(message) if isinstance(message, list) else 1, len(response.content))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
