# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    CloudAgentError,
    ConfigurationError,
    MissingLibraryError,
    PartialResultError,
    RateLimitError,
    RowIdError,
    TokenBudgetError,
    TokenCacheError,
    TokenExpiredError,
    TokenInvalidError,
    TokenRefusedError,
    TransportError,
)


class FakeReport:
    """A workflow report: result() gives the module result, msg included."""

    def __init__(self, **result):
        self.values = result

    def result(self) -> dict:
        return dict(self.values)


@pytest.mark.parametrize(
    "error_class, caught_as",
    [
        (ConfigurationError, (CloudAgentError,)),
        (RowIdError, (ConfigurationError, CloudAgentError)),
        (MissingLibraryError, (ConfigurationError, CloudAgentError)),
        (PartialResultError, (CloudAgentError,)),
        (TokenCacheError, (CloudAgentError,)),
        (TokenBudgetError, (CloudAgentError,)),
        (TransportError, (CloudAgentError,)),
        (ApiError, (CloudAgentError,)),
        (AuthenticationError, (ApiError, CloudAgentError)),
        (TokenRefusedError, (AuthenticationError, ApiError, CloudAgentError)),
        (TokenExpiredError, (TokenRefusedError, AuthenticationError, ApiError, CloudAgentError)),
        (TokenInvalidError, (TokenRefusedError, AuthenticationError, ApiError, CloudAgentError)),
        (RateLimitError, (ApiError, CloudAgentError)),
    ],
)
def test_each_error_is_caught_as_exactly_the_errors_above_it(error_class, caught_as):
    above = {cls for cls in error_class.__mro__ if issubclass(cls, CloudAgentError)} - {error_class}
    assert above == set(caught_as)


def test_a_partial_result_error_carries_its_report_and_the_report_s_result_without_msg():
    report = FakeReport(msg="deleted 2 of 5 rows", changed=True, deleted="1-2", batches=[{"row_id": "1-2"}])
    error = PartialResultError("Deleting rows 3-5 failed: HTTP 500.", report)
    assert str(error) == "Deleting rows 3-5 failed: HTTP 500."
    assert error.report is report
    assert error.result == {"changed": True, "deleted": "1-2", "batches": [{"row_id": "1-2"}]}
    assert report.result()["msg"] == "deleted 2 of 5 rows"


def test_a_partial_result_is_read_from_the_report_when_asked():
    report = FakeReport(changed=False)
    error = PartialResultError("stopped", report)
    report.values = dict(changed=True, msg="m", created=[0])
    assert error.result == {"changed": True, "created": [0]}
    error.report = FakeReport(changed=False, msg="m")
    assert error.result == {"changed": False}


def test_a_missing_library_names_itself_its_purpose_and_how_to_install_it():
    error = MissingLibraryError("redis", "for a Redis token store", "No module named 'redis'")
    assert str(error) == (
        "The Python library redis is needed for a Redis token store; install it where the plugin runs "
        "(pip install redis)."
    )
    assert (error.library, error.purpose, error.import_error) == (
        "redis",
        "for a Redis token store",
        "No module named 'redis'",
    )
    assert MissingLibraryError("redis", "for a Redis token store").import_error is None


def test_an_api_error_keeps_its_status_and_the_vendor_s_message_apart_from_its_own():
    error = TokenExpiredError("The token FAKE-TOKEN-1 was refused: HTTP 401.", status=401, api_message="Token expired")
    assert (str(error), error.status, error.api_message) == (
        "The token FAKE-TOKEN-1 was refused: HTTP 401.",
        401,
        "Token expired",
    )
    bare = ApiError("The API answered HTTP 502.")
    assert (str(bare), bare.status, bare.api_message) == ("The API answered HTTP 502.", None, None)


def test_a_transport_error_has_not_landed_unless_marked_so():
    assert TransportError("Connection refused.").may_have_landed is False
