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
