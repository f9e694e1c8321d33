"""One small HTTP client for the collectors: bounded in time and size, a named User-Agent.

The collectors fetch a few hundred JSON documents from Wikidata and the YouTube
Data API; the standard library's :mod:`urllib` serves, so the project needs no
HTTP package of its own. What this module adds is what the services ask of a
polite client and what a reader of the error needs:

* every request carries a User-Agent naming the project, its version and a
  contact (Wikimedia's User-Agent policy asks for one);
* a request that times out, loses its connection or gets 429 or 5xx is tried
  again, a bounded number of times, with exponential backoff (honouring a
  ``Retry-After`` of up to a minute), and says on stderr what it waits for;
* a request has a **total deadline** (``deadline``, all attempts and waits
  included): a server that sends a byte a second cannot hold it, since every
  read is bounded and the body is read in pieces against the clock; the answer
  is at most :data:`MAX_BYTES`;
* a redirect is followed only to the **same host over https** (a local test
  server on the loopback interface may stay on http), at most five times, and the
  address that finally answered is kept (:attr:`Body.url`) for the snapshots'
  manifest;
* any failure is one :class:`NetworkError` line that names the host and, when
  the network is unreachable, suggests ``--offline``;
* a secret (the YouTube API key) travels only in the request: it is never part
  of a message, a log line or anything the caller keeps.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from analysis.base.errors import NetworkError, UsageError
from analysis.base.paths import REPO_ROOT

__all__ = ["Body", "Client", "NetworkError", "user_agent"]

#: Statuses worth another try: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: A response larger than this is refused (an entity or an API page is far smaller).
MAX_BYTES = 64 * 2**20
#: The longest wait a ``Retry-After`` may ask for before the client gives up.
MAX_RETRY_AFTER = 60.0
#: Redirects followed for one request.
MAX_REDIRECTS = 5
#: Hosts that may be reached over plain http (a test server on this machine).
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: A contact as the User-Agent may carry it: printable ASCII, no parentheses.
_CONTACT = re.compile(r"[!-'*-~]+")


class Body(bytes):
    """A response's body, with the address that finally answered it (``url``), secrets out."""

    url: str

    def __new__(cls, data: bytes, url: str):
        body = super().__new__(cls, data)
        body.url = url
        return body


class _Refused(Exception):
    """A redirect the client does not follow."""


