"""The errors a user can cause, and the warnings they should read.

Everything a user can get wrong (a bad file, a bad option, a series too short for the settings) raises a
`TickercastError`; the CLI turns it into one line on stderr and exit code 2. Anything else is a bug and keeps
its traceback.

**Settings in messages: parameters for Python, flags for the command line.** The library is called from Python
(`Forecaster(device="cuda")`) and from the CLI (`--device cuda`), and a message should name the setting the
way its reader typed it. So a library message names the setting with `option` rather than writing a flag (some
older messages, asserted word for word by the library's tests, still write the flag):

    raise ConfigError(f"device {name!r} is not available; use {option('device', 'cpu')} or auto")

`option` leaves a small marker in the message; the error is worded when it is turned into text (`str`).
Outside the CLI that gives the parameter, `name=value` as Python writes it ("use device='cpu' or auto").
The CLI runs every command inside `worded_as_flags(FLAGS)`, and there the same error reads as the flag,
`--name value` ("use --device cpu or auto"): the flag is `--` and the parameter with `_` written `-`, unless
the CLI's explicit table `FLAGS` (in `tickercast.cli`) names another (`covariates` is `--with`). Because the
wording happens when the text is made, a message that quotes another (a sweep's unit error, a wrapped reason)
is worded the same way. The parameters an error names are also in its `options` attribute.

A whole command suggested to the user (`tickercast data fetch IBM --source yahoo`) is not a setting of the
call at hand: it stays written as the command to run.
"""

import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

#: A setting named in a message: name, its value as the command line writes it, and as Python writes it.
#: Between ASCII separators, which no message or user text carries (and `printable` would escape).
_OPTION = re.compile("\x1f([a-z_]+)\x1e(.*?)\x1e(.*?)\x1f", re.DOTALL)
#: The flags of the CLI while it runs a command (`worded_as_flags`); None: parameters, as Python names them.
_FLAGS: ContextVar[Mapping[str, str] | None] = ContextVar("tickercast_flags", default=None)
_UNSET = object()


def option(name: str, value: object = _UNSET, *, cli: str | None = None) -> str:
    """A setting named inside a message, worded when the message is read: as the parameter (`name=value`) for
    Python callers, as the flag (`--name value`) inside the CLI (see the module's docstring).

    `value` is optional; `True` stands for a switch (`common_span=True`, `--common-span`); `cli` is the text
    after the flag where it is not `str(value)` (a list the command line writes `0,0.5,1`).

    >>> str(ConfigError(f"use {option('device', 'cpu')} or auto"))
    "use device='cpu' or auto"
    >>> with worded_as_flags({}):
    ...     str(ConfigError(f"use {option('device', 'cpu')} or auto"))
    'use --device cpu or auto'
    >>> with worded_as_flags({"covariates": "--with"}):
    ...     str(ConfigError(f"pass the same {option('covariates')}; or {option('common_span', True)}"))
    'pass the same --with; or --common-span'
    """
    if value is _UNSET:
        return f"\x1f{name}\x1e\x1e\x1f"
    if value is True:
        return f"\x1f{name}\x1e\x1eTrue\x1f"
    return f"\x1f{name}\x1e{_plain(str(value) if cli is None else cli)}\x1e{_plain(repr(value))}\x1f"


def _plain(text: str) -> str:
    """A value's text with the separators written out, so a hostile path cannot end its marker early."""
    return text.replace("\x1f", "\\x1f").replace("\x1e", "\\x1e")


def worded(message: str) -> str:
    """`message` with each `option` in it written for its reader: a parameter, or inside `worded_as_flags` a flag."""
    flags = _FLAGS.get()
    if flags is None:
        return _OPTION.sub(lambda m: f"{m[1]}={m[3]}" if m[3] else m[1], message)
    return _OPTION.sub(lambda m: flags.get(m[1], "--" + m[1].replace("_", "-")) + (f" {m[2]}" if m[2] else ""),
                       message)


def current_flags() -> dict[str, str] | None:
    """The flags messages are worded with here (`worded_as_flags`), or None: what a sweep hands its worker
    processes, so that a unit's error reads the same whichever process wrote it."""
    flags = _FLAGS.get()
    return None if flags is None else dict(flags)


@contextmanager
def worded_as_flags(flags: Mapping[str, str]) -> Iterator[None]:
    """Inside this block, errors and warnings name settings as command-line flags: `--` and the parameter with
    dashes, or what `flags` maps the parameter to. The CLI runs each command inside it."""
    token = _FLAGS.set(flags)
    try:
        yield
    finally:
        _FLAGS.reset(token)


class TickercastError(Exception):
    """Base class of every error the user can fix; the message says what is wrong and what to do, naming
    settings with `option` (worded for its reader when turned into text)."""

    def __str__(self) -> str:
        return worded(super().__str__())

    @property
    def options(self) -> tuple[str, ...]:
        """The parameters the message names (with `option`), in order, e.g. `('device',)`."""
        return tuple(match[1] for match in _OPTION.finditer(super().__str__()))


class DataError(TickercastError):
    """The price data cannot be used as given (empty, missing columns, unreadable values, ...)."""


class ConfigError(TickercastError):
    """A setting is out of range or inconsistent with another setting."""


class SeriesTooShortError(DataError):
    """The series has too few rows for the lookback window and the splits."""


class TrainingError(TickercastError):
    """Training diverged (a NaN or infinite loss), usually because the learning rate is too high."""


class NotFittedError(TickercastError):
    """A model was asked to predict or save before `fit` was called."""


class TickercastWarning(UserWarning):
    """Something was repaired or skipped in the data; the user should know, but nothing stops (its settings
    worded as an error's are)."""

    def __str__(self) -> str:
        return worded(super().__str__())


class DataQualityWarning(TickercastWarning):
    """The data holds a defect that real price files carry (an unadjusted split, an impossible bar, a bad print,
    missing trading days); nothing was changed, and the user decides."""


def shown(value: object) -> str:
    """A value for a one-line message, kept short: a 10**30 from a tampered file or a 10,000-character name
    typed by a user must not fill the line (repr'd, so a newline stays visible).

    >>> shown(10**30), shown("IBM"), shown("x" * 100)[-5:]
    ('about 1e+30', "'IBM'", 'xx...')
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"about {'-' if value < 0 else ''}1e+{int(value.bit_length() * math.log10(2))}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def shown_path(path: object, limit: int = 80) -> str:
    """A path as messages print it: on one line (control characters escaped) and, when long, cut in the middle.

    >>> shown_path("prices.csv"), shown_path("a\\nb.csv")
    ('prices.csv', 'a\\\\nb.csv')
    """
    text = str(path)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= limit else f"{text[:20]}…{text[-(limit - 21):]}"
