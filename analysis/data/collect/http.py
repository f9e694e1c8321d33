"""One small HTTP client for the collectors: timeouts, bounded retries, a named User-Agent.

The collectors fetch a few hundred JSON documents from Wikidata and the YouTube
Data API; the standard library's :mod:`urllib` serves, so the project needs no
HTTP package of its own. What this module adds is what the services ask of a
polite client and what a reader of the error needs:

* every request carries a User-Agent naming the project, its version and a
  contact (Wikimedia's User-Agent policy asks for one);
* a request that times out, loses its connection or gets 429 or 5xx is tried
  again, a bounded number of times, with exponential backoff (honouring a
  ``Retry-After`` of a few seconds);
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
from urllib.parse import urlencode, urlsplit

from analysis.base.errors import NetworkError, UsageError
from analysis.base.paths import REPO_ROOT

__all__ = ["Client", "NetworkError", "user_agent"]

#: Statuses worth another try: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: A response larger than this is refused (an entity or an API page is far smaller).
MAX_BYTES = 64 * 2**20
#: The longest wait a ``Retry-After`` may ask for before the client gives up.
MAX_RETRY_AFTER = 60.0


def user_agent(contact: str | None = None) -> str:
    """The User-Agent: ``dpd-compendium/<version> (<contact>) Python-urllib/<x.y>``.

    The contact is `contact`, else ``repository-code`` or ``url`` of the
    project's CITATION.cff, else the ``DPD_CONTACT`` environment variable.

    Raises
    ------
    UsageError
        When there is no contact to name (Wikimedia's policy refuses anonymous clients).
    """
    contact = contact or _citation_url() or os.environ.get("DPD_CONTACT", "").strip()
    if not contact or re.search(r"[\x00-\x1f()]", contact):
        raise UsageError(
            "no contact for the User-Agent: add repository-code to CITATION.cff or set "
            "DPD_CONTACT to a URL or e-mail address"
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
        Seconds to wait for a connection or for data, per attempt.
    retries
        Further attempts after the first, for timeouts, lost connections, 429 and 5xx.
    backoff
        Seconds before the first retry; each further retry waits twice as long.
    agent
        The User-Agent; default :func:`user_agent` (read when the first request is made).
    opener, sleep
        Seams for tests: ``opener(request, timeout=…)`` returns a response object
        (default :func:`urllib.request.urlopen`); ``sleep(seconds)`` waits.

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
        retries: int = 4,
        backoff: float = 1.0,
        agent: str | None = None,
        opener: Callable | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise UsageError("timeout must be positive, retries and backoff not negative")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._agent = agent
        self._open = opener or urllib.request.urlopen
        self._sleep = sleep

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
    ) -> bytes:
        """The body of ``GET url?params&secret``, as received.

        Parameters
        ----------
        url
            An ``https`` address (``http`` is accepted for a local test server).
        params
            Query parameters that may be shown in messages.
        secret
            Query parameters that are sent but never shown (an API key).

        Raises
        ------
        NetworkError
            After the last retry, or at once for an answer not worth retrying (4xx).
        """
        scheme = urlsplit(url).scheme
        if scheme not in ("https", "http"):
            raise UsageError(f"not a web address: {url!r}")
        shown = url + (f"?{urlencode(params)}" if params else "")
        query = {**(params or {}), **(secret or {})}
        full = url + (f"?{urlencode(query)}" if query else "")
        hidden = [v for v in (secret or {}).values() if v]
        request = urllib.request.Request(
            full, headers={"User-Agent": self.agent, "Accept": "application/json"}
        )
        host = urlsplit(url).hostname or url
        attempt = 0
        while True:
            wait = self.backoff * 2**attempt
            try:
                with self._open(request, timeout=self.timeout) as response:
                    body = response.read(MAX_BYTES + 1)
                if len(body) > MAX_BYTES:
                    raise NetworkError(
                        f"{shown}: the answer is larger than {MAX_BYTES // 2**20} MiB", shown
                    )
                return body
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
                wait = max(wait, _retry_after(exc.headers.get("Retry-After")))
                if wait > MAX_RETRY_AFTER:
                    raise NetworkError(
                        f"{shown}: HTTP {status}, asked to wait {wait:.0f} s; try again later",
                        shown,
                        status,
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                unresolved = isinstance(getattr(exc, "reason", None), socket.gaierror)
                if attempt >= self.retries or unresolved:  # no name, no network: do not wait
                    reason = _redact(_reason(exc), hidden)
                    raise NetworkError(
                        f"cannot reach {host} ({reason}) after {_attempts(attempt)}; "
                        "replay the saved snapshots with --offline, or try again later",
                        shown,
                    ) from None
            except http.client.HTTPException as exc:
                if attempt >= self.retries:
                    raise NetworkError(
                        f"{shown}: broken answer ({type(exc).__name__}) after "
                        f"{_attempts(attempt)}; try again later",
                        shown,
                    ) from None
            self._sleep(wait)
            attempt += 1


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
