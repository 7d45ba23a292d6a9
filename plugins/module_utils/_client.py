# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The one HTTP client of the collection: authentication, retries, and the three API calls."""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import (
    NO_DATA_MESSAGE,
    SlowDown,
    read_answer,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    CloudAgentError,
    ConfigurationError,
    RateLimitError,
    TokenRefusedError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import mask_text, mask_value, secret_forms
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._status_stream import read_status_answer
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_store import (
    DEFAULT_MIN_VALIDITY,
    TokenStore,
    open_token_store,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_redis import password_forms
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._transcript import record
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._transport import (
    MAX_ANSWER_BYTES,
    MAX_STATUS_ANSWER_BYTES,
    Deadline,
    HttpTransport,
    body_text,
    capped_body,
    normalized_base_url,
    read_body,
    refuse_redirect,
    with_requested_path,
)

TOKEN_PATH = "/ca_apis/CAToken/generateToken"
DELETE_PATH = "/ca_apis/deleteScheduledData"
STATUS_PATH = "/ca_apis/getScheduledData"
SCHEDULE_PATH = "/ca_apis/campaignScheduledData"
HTTP_METHOD_NOT_ALLOWED = 405
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 30.0
STATUS_CHUNK_BYTES = 256 * 1024  # big reads keep the streamed status parser at C speed


@dataclass(frozen=True)
class RetryPolicy:
    """Which failed attempts of a request may be repeated; each API call passes its own.

    ``lost_answers``: also repeat when the request may have reached CloudAgent (its answer was lost,
    or a gateway that may have forwarded it gave up). ``one_attempt_because`` ends the error of a request
    that was not repeated, saying why.
    """

    repeats: bool
    lost_answers: bool = False
    one_attempt_because: str = ""

    def attempts(self, retries: int) -> int:
        return retries + 1 if self.repeats else 1

    def may_repeat(self, outcome) -> bool:
        """``outcome``: a ``SlowDown`` or the ``TransportError`` of a lost answer."""
        return self.repeats and (self.lost_answers or not outcome.may_have_landed)


# The status read, and a DELETE: repeating them is safe (a DELETE answered "No data found" after a lost
# attempt is reported as possibly deleted by that attempt: Answer.after_lost_attempt).
SAFE_TO_REPEAT = RetryPolicy(repeats=True, lost_answers=True)
# A POST that creates rows: repeated only when the API cannot have acted on it (a refused connection, 429,
# 503, "Max limit exceeded"), never once it may have created them.
UNPROCESSED_ONLY = RetryPolicy(
    repeats=True,
    one_attempt_because=" (a POST that creates rows is not repeated once it may have reached CloudAgent: it may "
    "have created them; run the task again, it creates only the rows still missing)",
)
# Token generation: every call spends budget and logs out older tokens; one whose answer was lost counts in
# the token store's ledger (TransportError.may_have_landed).
NEVER_REPEAT = RetryPolicy(
    repeats=False,
    one_attempt_because=" (token generation is never retried: each call spends budget and logs out older tokens)",
)


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
    token_cache: Optional[str] = None  # a file path or a Redis URL; None: the default cache file


def _masking_errors(method):
    """Mask the client's secrets in every collection error a public API call raises."""

    @functools.wraps(method)
    def masked(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except CloudAgentError as error:
            error.args = tuple(self._redact(arg) if isinstance(arg, str) else arg for arg in error.args)
            if isinstance(getattr(error, "api_message", None), str):
                error.api_message = self._redact(error.api_message)
            raise

    return masked


@dataclass(frozen=True)
class DeleteOutcome:
    """What the API said about one DELETE request: ``deleted`` or ``not_found``."""

    row_spec: str
    result: str
    message: str
    possibly_deleted_earlier: bool = False


class CloudAgentClient:
    """Talks to one CloudAgent account. Raises ``CloudAgentError`` subclasses, never fails a module."""

    def __init__(
        self,
        settings: ConnectionSettings,
        token_store: Optional[TokenStore] = None,
        warn: Optional[Callable[[str], None]] = None,
        sleep: Callable[[float], None] = time.sleep,
        session=None,
    ):
        self.settings = dataclasses.replace(settings, base_url=normalized_base_url(settings.base_url))
        self._store = token_store
        shown = warn or (lambda message: None)
        self._warn = lambda message: shown(self._redact(message))
        self._sleep = sleep
        self._transport = HttpTransport(
            self.settings.base_url,
            self.settings.timeout,
            self.settings.validate_certs,
            self.settings.ca_path,
            warn=self._warn,
            session=session,
        )
        self._token = settings.token
        self._delete_method = "DELETE"  # POST once a DELETE was answered 405 (see _delete_request)
        self._held_tokens = {settings.token}  # every token of this run is masked, a refused one too

    # ---- the API calls -------------------------------------------------------------------

    @_masking_errors
    def generate_token(self) -> str:
        """One Generate Token call. Never retried: each call spends budget and logs out older tokens."""
        what = "Generate Token for user '%s'" % self.settings.user_name
        self._require_api_key("generating a token")
        answer = self._send(
            "POST",
            TOKEN_PATH,
            {"userName": self.settings.user_name},
            {"apiKey": self.settings.api_key},
            what,
            retry=NEVER_REPEAT,
        )
        token = answer.payload.get("token") if isinstance(answer.payload, dict) else None
        if isinstance(token, str) and token:
            return token
        if "invalid" in answer.message_text.lower():
            raise AuthenticationError(
                "%s: the API answered '%s'. Check user_name and api_key (OZONETEL_USERNAME, OZONETEL_API_KEY)."
                % (what, answer.message_text),
                status=answer.http_status,
                api_message=answer.message_text,
            )
        raise ApiError(
            "%s failed: %s" % (what, self._describe(answer)), status=answer.http_status, api_message=answer.message_text
        )

    def get_token(self, fresh: bool = False, min_validity: float = DEFAULT_MIN_VALIDITY) -> str:
        """A bearer token through the shared cache (generating one only when needed)."""
        self._require_api_key("getting a token")
        return self._cached_token(min_validity=min_validity, fresh=fresh)

    @_masking_errors
    def get_scheduled_data(self, collect: Callable[[Iterator[dict]], Any] = list) -> Any:
        """``collect`` over the user's Scheduled Data Status records (raw vendor dicts, read as they arrive).

        The answer holds every record of the account; ``collect`` should keep only what its caller
        needs. It may run more than once (once per attempt), so it must not act beyond returning.
        The default returns the list of every record. The records are as the vendor sent them: mask
        them (``secrets``) before returning any.
        """
        what = "Scheduled Data Status read (GET %s)" % STATUS_PATH
        answer = self._authorized(
            "GET",
            STATUS_PATH,
            {"userName": self.settings.user_name},
            what,
            retry=SAFE_TO_REPEAT,
            read_stream=self._status_reader(collect),
        )
        if answer.says(NO_DATA_MESSAGE):
            return collect(iter(()))
        if not answer.ok:
            raise ApiError(
                "%s failed: %s" % (what, self._describe(answer)),
                status=answer.http_status,
                api_message=answer.message_text,
            )
        return answer.collected

    @_masking_errors
    def delete_scheduled_data(self, row_spec: str, label: str = "") -> DeleteOutcome:
        """One Delete Scheduled Data request for a single id, a comma list or a range."""
        what = "DELETE %s rowId '%s'%s" % (DELETE_PATH, row_spec, label)
        # The vendor page names the field rowId in its table and row_id in its sample; send both.
        body = {"userName": self.settings.user_name, "rowId": row_spec, "row_id": row_spec}
        answer = self._delete_request(body, what)
        if answer.ok:
            return DeleteOutcome(row_spec, "deleted", self._redact(_text(answer.message)) or "deleted")
        if answer.says(NO_DATA_MESSAGE):
            return DeleteOutcome(row_spec, "not_found", answer.message_text, answer.after_lost_attempt)
        raise ApiError(
            "%s failed: %s" % (what, self._describe(answer)), status=answer.http_status, api_message=answer.message_text
        )

    def _delete_request(self, body: dict, what: str):
        """The DELETE, or once more as POST when it is answered 405 (the vendor page's cURL sample POSTs); later
        deletes of this client then go as POST directly."""
        if self._delete_method == "POST":
            return self._delete_as_post(body, what)
        try:
            return self._authorized("DELETE", DELETE_PATH, body, what, retry=SAFE_TO_REPEAT)
        except ApiError as exc:
            if exc.status != HTTP_METHOD_NOT_ALLOWED or isinstance(exc, AuthenticationError):
                raise
        self._warn(
            "%s: the API answered HTTP 405 Method Not Allowed (nothing was deleted); sent again as POST with the "
            "same body and headers, as the vendor's cURL sample does. Later deletes of this task go as POST." % what
        )
        self._delete_method = "POST"
        return self._delete_as_post(body, what)

    def _delete_as_post(self, body: dict, what: str):
        try:
            return self._authorized("POST", DELETE_PATH, body, what.replace("DELETE", "POST", 1), retry=SAFE_TO_REPEAT)
        except ApiError as exc:
            if exc.status != HTTP_METHOD_NOT_ALLOWED or isinstance(exc, AuthenticationError):
                raise
            raise ApiError(
                "%s: HTTP 405 Method Not Allowed to DELETE and to POST %s alike: the server at base_url accepts "
                "neither method there. Check that base_url is the CloudAgent API host of your account (a proxy or "
                "gateway may refuse the method); see the transcript (OZONETEL_TRANSCRIPT) for the answers."
                % (what, DELETE_PATH),
                status=exc.status,
                api_message=exc.api_message,
            ) from None

    @_masking_errors
    def schedule_campaign_data(
        self, campaign_name: str, bulk_data: dict, check_duplicate: bool, label: str = ""
    ) -> list:
        """One Schedule Campaign Data request; returns the API's per-row entries (it returns no row ids), masked."""
        what = "Schedule Campaign Data (POST %s) for campaign '%s'%s" % (SCHEDULE_PATH, campaign_name, label)
        body = {
            "userName": self.settings.user_name,
            "campaignName": campaign_name,
            "checkDuplicate": bool(check_duplicate),
            "bulkData": bulk_data,
        }
        # A lost answer may still have created the rows, so only a POST the API refused unread is repeated.
        answer = self._authorized("POST", SCHEDULE_PATH, body, what, retry=UNPROCESSED_ONLY)
        if answer.ok and isinstance(answer.message, (list, dict)):
            return mask_value(_row_entries(answer.message), self.secrets)
        raise ApiError(
            "%s failed: %s" % (what, self._describe(answer)), status=answer.http_status, api_message=answer.message_text
        )

    # ---- authentication ------------------------------------------------------------------

    def _authorized(self, method: str, path: str, body: dict, what: str, retry: RetryPolicy, read_stream=None):
        if self.settings.auth_mode == "basic":
            self._require_api_key("basic authentication")
            return self._send(
                method, path, body, {"apiKey": self.settings.api_key}, what, retry=retry, read_stream=read_stream
            )
        token = self._current_token()
        try:
            return self._send(
                method, path, body, self._bearer_headers(token), what, retry=retry, read_stream=read_stream
            )
        except TokenRefusedError as exc:
            self._token = self._replacement_token(token, exc)
            self._held_tokens.add(self._token)
        try:
            return self._send(
                method, path, body, self._bearer_headers(self._token), what, retry=retry, read_stream=read_stream
            )
        except TokenRefusedError as exc:
            raise type(exc)(
                "%s. The replacement token was refused too, so no further token is generated: the account's API "
                "Authentication setting may be basic authentication; if so, set auth_mode: basic (or "
                "OZONETEL_AUTH_MODE=basic)." % exc,
                status=exc.status,
                api_message=exc.api_message,
            ) from None

    def _replacement_token(self, refused: str, exc: TokenRefusedError) -> str:
        """After a refusal: drop the refused token from the store and get one fresh (or newer) token."""
        if not self.settings.api_key:
            raise type(exc)(
                "%s. The token given in the token option (or OZONETEL_TOKEN) cannot be replaced without api_key: "
                "set api_key (or OZONETEL_API_KEY) so a fresh token can be generated, or pass a fresh token." % exc,
                status=exc.status,
                api_message=exc.api_message,
            ) from None
        return self._cached_token(refused_token=refused)

    def _current_token(self) -> str:
        if not self._token:
            self._token = self.get_token()
            self._held_tokens.add(self._token)
        return self._token

    def _cached_token(self, **options) -> str:
        # The lock outlives one generation request (bounded by timeout) with a margin; then it expires by itself.
        return self.token_store().get_token(
            self.settings.base_url,
            self.settings.user_name,
            self.settings.api_key,
            self.generate_token,
            lock_hold=self.settings.timeout + 60,
            **options,
        )

    def _bearer_headers(self, token: str) -> dict:
        headers = {"Authorization": "Bearer %s" % token}
        if self.settings.api_key:
            headers["apiKey"] = self.settings.api_key  # the vendor's token-auth samples send it too
        return headers

    def _require_api_key(self, purpose: str) -> None:
        if not self.settings.api_key:
            raise ConfigurationError(
                "%s needs api_key (option api_key or environment variable OZONETEL_API_KEY)." % purpose.capitalize()
            )

    def token_store(self) -> TokenStore:
        """The token store of this client, opened (and its option checked) on first use."""
        if self._store is None:
            self._store = open_token_store(self.settings.token_cache, warn=self._warn)
        return self._store

    # ---- HTTP with bounded retries ---------------------------------------------------------

    def _send(self, method: str, path: str, body: dict, headers: dict, what: str, retry: RetryPolicy, read_stream=None):
        retries = retry.attempts(self.settings.retries) - 1
        waited = 0.0
        lost_attempt = False
        for attempt in range(retries + 1):
            outcome = self._attempt(method, path, body, headers, what, read_stream)
            if not isinstance(outcome, (SlowDown, TransportError)):
                return dataclasses.replace(outcome, after_lost_attempt=lost_attempt)
            lost_attempt = lost_attempt or outcome.may_have_landed
            if attempt == retries or not retry.may_repeat(outcome):
                raise self._gave_up(outcome, what, attempt, waited, retry)
            delay = _delay(outcome, attempt)
            self._warn("%s: %s; retry %d of %d in %.1f s." % (what, _cause(outcome), attempt + 1, retries, delay))
            self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, method, path, body, headers, what, read_stream=None):
        """One request and its answer within ``timeout`` as a whole; a lost answer is returned, to retry.

        ``read_stream(response, chunks, what)`` reads a streamed answer (default: read it whole).
        """
        return self._transport.attempt(
            method,
            path,
            body,
            headers,
            what,
            lambda response, deadline: self._read_answer(response, deadline, what, read_stream),
            recording=record(method, path, body, lambda: self.secrets, self._warn),
            redact=self._redact,
        )

    def _read_answer(self, response, deadline: Deadline, what: str, read_stream=None):
        """Classify an answer, reading its body before ``deadline``; runs in the worker thread of ``exchange``.

        ``read_stream`` gets the body as size-capped chunks, as they arrive; without it the body is
        read whole (with a smaller cap: token and DELETE answers are a few hundred bytes).
        """
        refuse_redirect(response, what)
        try:
            if read_stream is not None:
                chunks = capped_body(response, deadline, what, MAX_STATUS_ANSWER_BYTES, STATUS_CHUNK_BYTES)
                return read_stream(response, chunks, what)
            text = body_text(response, read_body(response, deadline, what, MAX_ANSWER_BYTES))
            return read_answer(response.status_code, response.headers, text, what, redact=self._redact)
        except ApiError as error:
            if error.status == 404:
                raise with_requested_path(error, response) from None
            raise

    def _status_reader(self, collect: Callable[[Iterator[dict]], Any]):
        """The seam between transport and parser: the status answer's records go to ``collect`` as they arrive."""

        def read(response, chunks, what: str):
            return read_status_answer(
                response.status_code, response.headers, chunks, what, collect, redact=self._redact
            )

        return read

    def _gave_up(self, outcome, what: str, attempts: int, waited: float, policy: RetryPolicy) -> CloudAgentError:
        retry = policy.may_repeat(outcome)
        tried = " after %d retries (%.1f s of back-off)" % (attempts, waited) if attempts else ""
        if not retry:
            tried = policy.one_attempt_because
        if isinstance(outcome, TransportError):
            error = TransportError("%s%s. Check base_url, the network path and timeout." % (outcome, tried))
            error.may_have_landed = outcome.may_have_landed  # the token store counts such a lost generation
            return error
        advice = "try again later" + (" or raise retries" if retry else "")
        return RateLimitError(
            "%s: %s%s. The API is overloaded or rate-limiting this account; %s."
            % (what, outcome.reason, tried, advice),
            status=outcome.http_status,
            api_message=outcome.reason,
        )

    def _describe(self, answer) -> str:
        return "HTTP %d, %r" % (answer.http_status, _text(answer.message) or answer.payload)

    @property
    def secrets(self) -> list:
        """The api key and tokens this client knows, in every form a server may echo them (``_redact``)."""
        return secret_forms((self.settings.api_key, self._token, *self._held_tokens, *self._store_passwords()))

    def _store_passwords(self) -> list:
        """The Redis password of ``token_cache``, as written and decoded (a server may echo either)."""
        return password_forms(self.settings.token_cache) if self.settings.token_cache else []

    def _redact(self, text: str) -> str:
        return mask_text(text, self.secrets)


def _row_entries(message: Any) -> list:
    """The per-row entries of a Schedule Campaign Data answer: a list, one entry, or an object keyed by position."""
    if isinstance(message, list):
        return [entry for entry in message if isinstance(entry, dict)]
    if all(isinstance(value, dict) for value in message.values()) and message:
        return list(message.values())
    return [message]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _delay(outcome, attempt: int) -> float:
    if isinstance(outcome, SlowDown) and outcome.retry_after is not None:
        return outcome.retry_after
    return min(BACKOFF_FIRST * (2**attempt), BACKOFF_CAP)


def _cause(outcome) -> str:
    return outcome.reason if isinstance(outcome, SlowDown) else str(outcome).split(": ", 1)[-1]
