# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Everything about ``requests`` and urllib3: one HTTP exchange under a whole-request deadline, for a
hostile network, with their exceptions turned into the collection's ``TransportError``.

``requests`` bounds each socket read, not a request: a server sending a byte a second keeps
a ``timeout: 2`` request alive for as long as it likes. ``exchange`` runs the request and the
reading of its answer in a worker thread and stops waiting at the deadline; ``iter_body``
reads the body in chunks and checks the same deadline between chunks. Redirects are never
followed (the api key would go along), and ``~/.netrc`` never replaces our authentication.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import ssl
import threading
import time
import traceback
from typing import Any, Callable, Iterator, Optional
from urllib.parse import urlsplit

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import snippet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError, TransportError

try:
    import requests
    import urllib3
    from requests.auth import AuthBase
    from urllib3.exceptions import HTTPError as Urllib3Error, InsecureRequestWarning, ProtocolError
except ImportError:  # the module runner and the lookup report the missing library before any request
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: Optional[str] = traceback.format_exc()
    AuthBase = object
    Urllib3Error = OSError
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

CHUNK_SIZE = 64 * 1024
MIB = 1024 * 1024
# Token and DELETE answers are a few hundred bytes; the status read can hold 300,000 records.
MAX_ANSWER_BYTES = 8 * MIB
MAX_STATUS_ANSWER_BYTES = 1024 * MIB
API_PATH_PREFIX = "/ca_apis"
USER_AGENT = "ozonetel.cloudagent/1.0.0"
_SSL_REASON = re.compile(r"\[SSL: ([A-Z0-9_]+)\] ([^(\]'\"]*)")
_PLAIN_HTTP_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG")


class Deadline:
    """The moment a request must be complete by, ``seconds`` from now."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(self._end - self._clock(), 0.0)

    def passed(self) -> bool:
        return self._clock() >= self._end

    def exceeded(self, what: str) -> TransportError:
        error = TransportError(
            "%s: no complete answer within %s s (timeout bounds the whole request)" % (what, "%g" % self.seconds)
        )
        error.may_have_landed = True  # the request may have been sent and acted on
        return error


class NoNetrc(AuthBase):
    """An authentication that changes nothing: given to the session, it stops ``requests`` from
    applying ``~/.netrc`` credentials (which would replace the bearer token with Basic auth),
    while proxy variables and ``REQUESTS_CA_BUNDLE`` keep working (``trust_env`` stays on)."""

    def __call__(self, request):
        return request


class _NoRecording:
    """Stands for a transcript recording when none is wanted."""

    def tap(self, response):
        return response

    def __enter__(self) -> "_NoRecording":
        return self

    def __exit__(self, exc_type, exc, traceback_) -> bool:
        return False


class HttpTransport:
    """One ``requests`` session to ``base_url``: sends a request and reads its answer within ``timeout`` as a whole.

    ``attempt`` returns what ``consume`` made of the answer, or a ``TransportError`` for an answer that was lost
    (a refused or dropped connection, a timeout, an answer that broke off): the caller may repeat the request.
    Failures that repeating cannot mend (TLS, a malformed request) are raised as ``TransportError``.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float,
        validate_certs: bool,
        ca_path: Optional[str],
        warn: Callable[[str], None],
        session=None,
    ):
        self.base_url = base_url
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.verify = ca_path or validate_certs  # what requests verifies against: a CA bundle, or True/False
        self._warn = warn
        self._session = session

    def attempt(
        self,
        method: str,
        path: str,
        body: dict,
        headers: dict,
        what: str,
        consume: Callable[[Any, Deadline], Any],
        recording=None,
        redact: Callable[[str], str] = str,
    ):
        """``consume(response, deadline)`` of one request, or the ``TransportError`` of a lost answer.

        ``recording`` (``_transcript.record``) sees the request, its answer and its failure; ``redact`` masks
        secrets in an exception's text before it is cut short for a message.
        """
        deadline = Deadline(self.timeout)
        recording = recording or _NoRecording()

        def send():
            return self._http().request(
                method,
                self.base_url.rstrip("/") + path,
                json=body,
                headers=dict(headers, **{"Content-Type": "application/json", "Accept": "application/json"}),
                timeout=(self.timeout, self.timeout),
                verify=self.verify,
                stream=True,
                allow_redirects=False,
            )

        try:
            with recording:
                return exchange(send, lambda response: consume(recording.tap(response), deadline), deadline, what)
        except TransportError as lost:  # the deadline passed, or the answer broke off
            return lost
        except requests.exceptions.SSLError as exc:
            raise tls_failure(exc, what, self.base_url, self.validate_certs) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            lost = TransportError("%s: %s" % (what, _connection_cause(exc, self.base_url, self.timeout, redact)))
            lost.may_have_landed = _may_have_landed(exc)
            return lost
        except requests.exceptions.RequestException as exc:
            raise TransportError("%s: %s" % (what, _first_line(exc, redact))) from None
        except (Urllib3Error, http.client.HTTPException) as exc:  # raised past requests: the answer is lost
            return cut_answer(exc, what)

    def _http(self):
        if self._session is None:
            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
            self._session.auth = NoNetrc()  # our headers authenticate; ~/.netrc must not replace them
            unencrypted = plain_http_warning(self.base_url)
            if unencrypted:
                self._warn(unencrypted)
            if self.verify is False:
                # validate_certs: false was asked for. urllib3 would warn about it from the request's worker
                # thread, where the warning blocks a lookup on ansible-core 2.16 until the request times out.
                urllib3.disable_warnings(InsecureRequestWarning)
        return self._session


