"""The errors a user can cause, and the warnings they should read.

Everything a user can get wrong (a bad file, a bad option, a series too short for the settings) raises a
`TickercastError`; the CLI turns it into one line on stderr and exit code 2. Anything else is a bug and keeps
its traceback.
"""


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


def quoted(value: object, limit: int = 40) -> str:
    """`value` as a short quoted text for a one-line message: repr'd (so newlines stay visible) and cut.

    Messages quote what users typed or what a file holds; a 10,000-character name must not make them long.

    >>> quoted("IBM"), quoted("x" * 100, limit=8)
    ("'IBM'", "'xxxxxxx…'")
    """
    text = repr(str(value))
    return text if len(text) <= limit else f"{text[:limit - 2]}…'"


def shown_path(path: object, limit: int = 80) -> str:
    """A path as messages print it: on one line (control characters escaped) and, when long, cut in the middle.

    >>> shown_path("prices.csv"), shown_path("a\\nb.csv")
    ('prices.csv', 'a\\\\nb.csv')
    """
    text = str(path)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= limit else f"{text[:20]}…{text[-(limit - 21):]}"
