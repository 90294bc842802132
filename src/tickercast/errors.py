"""The errors a user can cause, and the warnings they should read.

Everything a user can get wrong (a bad file, a bad option, a series too short for the settings) raises a
`TickercastError`; the CLI turns it into one line on stderr and exit code 2. Anything else is a bug and keeps
its traceback.
"""

import math


class TickercastError(Exception):
    """Base class of every error the user can fix; the message says what is wrong and what to do."""


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
    """Something was repaired or skipped in the data; the user should know, but nothing stops."""


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
