# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Typed errors raised by the shared client.

module_utils raises; the edges translate: modules call ``fail_json(msg=str(err))``,
the lookup raises ``AnsibleLookupError(str(err))``. Every message is written for a
person and never contains the api key or a token.
"""

from __future__ import annotations


class CloudAgentError(Exception):
    """Base class of every error this collection raises on purpose."""


class PartialResultError(CloudAgentError):
    """A workflow stopped after part of its work was done; ``report`` says what was done.

    ``report.result()`` is the module result of that part; ``result`` is the same without ``msg``,
    since the error's own message is the failure's ``msg``.
    """

    def __init__(self, message: str, report):
        super().__init__(message)
        self.report = report

    @property
    def result(self) -> dict:
        return {key: value for key, value in self.report.result().items() if key != "msg"}


class ConfigurationError(CloudAgentError):
    """Options are missing or invalid; raised before any HTTP request."""


class RowIdError(ConfigurationError):
    """A ``row_id`` value cannot be understood, or asks for too many rows."""


class MissingLibraryError(ConfigurationError):
    """An optional Python library is needed for the options given (e.g. ``redis`` for a Redis token store)."""

    def __init__(self, library: str, purpose: str, import_error: str | None = None):
        super().__init__(
            "The Python library %s is needed %s; install it where the plugin runs (pip install %s)."
            % (library, purpose, library)
        )
        self.library = library
        self.purpose = purpose
        self.import_error = import_error


class TokenCacheError(CloudAgentError):
    """The token store (a cache file or a Redis server) cannot be used safely, or is unreachable."""


class TokenBudgetError(CloudAgentError):
    """The local ledger shows 10 token generations in the last hour."""


class TransportError(CloudAgentError):
    """The API could not be reached (connection error or timeout), after any retries."""

    may_have_landed = False  # set when the request was sent but its answer was lost


class ApiError(CloudAgentError):
    """The API answered with an error.

    ``status`` is the HTTP status code (200 for the vendor's in-body errors),
    ``api_message`` the vendor's own message, if any.
    """

    def __init__(self, message: str, status: int | None = None, api_message: str | None = None):
        super().__init__(message)
        self.status = status
        self.api_message = api_message


class AuthenticationError(ApiError):
    """The API refused the credentials (wrong user name or api key)."""


class TokenRefusedError(AuthenticationError):
    """The API refused a bearer token: a cached one is dropped and replaced once."""


class TokenExpiredError(TokenRefusedError):
    """The API refused a bearer token as expired (or superseded by a newer one)."""


class TokenInvalidError(TokenRefusedError):
    """The API answered ``Invalid Token`` (HTTP 401): it does not know the token (e.g. it was restarted)."""


class RateLimitError(ApiError):
    """The API kept answering "slow down" (HTTP 429 or "Max limit exceeded") after every retry."""