class _SameHost(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the same host and port, over https (or, on the loopback
    interface, the scheme the request used)."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        same = (old.hostname, old.port) == (new.hostname, new.port)
        scheme = new.scheme == "https" or (
            new.scheme == old.scheme and (new.hostname or "") in _LOOPBACK
        )
        if not (same and scheme):
            raise _Refused(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(request, timeout):
    return urllib.request.build_opener(_SameHost).open(request, timeout=timeout)


def user_agent(contact: str | None = None) -> str:
    """The User-Agent: ``dpd-compendium/<version> (<contact>) Python-urllib/<x.y>``.

    The contact is `contact`, else ``repository-code`` or ``url`` of the
    project's CITATION.cff, else the ``DPD_CONTACT`` environment variable.

    Raises
    ------
    UsageError
        When there is no contact to name (Wikimedia's policy refuses anonymous clients).
    """
    given = contact or _citation_url() or os.environ.get("DPD_CONTACT", "")
    contact = given.strip(" ")
    if not contact:
        raise UsageError(
            "no contact for the User-Agent: add repository-code to CITATION.cff or set "
            "DPD_CONTACT to a URL or e-mail address"
        )
    if not _CONTACT.fullmatch(contact):
        raise UsageError(
            f"the contact for the User-Agent (DPD_CONTACT) is {contact[:60]!r}: give one URL "
            "or e-mail address in plain ASCII, without spaces, line breaks or parentheses"
        )
    try:
        version = metadata.version("dpd-compendium")
    except metadata.PackageNotFoundError:
        version = "unknown"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"dpd-compendium/{version} (research compendium; +{contact}) Python-urllib/{python}"


def _citation_url() -> str | None:
    path = Path(REPO_ROOT) / "CITATION.cff"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    for key in ("repository-code", "url"):
        match = re.search(rf"^{key}:\s*[\"']?(https?://[^\s\"']+)", text, flags=re.M)
        if match:
            return match.group(1)
    return None


class Client:
    """GET JSON documents politely; see the module's description.

    Parameters
    ----------
    timeout
        Seconds to wait for a connection or for any one piece of data.
    deadline
        Seconds a request may take in all, its attempts and waits included; the client
        stops within one `timeout` of it.
    retries
        Further attempts after the first, for timeouts, lost connections, 429 and 5xx.
    backoff
        Seconds before the first retry; each further retry waits twice as long.
    agent
        The User-Agent; default :func:`user_agent` (read when the first request is made).
    opener, sleep, say
        Seams for tests: ``opener(request, timeout=…)`` returns a response object
        (default: urllib's, with the redirect rule above); ``sleep(seconds)`` waits;
        ``say(line)`` tells the person what the client waits for (default: stderr).

    Examples
    --------
    >>> client = Client(timeout=10, retries=2)
    >>> client.get("https://www.wikidata.org/wiki/Special:EntityData/Q42.json")  # doctest: +SKIP
    b'{"entities":{"Q42":...'
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        deadline: float = 180.0,
        retries: int = 4,
        backoff: float = 1.0,
        agent: str | None = None,
        opener: Callable | None = None,
        sleep: Callable[[float], None] = time.sleep,
        say: Callable[[str], None] | None = None,
    ):
        if timeout <= 0 or deadline <= 0 or retries < 0 or backoff < 0:
            raise UsageError(
                "timeout and deadline must be positive, retries and backoff not negative"
            )
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self._agent = agent
        self._open = opener or _open
        self._sleep = sleep
        self._say = say or (lambda line: print(line, file=sys.stderr, flush=True))

    @property
    def agent(self) -> str:
        if self._agent is None:
            self._agent = user_agent()
        return self._agent

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        secret: Mapping[str, str] | None = None,
    ) -> Body:
        """The body of ``GET url?params&secret``, as received (:class:`Body`: bytes).

        Parameters
        ----------
        url
            An ``https`` address (``http`` only for a test server on the loopback interface).
        params
            Query parameters that may be shown in messages.
        secret
            Query parameters that are sent but never shown (an API key).

        Raises
        ------
        NetworkError
            After the last retry or past the deadline, at once for an answer not worth
            retrying (4xx), or for a redirect to another host or away from https.
        """
        parts = urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK
        ):
            raise UsageError(f"not a web address the collectors use (https): {url!r}")
        shown = url + (f"?{urlencode(params)}" if params else "")
        query = {**(params or {}), **(secret or {})}
        full = url + (f"?{urlencode(query)}" if query else "")
        hidden = [v for v in (secret or {}).values() if v]
        request = urllib.request.Request(
            full, headers={"User-Agent": self.agent, "Accept": "application/json"}
        )
        host = parts.hostname or url
        ends = time.monotonic() + self.deadline
        attempt = 0
        while True:
            wait = self.backoff * 2**attempt
            reason = "no answer"
            try:
                left = ends - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                with self._open(request, timeout=min(self.timeout, left)) as response:
                    body = _read(response, ends, shown)
                    final = getattr(response, "url", None) or full
                return Body(body, _redact(_without(final, secret), hidden))
            except _Refused as exc:
                raise NetworkError(
                    f"{shown}: redirected to {_redact(str(exc), hidden)}, another host or not "
                    "https; not followed",
                    shown,
                ) from None
            except urllib.error.HTTPError as exc:
                status = exc.code
                detail = _redact(_api_message(exc), hidden)
                exc.close()
                if status not in RETRY_STATUSES or attempt >= self.retries:
                    raise NetworkError(
                        f"{shown}: HTTP {status}" + (f" ({detail})" if detail else ""),
                        shown,
                        status,
                    ) from None
                asked = _retry_after(exc.headers.get("Retry-After"))
                wait = max(wait, asked)
                if wait > MAX_RETRY_AFTER:
                    raise NetworkError(
                        f"{shown}: HTTP {status}, asked to wait {wait:.0f} s; try again later",
                        shown,
                        status,
                    ) from None
                reason = f"HTTP {status}" + (f", Retry-After {asked:.0f} s" if asked else "")
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                unresolved = isinstance(getattr(exc, "reason", None), socket.gaierror)
                late = time.monotonic() >= ends
                if attempt >= self.retries or unresolved or late:  # no point in waiting
                    why = f"no complete answer within {self.deadline:g} s" if late else None
                    reason = why or _redact(_reason(exc), hidden)
                    raise NetworkError(
                        f"cannot reach {host} ({reason}) after {_attempts(attempt)}; "
                        "replay the saved snapshots with --offline (make: OFFLINE=1), "
                        "or try again later",
                        shown,
                    ) from None
                reason = _reason(exc)
            except http.client.HTTPException as exc:
                if attempt >= self.retries:
                    raise NetworkError(
                        f"{shown}: broken answer ({type(exc).__name__}) after "
                        f"{_attempts(attempt)}; try again later",
                        shown,
                    ) from None
                reason = f"broken answer ({type(exc).__name__})"
            if time.monotonic() + wait >= ends:
                raise NetworkError(
                    f"{shown}: {reason}; waiting {wait:.0f} s more would pass the deadline of "
                    f"{self.deadline:.0f} s; try again later",
                    shown,
                )
            if wait >= 1:
                self._say(
                    f"{host}: {reason}; waiting {wait:.0f} s before attempt "
                    f"{attempt + 2} of {self.retries + 1} ..."
                )
            self._sleep(wait)
            attempt += 1


def _read(response, ends: float, shown: str) -> bytes:
    """The whole body, piece by piece against the clock, and never more than MAX_BYTES."""
    read = getattr(response, "read1", None) or response.read
    chunks, size = [], 0
    while True:
        if time.monotonic() > ends:
            raise TimeoutError("the answer came too slowly")
        chunk = read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BYTES:
            raise NetworkError(
                f"{shown}: the answer is larger than {MAX_BYTES // 2**20} MiB", shown
            )
        chunks.append(chunk)


def _without(url: str, secret: Mapping[str, str] | None) -> str:
    """`url` without the secret query parameters (as a redirect may have kept them)."""
    if not secret:
        return url
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in secret]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _attempts(retried: int) -> str:
    return "1 attempt" if retried == 0 else f"{retried + 1} attempts"


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, socket.gaierror):
        return "name not resolved"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    text = str(getattr(reason, "strerror", None) or reason) or type(reason).__name__
    return " ".join(text.split())


def _api_message(exc: urllib.error.HTTPError) -> str:
    """The error message of a JSON error body (Google APIs), in one short line."""
    try:
        body = json.loads(exc.read(65536) or b"null")
    except (ValueError, OSError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str):
        return ""
    return " ".join(re.sub(r"<[^>]*>", "", message).split())[:200]


def _redact(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


def _retry_after(value: str | None) -> float:
    """Seconds asked for by a ``Retry-After`` header (a number or an HTTP date); 0 if none."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
