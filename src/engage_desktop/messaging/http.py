"""One way to make the HTTP sessions the message providers use.

* No urllib3 retries at all: a POST that creates a message must never be replayed by the transport
  (a replay after the server took the request is a second, billed SMS). The callers decide what
  to retry, from the outcome.
* No default timeout exists in requests, so every call passes ``(connect, read)`` explicitly.
* :func:`connection_never_made` tells "nothing was sent" (refused, DNS failure, connect timeout)
  apart from "the request may have arrived" (read timeout, reset, remote disconnect).
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from engage_desktop import __version__

USER_AGENT = f"EngageDesktop/{__version__}"

# total=0 with read=False: never retry, and re-raise a read error as itself (requests' own default,
# spelled out so that nobody "improves" it with a Retry that replays POSTs).
NO_RETRIES = Retry(total=0, read=False, redirect=False, raise_on_redirect=False, raise_on_status=False)


def make_session(*, pool_size: int = 10) -> requests.Session:
    """A Session with no transport retries and a connection pool of ``pool_size`` per host."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=NO_RETRIES, pool_connections=4, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def connection_never_made(exc: requests.RequestException) -> bool:
    """True only when the TCP/TLS connection was never made, so the request cannot have arrived:
    connect timeout, connection refused, name resolution failure, TLS handshake failure."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.InvalidURL
                  | requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)  # refused, unreachable, or the name did not resolve
