"""Files written so that nothing is ever half-written, and JSON that any parser reads (no NaN, no NumPy types)."""

from __future__ import annotations

import functools
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tickercast.errors import DataError


def write_json(path: Path, data: Any) -> None:
    """Strict JSON (NaN and infinity become null), written atomically."""
    write_atomic(path, (json.dumps(json_safe(data), indent=2) + "\n").encode())


#: Largest JSON file read by default: far above any file tickercast writes, far below a memory problem.
MAX_JSON_BYTES = 64 * 2**20


def read_json(path: Path, limit: int = MAX_JSON_BYTES, name: str | None = None) -> Any:
    """Strict JSON from a regular file of at most `limit` bytes (see `read_limited`); DataError if damaged.

    `name` is how messages call the file (default: its path).
    """
    name = name or str(path)
    return parse_json(read_limited(path, limit, name), name)


def parse_json(content: bytes, name: str) -> Any:
    """Strict JSON (no NaN or Infinity), refused in one line however it is damaged: bad syntax or encoding,
    nesting too deep for the parser, a number too long to convert."""
    def refuse_constant(constant: str) -> None:
        raise ValueError(f"{constant} is not a JSON number")

    try:
        return json.loads(content, parse_constant=refuse_constant)
    except RecursionError:
        raise DataError(f"{name}: damaged JSON (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise DataError(f"{name}: damaged JSON ({str(error)[:100]})") from None


def read_limited(path: Path, limit: int, name: str | None = None) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes, else DataError.

    Opened without blocking and checked on the open descriptor, so a FIFO, a device such as /dev/zero, a
    directory or a symlink to one of them is refused at once, and never read, even if swapped in after a check.
    """
    name = name or str(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise DataError(f"{name}: cannot be read ({error.strerror})") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"{name}: not a regular file")
        if info.st_size > limit:
            raise DataError(f"{name}: {info.st_size:,} bytes, more than the {limit:,} allowed")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(handle, min(limit + 1 - size, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise DataError(f"{name}: more than the {limit:,} bytes allowed")
        return b"".join(chunks)
    except OSError as error:
        raise DataError(f"{name}: cannot be read ({error.strerror})") from None
    finally:
        os.close(handle)


def json_safe(data: Any) -> Any:
    """Replace NaN/inf by None and NumPy scalars by Python ones, recursively, so the output is strict JSON."""
    if isinstance(data, dict):
        return {str(key): json_safe(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(value) for value in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place: readers see old or new, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would have given
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
