# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The one HTTP client of the collection: authentication, retries, and the three API calls."""

from __future__ import annotations

import dataclasses
import re
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

try:
    import requests
    from urllib3.exceptions import ProtocolError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: Optional[str] = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import (
    NO_DATA_MESSAGE,
    SlowDown,
    read_answer,
    snippet,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    CloudAgentError,
    ConfigurationError,
    RateLimitError,
    TokenExpiredError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._status_stream import read_status_answer
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_cache import (
    DEFAULT_MIN_VALIDITY,
    TokenCache,
)

TOKEN_PATH = "/ca_apis/CAToken/generateToken"
DELETE_PATH = "/ca_apis/deleteScheduledData"
STATUS_PATH = "/ca_apis/getScheduledData"
USER_AGENT = "ozonetel.cloudagent/1.0.0"
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 30.0
REDACTED = "********"
STATUS_CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class ConnectionSettings:
    base_url: str
    user_name: str
    api_key: Optional[str] = None
    token: Optional[str] = None
    auth_mode: str = "token"
    validate_certs: bool = True
    ca_path: Optional[str] = None
    timeout: float = 30.0
    retries: int = 3
    cache_path: Optional[str] = None


@dataclass(frozen=True)
class DeleteOutcome:
    """What the API said about one DELETE request: ``deleted`` or ``not_found``."""

    row_spec: str
    result: str
    message: str
    possibly_deleted_earlier: bool = False


class CloudAgentClient:
    """Talks to one CloudAgent account. Raises ``CloudAgentError`` subclasses, never fails a module."""

    def __init__(self, settings: ConnectionSettings, token_cache: Optional[TokenCache] = None,
                 warn: Optional[Callable[[str], None]] = None, sleep: Callable[[float], None] = time.sleep,
                 session=None):
        self.settings = settings
        self._cache = token_cache
        self._warn = warn or (lambda message: None)
        self._sleep = sleep
        self._session = session
        self._token = settings.token

    # ---- the API calls -------------------------------------------------------------------

    def generate_token(self) -> str:
        """One Generate Token call. Never retried: each call spends budget and logs out older tokens."""
        what = "Generate Token for user '%s'" % self.settings.user_name
        self._require_api_key("generating a token")
        answer = self._send("POST", TOKEN_PATH, {"userName": self.settings.user_name},
                            {"apiKey": self.settings.api_key}, what, retry=False)
        token = answer.payload.get("token") if isinstance(answer.payload, dict) else None
        if isinstance(token, str) and token:
            return token
        if "invalid" in answer.message_text.lower():
            raise AuthenticationError(
                "%s: the API answered '%s'. Check user_name and api_key (OZONETEL_USERNAME, OZONETEL_API_KEY)."
                % (what, answer.message_text), status=answer.http_status, api_message=answer.message_text)
        raise ApiError("%s failed: %s" % (what, self._describe(answer)),
                       status=answer.http_status, api_message=answer.message_text)

    def get_token(self, fresh: bool = False, min_validity: float = DEFAULT_MIN_VALIDITY) -> str:
        """A bearer token through the shared cache (generating one only when needed)."""
        self._require_api_key("getting a token")
        return self._cached_token(min_validity=min_validity, fresh=fresh)

    def get_scheduled_data(self, collect: Callable[[Iterator[dict]], Any] = list) -> Any:
        """``collect`` over the user's Scheduled Data Status records (raw vendor dicts, read as they arrive).

        The answer holds every record of the account; ``collect`` should keep only what its caller
        needs. It may run more than once (once per attempt), so it must not act beyond returning.
        The default returns the list of every record.
        """
        what = "Scheduled Data Status read (GET %s)" % STATUS_PATH
        answer = self._authorized("GET", STATUS_PATH, {"userName": self.settings.user_name}, what,
                                  read_body=_status_reader(collect))
        if answer.says(NO_DATA_MESSAGE):
            return collect(iter(()))
        if not answer.ok:
            raise ApiError("%s failed: %s" % (what, self._describe(answer)),
                           status=answer.http_status, api_message=answer.message_text)
        return answer.collected

    def delete_scheduled_data(self, row_spec: str, label: str = "") -> DeleteOutcome:
        """One Delete Scheduled Data request for a single id, a comma list or a range."""
        what = "DELETE %s rowId '%s'%s" % (DELETE_PATH, row_spec, label)
        # The vendor page names the field rowId in its table and row_id in its sample; send both.
        body = {"userName": self.settings.user_name, "rowId": row_spec, "row_id": row_spec}
        answer = self._authorized("DELETE", DELETE_PATH, body, what)
        if answer.ok:
            return DeleteOutcome(row_spec, "deleted", _text(answer.message) or "deleted")
        if answer.says(NO_DATA_MESSAGE):
            return DeleteOutcome(row_spec, "not_found", answer.message_text, answer.after_lost_attempt)
        raise ApiError("%s failed: %s" % (what, self._describe(answer)),
                       status=answer.http_status, api_message=answer.message_text)

    # ---- authentication ------------------------------------------------------------------

    def _authorized(self, method: str, path: str, body: dict, what: str, read_body=None):
        if self.settings.auth_mode == "basic":
            self._require_api_key("basic authentication")
            return self._send(method, path, body, {"apiKey": self.settings.api_key}, what, retry=True,
                              read_body=read_body)
        token = self._current_token()
        try:
            return self._send(method, path, body, self._bearer_headers(token), what, retry=True, read_body=read_body)
        except TokenExpiredError as exc:
            if not self.settings.api_key:
                raise TokenExpiredError(
                    "%s. Set api_key (or OZONETEL_API_KEY) so a fresh token can be generated, or pass a "
                    "fresh token." % exc, status=exc.status, api_message=exc.api_message) from None
            self._token = self._cached_token(refused_token=token)
        return self._send(method, path, body, self._bearer_headers(self._token), what, retry=True, read_body=read_body)

    def _current_token(self) -> str:
        if not self._token:
            self._token = self.get_token()
        return self._token

    def _cached_token(self, **options) -> str:
        return self._token_cache().get_token(self.settings.base_url, self.settings.user_name, self.settings.api_key,
                                             self.generate_token, **options)

    def _bearer_headers(self, token: str) -> dict:
        headers = {"Authorization": "Bearer %s" % token}
        if self.settings.api_key:
            headers["apiKey"] = self.settings.api_key  # the vendor's token-auth samples send it too
        return headers

    def _require_api_key(self, purpose: str) -> None:
        if not self.settings.api_key:
            raise ConfigurationError("%s needs api_key (option api_key or environment variable OZONETEL_API_KEY)."
                                     % purpose.capitalize())

    def _token_cache(self) -> TokenCache:
        if self._cache is None:
            self._cache = TokenCache(self.settings.cache_path, warn=self._warn)
        return self._cache

    # ---- HTTP with bounded retries ---------------------------------------------------------

    def _send(self, method: str, path: str, body: dict, headers: dict, what: str, retry: bool, read_body=None):
        retries = self.settings.retries if retry else 0
        waited = 0.0
        lost_attempt = False
        for attempt in range(retries + 1):
            outcome = self._attempt(method, path, body, headers, what, read_body)
            if not isinstance(outcome, (SlowDown, TransportError)):
                return dataclasses.replace(outcome, after_lost_attempt=lost_attempt)
            lost_attempt = lost_attempt or outcome.may_have_landed
            if attempt == retries:
                raise self._gave_up(outcome, what, attempt, waited, retry)
            delay = _delay(outcome, attempt)
            self._warn(self._redact("%s: %s; retry %d of %d in %.1f s." % (
                what, _cause(outcome), attempt + 1, retries, delay)))
            self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, method, path, body, headers, what, read_body=None):
        """One request; ``read_body(response, what)`` reads a streamed answer (default: read it whole)."""
        try:
            response = self._http().request(
                method, self.settings.base_url.rstrip("/") + path, json=body,
                headers=dict(headers, **{"Content-Type": "application/json", "Accept": "application/json"}),
                timeout=self.settings.timeout, verify=self._verify(), stream=read_body is not None)
            if read_body is not None:
                with response:  # the body is read here, so its transport errors are this attempt's
                    return self._redacted(read_body, response, what)
        except requests.exceptions.SSLError as exc:
            raise TransportError(self._redact(
                "%s: TLS verification failed (%s). Set ca_path to your CA bundle, or validate_certs: false for "
                "a test gateway." % (what, _first_line(exc)))) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            cause = _transport_cause(exc, self.settings.base_url, self.settings.timeout)
            lost = TransportError(self._redact("%s: %s" % (what, cause)))
            lost.may_have_landed = _may_have_landed(exc)
            return lost
        except requests.exceptions.RequestException as exc:
            raise TransportError(self._redact("%s: %s" % (what, _first_line(exc)))) from None
        return self._redacted(lambda whole, _what: read_answer(whole.status_code, whole.headers, whole.text, what),
                              response, what)

    def _redacted(self, read_body, response, what):
        try:
            return read_body(response, what)
        except CloudAgentError as exc:
            exc.args = (self._redact(str(exc)),)
            raise

    def _gave_up(self, outcome, what: str, attempts: int, waited: float, retry: bool) -> CloudAgentError:
        tried = " after %d retries (%.1f s of back-off)" % (attempts, waited) if attempts else ""
        if not retry:
            tried = " (token generation is never retried: each call spends budget and logs out older tokens)"
        if isinstance(outcome, TransportError):
            return TransportError("%s%s. Check base_url, the network path and timeout." % (outcome, tried))
        advice = "try again later" + (" or raise retries" if retry else "")
        return RateLimitError(self._redact("%s: %s%s. The API is overloaded or rate-limiting this account; %s."
                                           % (what, outcome.reason, tried, advice)),
                              status=outcome.http_status, api_message=outcome.reason)

    def _http(self):
        if self._session is None:
            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
        return self._session

    def _verify(self):
        if self.settings.ca_path:
            return self.settings.ca_path
        return self.settings.validate_certs

    def _describe(self, answer) -> str:
        return "HTTP %d, %s" % (answer.http_status, self._redact(repr(_text(answer.message) or answer.payload)))

    def _redact(self, text: str) -> str:
        for secret in (self.settings.api_key, self.settings.token, self._token):
            if secret:
                text = text.replace(secret, REDACTED)
        return text


