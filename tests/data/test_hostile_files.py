"""Files that are not price files, or are hostile: each is refused in one line, quickly, never read unbounded.

A case passes when `tickercast train --data FILE` exits 2 with one line under 300 characters, no traceback, and
within a time limit (a hang fails the test instead of blocking the suite).
"""

import gzip
import os
import subprocess
import sys
import zlib

import pytest

from tickercast.data import files

LIMIT_S = 30


def cli(*args, env=None):
    result = subprocess.run([sys.executable, "-m", "tickercast", *args], capture_output=True, text=True,
                            timeout=LIMIT_S, env={**os.environ, **(env or {})})
    return result.returncode, result.stdout, result.stderr


def refused(path, message):
    code, _out, err = cli("train", "--data", str(path), "--model", "naive")
    assert code == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert len(err) < 300, err
    assert message in err, err
    return err


def gzip_bomb(size: int) -> bytes:
    """`size` bytes of one repeated CSV line, gzipped into a few kilobytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    line = b"2024-01-02,1,1,1,1,1,1\n" * 4096
    parts = [packer.compress(b"Date,Open,High,Low,Close,Adj Close,Volume\n")]
    parts += [packer.compress(line) for _ in range(size // len(line))]
    return b"".join([*parts, packer.flush()])


CASES = {
    "fifo": (lambda p: os.mkfifo(p), "not a regular file"),
    "dev zero": (lambda p: os.symlink("/dev/zero", p), "not a regular file"),
    "folder": (lambda p: os.mkdir(p), "is a folder"),
    "one long line": (lambda p: p.write_text("Date," + ",".join(["1"] * 500_000)), "a line of 1,000,004 characters"),
    "gzip bomb": (lambda p: p.write_bytes(gzip_bomb(files.MAX_BYTES + 2**20)), "unpacks to more than 256 MiB"),
    "corrupt gzip": (lambda p: p.write_bytes(gzip.compress(b"Date,Close\n2024-01-02,1\n" * 50)[:40] + b"\0" * 9),
                     "damaged gzip file"),
    "utf-16 odd bytes": (lambda p: p.write_bytes("\ufeffDate,Close\n2024-01-02,1\n".encode("utf-16-le") + b"x"),
                         "damaged UTF-16 text"),
    "utf-16 lone surrogate": (lambda p: p.write_bytes(b"\xff\xfeD\x00a\x00\x00\xd8,\x00"), "damaged UTF-16 text"),
    "binary": (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4), "binary content"),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_is_refused_in_one_line(tmp_path, case):
    make, message = CASES[case]
    path = tmp_path / "prices.csv.gz" if "gzip" in case else tmp_path / "prices.csv"
    make(path)
    refused(path, message)


def test_a_file_name_too_long_for_the_os_is_one_line(tmp_path):
    err = refused(tmp_path / ("a" * 5000 + ".csv"), "cannot be read (File name too long)")
    assert "…aaaa" in err


def test_a_path_with_a_newline_stays_on_one_line(tmp_path):
    path = tmp_path / "bad\nname.csv"
    path.write_text("Date,Close\n2024-01-02,abc\n")
    refused(path, "bad\\nname.csv, line 2: cannot read close 'abc'")


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as file:
        file.truncate(files.MAX_BYTES + 1)  # sparse: costs no disk
    refused(path, "more than the 256 MiB tickercast reads")


def test_a_link_swapped_for_a_pipe_never_blocks(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "prices.csv"
    link.symlink_to(fifo)
    refused(link, "not a regular file")
