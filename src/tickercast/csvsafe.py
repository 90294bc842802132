"""CSV cells that a spreadsheet shows as text, never runs as a formula (CSV injection).

Why: a dataset named `=HYPERLINK("http://...")` or `@SUM(A1)` lands in results.csv as it was typed, and Excel,
LibreOffice and Google Sheets evaluate a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage
return before one). Every CSV tickercast writes from user-supplied text goes through `spreadsheet_safe`: a text
cell that begins with one of those characters gets a leading `'`, which spreadsheets read as "this is text".
Numbers are left as numbers (-0.5 stays -0.5); only text is escaped.

>>> escape("=1+1"), escape("-0.5"), escape(-0.5), escape("sp500")
("'=1+1", "'-0.5", -0.5, 'sp500')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape(value: Any) -> Any:
    """`value` with a leading `'` if it is text that a spreadsheet would evaluate; anything else as it is."""
    return f"'{value}" if isinstance(value, str) and value.startswith(TRIGGERS) else value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names are `escape`d; numeric columns are untouched.

    Use it on any table written with `to_csv` that holds user-supplied text (dataset names, tickers, paths):
    `spreadsheet_safe(table).to_csv(path, index=False)`.
    """
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(escape)
    safe.columns = [escape(column) for column in safe.columns]
    return safe
