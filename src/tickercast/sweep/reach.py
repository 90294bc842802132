"""Joining a Ray cluster within a time limit, quietly: an address where no cluster answers is one line, in seconds.

Why: `ray.init(address=...)` retries a cluster that is not there for minutes, printing a warning from Ray's C++
core every few seconds (measured: `--ray-address 127.0.0.1:1` ran past 120 s). So before Ray is asked, a
plain TCP connection checks that something listens at HOST:PORT (refused: the error at once; no answer: after
`timeout`); then Ray itself gets `timeout` seconds to join (in a thread, abandoned if it does not return), with
its Python logs at error level. Ray's C++ core still writes its own warnings to stderr while it retries: at an
address that accepts connections but is not a Ray cluster, one such line may follow ours before the command exits.

    join(ray, "10.0.0.5:6379", timeout=10.0)
"""

from __future__ import annotations

import os
import socket
import threading
from types import ModuleType
from typing import Any

from tickercast.errors import ConfigError

#: Seconds to reach a cluster (`--ray-timeout`): a head on a local network answers in milliseconds.
TIMEOUT = 10.0


def join(ray: ModuleType, address: str | None, timeout: float = TIMEOUT) -> None:
    """`ray.init` on `address` (None: RAY_ADDRESS, else a Ray started here), or ConfigError within about
    `timeout` seconds when no cluster answers there. Starting a local Ray is not limited: it takes what it takes."""
    where = address or os.environ.get("RAY_ADDRESS")
    if where and where not in ("auto", "local"):
        _listening(where, timeout)
    outcome: dict[str, Any] = {}

    def init() -> None:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="error")
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error
        outcome["done"] = True

    if not where or where == "local":
        init()
    else:  # Ray's own retries would go on for minutes: give up on it after `timeout`
        thread = threading.Thread(target=init, name="tickercast-ray-join", daemon=True)
        thread.start()
        thread.join(timeout)
        if "done" not in outcome:
            raise ConfigError(f"cannot reach Ray at {where}: no cluster answered within {timeout:g} s; check the "
                              "address (HEAD:6379) or allow more time with --ray-timeout")
    error = outcome.get("error")
    if isinstance(error, (ConnectionError, ValueError)):  # no cluster there, or a ray:// address without ray[client]
        raise ConfigError(f"cannot reach Ray at {where or 'RAY_ADDRESS'}: "
                          f"{(str(error).strip().splitlines() or [type(error).__name__])[0][:200]}") from None
    if error is not None:
        raise error


def _listening(address: str, timeout: float) -> None:
    """ConfigError unless something accepts a TCP connection at `address` (`HOST:PORT` or `ray://HOST:PORT`)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # not HOST:PORT: Ray says what is wrong with it
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as error:
        reason = "timed out" if isinstance(error, TimeoutError) else (error.strerror or str(error))
        raise ConfigError(f"cannot reach Ray at {address}: {reason}; check the address of the cluster's head "
                          "(HEAD:6379, or ray://HEAD:10001)") from None
