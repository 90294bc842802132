"""Worker processes that die with the process that started them, even when it is killed with `kill -9`.

Why: a pool worker blocks on its task queue, and with the spawn start method it holds both ends of that queue's
pipe itself, so it never sees its driver go. A driver killed with SIGKILL (no `finally`, no atexit) therefore left
its workers training for minutes, then waiting forever, holding memory and the caller's output pipes open.

How, in each worker (`attach`, idempotent, from the pool's initializer or a task):

- Linux: `prctl(PR_SET_PDEATHSIG, SIGKILL)`, so the kernel kills the worker the moment its parent exits. (The
  kernel tracks the thread that created the worker; pools here are started from the caller's thread.)
- everywhere: a daemon thread that polls the parent's pid twice a second and ends the process once the worker
  has been re-parented, for systems without prctl, and as a second line if the first ever misses.

In the main process (not a pool worker) `attach` does nothing: a command must never die with the user's shell.

    pool = ProcessPoolExecutor(2, mp_context=spawn, initializer=attach)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time

#: Seconds between two looks at the parent's pid: a worker outlives a killed driver by at most this much.
POLL_SECONDS = 0.5
#: The watchdog thread's name as the system shows it.
THREAD_NAME = "tc-lifeline"
_PR_SET_PDEATHSIG, _PR_SET_NAME = 1, 15  # from <linux/prctl.h>
_attached = False


def attach() -> None:
    """Make this pool worker die with its parent (see the module docstring); a no-op in the main process."""
    global _attached
    parent = multiprocessing.parent_process()
    if _attached or parent is None or parent.pid is None:
        return
    _attached = True
    _die_with_parent_linux()
    if os.getppid() != parent.pid:  # the parent went before the kernel could be told to kill us
        os._exit(1)
    threading.Thread(target=_watch, args=(parent.pid,), name=THREAD_NAME, daemon=True).start()


def _die_with_parent_linux() -> None:
    """Ask the Linux kernel to SIGKILL this process when its parent exits; elsewhere the watchdog alone acts."""
    if sys.platform.startswith("linux"):
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(parent: int) -> None:
    """Poll until this process is re-parented (its parent exited), then end it at once, with no clean-up."""
    if sys.platform.startswith("linux"):  # named for `ps -T` and /proc/PID/task/*/comm (15 characters at most)
        _libc().prctl(_PR_SET_NAME, THREAD_NAME.encode(), 0, 0, 0)
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
