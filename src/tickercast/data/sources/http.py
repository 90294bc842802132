"""Asking a web service for text, and trying again when the failure is the kind that passes.

Two small pieces, shared by every source that speaks HTTP: `get_text` makes one GET with the standard library
and sorts failures into `TransientError` (a timeout, a dropped connection, HTTP 429 or 5xx: worth another try) and
`DataError` (any other HTTP error: trying again changes nothing); `with_retries` calls a function again after a
growing pause while it raises `TransientError`, and turns the last failure into a DataError the user can act on.
A source adds its own transient answers (Alpha Vantage's rate-limit notices come back as HTTP 200) by raising
`TransientError` from the function it retries.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from tickercast._version import __version__
from tickercast.errors import DataError

T = TypeVar("T")

_RETRY_AFTER_MOST = 60.0  # seconds; a server asking for longer is better answered "try again later"


class TransientError(Exception):
    """A failure that may pass; the message is what the user reads if every try fails.

    `wait` is how long the server asked us to wait (HTTP Retry-After), if it said.
    """

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class Backoff:
    """How often and how patiently to try: `attempts` tries in all, waiting first, first*factor, ... seconds.

    `sleep` is injectable so tests run at full speed:

    >>> list(Backoff(attempts=4, first=2.0).delays())
    [2.0, 4.0, 8.0]
    """

    attempts: int = 4
    first: float = 2.0
    factor: float = 2.0
    most: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delays(self) -> Iterator[float]:
        """The pauses between tries: one fewer than `attempts`."""
        for retry in range(self.attempts - 1):
            yield min(self.first * self.factor**retry, self.most)


PATIENT = Backoff()
"""Sources' default, read when a source is built (tests swap it for one that does not sleep): 4 tries,
2 + 4 + 8 s apart, enough for a per-second burst limit or a brief outage to pass."""


def with_retries(call: Callable[[], T], backoff: Backoff) -> T:
    """Return `call()`, calling it again after a pause each time it raises `TransientError`.

    When every try failed, raise a DataError with the last failure's message and the number of tries.
    """
    delays = backoff.delays()
    while True:
        try:
            return call()
        except TransientError as failure:
            delay = next(delays, None)
            if delay is None:
                tries = f" (tried {backoff.attempts} times)" if backoff.attempts > 1 else ""
                raise DataError(f"{failure}{tries}") from None
            backoff.sleep(delay if failure.wait is None else min(max(delay, failure.wait), _RETRY_AFTER_MOST))


def get_text(url: str, params: Mapping[str, str], *, timeout: float, service: str) -> str:
    """GET `url?params` and return the body as text.

    `service` names the server in messages; the URL is never quoted, because its query may hold an API key.
    Raises `TransientError` for timeouts, dropped connections, HTTP 429 and 5xx; DataError for other HTTP errors.
    """
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode(params)}",
                                     headers={"User-Agent": f"tickercast/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as error:
        answer = f"{service} answered HTTP {error.code} {error.reason}"
        if error.code == 429 or error.code >= 500:
            raise TransientError(f"{answer}; the service is busy or failing, try again later",
                                 wait=_retry_after(error.headers.get("Retry-After"))) from None
        raise DataError(f"{answer}; check the ticker and options (trying again will not help)") from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, URLError, reset or dropped connections
        reason = getattr(error, "reason", error)  # URLError wraps the cause
        if isinstance(reason, TimeoutError):
            raise TransientError(f"{service} did not answer within {timeout:g} s; check your internet connection or "
                                 "try again later") from None
        raise TransientError(f"cannot reach {service} ({brief(reason) or type(error).__name__}); check your internet "
                             "connection or try again later") from None
    return body.decode(charset, errors="replace")


def brief(detail: object, most: int = 100) -> str:
    """`detail` (a text or an exception) on one line of at most `most` characters, to quote inside a message.

    >>> brief("Connection reset\\n  by peer")
    'Connection reset by peer'
    """
    text = " ".join(str(detail).split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (its date form is rare enough to ignore)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
