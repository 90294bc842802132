"""User text shown as itself by every renderer: ticker, dataset, model and column names, paths, error messages.

Each renderer gives some characters a meaning. rich reads `[bold]` as markup and `:smile:` as an emoji;
matplotlib reads the text between two `$` as TeX math; Plotly reads `<b>`, `<br>` and `&amp;` as markup and
`%{x}` as a placeholder; HTML reads `<`, `&` and quotes; a terminal obeys the escape sequences that control
characters start, and a bidi override reverses the text after it. Names come from files and folders that
anyone can name, so each renderer gets them through one function here (the terminal through a console that
reads no markup, `cli.render.show`), and what the reader sees is the name, character for character, with
invisible characters written out (`\\x1b`, `\\u202e`).

    for_matplotlib("$\\frac{")      # '\\$\\frac{': drawn as $\\frac{, not parsed as math
    for_plotly("<b>x</b> %{y}")    # '&lt;b&gt;x&lt;/b&gt; &#37;{y}'
"""

from __future__ import annotations

import html
import re

#: Control characters but tab and newline (C0, DEL, C1), the bidi embeddings, overrides and isolates, and lone
#: surrogates (a file name that is not UTF-8 decodes to them; no encoder or font takes them).
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with each control character, bidi control and lone surrogate written out as an escape, so none
    can act (or fail to encode)."""
    return _HIDDEN.sub(_written_out, text)


def for_matplotlib(text: str) -> str:
    """Drawn literally by matplotlib: every `$` escaped, so no part of the text is ever math.

    matplotlib parses math only where the count of unescaped `$` is even and non-zero; with all of them escaped
    the count is zero, and it draws `\\$` as `$`, which gives back the text exactly (backslashes included)."""
    return printable(text).replace("$", r"\$")


def for_plotly(text: str) -> str:
    """Drawn literally by Plotly.js, which turns entities back into characters in every text it draws: no tag,
    entity or `%{...}` placeholder of the text is read as one."""
    return html.escape(printable(text), quote=False).replace("%", "&#37;")


def for_html(text: str) -> str:
    """Element text or a quoted attribute value of an HTML page."""
    return html.escape(printable(text), quote=True)


def _written_out(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