def _status_reader(collect: Callable[[Iterator[dict]], Any]):
    """The seam between transport and parser: the status answer's body goes to the parser in chunks."""
    def read(response, what: str):
        return read_status_answer(response.status_code, response.headers,
                                  response.iter_content(chunk_size=STATUS_CHUNK_BYTES), what, collect)
    return read


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _delay(outcome, attempt: int) -> float:
    if isinstance(outcome, SlowDown) and outcome.retry_after is not None:
        return outcome.retry_after
    return min(BACKOFF_FIRST * (2 ** attempt), BACKOFF_CAP)


def _cause(outcome) -> str:
    return outcome.reason if isinstance(outcome, SlowDown) else str(outcome).split(": ", 1)[-1]


def _may_have_landed(exc: Exception) -> bool:
    """True when the request was sent but its answer was lost (read timeout, connection dropped)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    return isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(exc.args[0] if exc.args else None, ProtocolError)


def _transport_cause(exc: Exception, base_url: str, timeout: float) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connecting to %s timed out after %s s" % (base_url, timeout)
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer from %s within %s s (read timeout)" % (base_url, timeout)
    os_error = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return "cannot connect to %s (%s)" % (base_url, os_error.group(0) if os_error else _first_line(exc))


def _first_line(exc: Exception) -> str:
    return snippet(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