def exchange(send: Callable[[], Any], consume: Callable[[Any], Any], deadline: Deadline, what: str) -> Any:
    """``consume(send())`` in a worker thread, bounded by ``deadline``; the response is always closed.

    ``send`` must ask for ``stream=True`` so that ``consume`` reads the body (with ``iter_body``).
    Errors of either are raised here; at the deadline a ``TransportError`` (``may_have_landed``).
    """
    box: dict = {}

    def work():
        try:
            box["response"] = send()
            box["result"] = consume(box["response"])
        except BaseException as error:  # pylint: disable=broad-except  # handed to the waiting thread
            box["error"] = error
        finally:
            _close(box.get("response"))

    worker = threading.Thread(target=work, name="cloudagent-http", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        _close(box.get("response"))  # unblocks a worker stuck in a read
        raise deadline.exceeded(what)
    if "error" in box:
        raise box["error"]
    return box["result"]


def iter_body(response, deadline: Deadline, what: str = "the request", chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the body of a ``stream=True`` response in chunks as they arrive, decoded
    (gzip/deflate), raising ``TransportError`` (``may_have_landed``) once ``deadline`` passes.

    Each read returns what the socket has (at most ``chunk_size`` bytes) rather than waiting
    for a full chunk, so a slow drip is noticed at the deadline, not after a full chunk.
    This is the seam for a streaming parser: feed it these chunks inside ``exchange``.
    """
    read = getattr(response.raw, "read1", None) or response.raw.read
    while True:
        if deadline.passed():
            raise deadline.exceeded(what)
        try:
            chunk = read(chunk_size, decode_content=True)
        except (Urllib3Error, http.client.HTTPException, OSError, ValueError) as error:
            raise cut_answer(error, what) from None
        if not chunk:
            return
        yield chunk


def cut_answer(error: BaseException, what: str) -> TransportError:
    """A ``TransportError`` (``may_have_landed``) for an answer that broke off before its end.

    urllib3 raises its own exceptions there (``ProtocolError`` for a short body or a broken chunk,
    ``DecodeError`` for broken gzip, a reset inside ``ProtocolError``): the request was sent and
    may have been acted on, exactly as when the connection drops before the answer.
    """
    lost = TransportError("%s: the answer broke off before its end (%s)" % (what, _cut_reason(error)))
    lost.may_have_landed = True
    return lost


def _cut_reason(error: BaseException) -> str:
    """The error's own words, e.g. "Connection broken: IncompleteRead(20 bytes read, 80 more expected)"."""
    args = [arg for arg in getattr(error, "args", ()) if str(arg).strip()]
    if not args:
        return type(error).__name__
    first = str(args[0]).strip()
    # urllib3 names the inner error in its message, except for broken gzip: then add the decoder's own words
    inner = [str(arg).strip() for arg in args[1:] if type(arg).__name__ not in first]
    return " ".join([first] + inner[:1]).splitlines()[0][:300]


def read_body(response, deadline: Deadline, what: str, limit: int = MAX_ANSWER_BYTES) -> bytes:
    """The whole body (``capped_body`` joined)."""
    return b"".join(capped_body(response, deadline, what, limit))


def capped_body(response, deadline: Deadline, what: str, limit: int, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """``iter_body``, refused with an ``ApiError`` as soon as the body is known to exceed ``limit`` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(response, what, limit)
    size = 0
    for chunk in iter_body(response, deadline, what, chunk_size):
        size += len(chunk)
        if size > limit:
            raise _too_large(response, what, limit)
        yield chunk


def body_text(response, body: bytes) -> str:
    # Not response.text: its encoding detection reads the whole body character by character.
    return body.decode(response.encoding or "utf-8", errors="replace")


def refuse_redirect(response, what: str) -> None:
    """Fail on any 3xx: following it would send the api key (and a DELETE turned GET) elsewhere."""
    if 300 <= response.status_code < 400:
        location = urlsplit(response.headers.get("Location", ""))
        target = location.netloc or "(no Location given)"
        advice = "Set base_url to the address the API answers on directly."
        if _is_https_form_of(location, urlsplit(getattr(response, "url", None) or "")):
            advice = "The server sends plain http to https: use https:// in base_url (https://%s)." % location.netloc
        raise ApiError(
            "%s: HTTP %d redirect to %s refused: redirects are never followed, because the api key or "
            "token would go along. %s" % (what, response.status_code, target, advice),
            status=response.status_code,
        )


def _is_https_form_of(location, requested) -> bool:
    return (
        location.scheme.lower() == "https"
        and requested.scheme.lower() == "http"
        and bool(location.hostname)
        and location.hostname == requested.hostname
    )


def with_requested_path(error: ApiError, response) -> ApiError:
    """A 404 ``error`` that also names the URL path requested, the usual sign of a wrong base_url."""
    path = urlsplit(getattr(response, "url", None) or "").path or "(unknown)"
    return type(error)(
        "%s The URL path requested was %s: check base_url (the address the API answers on; the collection "
        "adds %s/... itself)." % (str(error).rstrip(".") + ".", path, API_PATH_PREFIX),
        status=error.status,
        api_message=error.api_message,
    )


def normalized_base_url(base_url: str) -> str:
    """``base_url`` without trailing slashes and without a trailing /ca_apis (a common paste from the API pages)."""
    trimmed = base_url.rstrip("/")
    if trimmed.lower().endswith(API_PATH_PREFIX):
        trimmed = trimmed[: -len(API_PATH_PREFIX)].rstrip("/")
    return trimmed


def plain_http_warning(base_url: str) -> Optional[str]:
    """A warning when ``base_url`` is plain http to another machine: the api key and tokens would travel readable."""
    parts = urlsplit(base_url)
    if parts.scheme.lower() != "http" or _is_loopback(parts.hostname or ""):
        return None
    return (
        "base_url %s uses plain http:// to %s: the api key and tokens travel unencrypted over the network. "
        "Use https:// in base_url." % (base_url, parts.hostname)
    )


def _is_loopback(host: str) -> bool:
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_failure(exc: Exception, what: str, base_url: str, validate_certs: bool) -> TransportError:
    """A ``TransportError`` saying what went wrong in the TLS handshake, with advice that fits it."""
    code, text = _ssl_reason(exc)
    cause = "SSL: %s %s" % (code, text) if code else text
    where = urlsplit(base_url).netloc or base_url
    if code == "CERTIFICATE_VERIFY_FAILED" or _is_verify_error(exc) or "certificate verify failed" in text:
        advice = "Set ca_path to the CA bundle that signed the server's certificate"
        advice += ", or validate_certs: false for a test gateway." if validate_certs else "."
        return TransportError("%s: TLS certificate verification failed (%s). %s" % (what, cause, advice))
    if code in _PLAIN_HTTP_REASONS:
        return TransportError(
            "%s: %s did not answer TLS (%s): it looks like a plain HTTP port. Use http:// in "
            "base_url, or the port that serves HTTPS." % (what, where, cause)
        )
    return TransportError(
        "%s: the TLS handshake with %s failed (%s). Check that base_url points at the API's "
        "HTTPS address and that it accepts this client's TLS versions." % (what, where, cause)
    )


def _ssl_reason(exc: Exception):
    found = _SSL_REASON.search(_chain_text(exc))
    if found:
        return found.group(1), found.group(2).strip()
    return "", _chain_text(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _is_verify_error(exc: Exception) -> bool:
    return any(isinstance(error, ssl.SSLCertVerificationError) for error in _chain(exc))


def _chain_text(exc: Exception) -> str:
    return " ".join(str(error) for error in _chain(exc))


def _chain(exc: Optional[BaseException], depth: int = 0):
    """The exception, its arguments that are exceptions, its causes and ``reason``s (bounded)."""
    if exc is None or depth > 8:
        return
    yield exc
    nested = [arg for arg in getattr(exc, "args", ()) if isinstance(arg, BaseException)]
    nested += [getattr(exc, "reason", None), exc.__cause__]
    for inner in nested:
        if isinstance(inner, BaseException) and inner is not exc:
            yield from _chain(inner, depth + 1)


def _too_large(response, what: str, limit: int) -> ApiError:
    return ApiError(
        "%s: HTTP %d with an answer larger than %d MiB, refused. Is base_url the CloudAgent API host?"
        % (what, response.status_code, limit // MIB),
        status=response.status_code,
    )


def _close(response) -> None:
    if response is not None:
        try:
            response.close()
        except Exception:  # pylint: disable=broad-except  # closing a broken connection may fail too
            pass


def _may_have_landed(exc: Exception) -> bool:
    """True when the request was sent but its answer was lost (read timeout, connection dropped)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    return isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(
        exc.args[0] if exc.args else None, ProtocolError
    )


def _connection_cause(exc: Exception, base_url: str, timeout: float, redact: Callable[[str], str]) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connecting to %s timed out after %s s" % (base_url, timeout)
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer from %s within %s s (read timeout)" % (base_url, timeout)
    os_error = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return "cannot connect to %s (%s)" % (base_url, os_error.group(0) if os_error else _first_line(exc, redact))


def _first_line(exc: Exception, redact: Callable[[str], str]) -> str:
    """The first line of the exception's text, masked before it is cut short (a cut secret is not recognised)."""
    text = str(exc)
    return snippet(redact(text.splitlines()[0]) if text else type(exc).__name__)
