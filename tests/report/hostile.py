"""Names an attacker or a clumsy user could give a ticker, a dataset, a model folder or a path: each means
something to some renderer (rich markup, matplotlib math, Plotly and HTML markup, format strings, terminal
control), or is merely awkward (long, multi-line, right-to-left, emoji, not UTF-8)."""

from __future__ import annotations

HOSTILE = {
    "rich closing tag": "[/red]",
    "rich opening tag": "[bold]x",
    "rich link": "[link=file:///etc/passwd]x[/link]",
    "rich emoji code": ":smile:",
    "math, unclosed": "$\\frac{",
    "math, closed": "$x$",
    "math, fraction": "$\\frac{1}{2}$",
    "math, broken": "$\\frac{$",
    "escaped dollar": "a\\$b$c$",
    "backslash": "\\",
    "format strings": "%s %d {0} %{y}",
    "script": "<script>alert(1)</script>",
    "attribute break-out": '"><img src=x onerror=alert(1)>',
    "Plotly markup": "<b>bold</b><br><a href='javascript:alert(1)'>x</a>",
    "entities": "&amp; &lt; &#37;",
    "newline": "A\nB",
    "right-to-left": "\u200fABC\u202eDEF\u2066",
    "10,000 characters": "N" * 10_000,
    "control characters": "a\x1b[31mred\x1b]0;title\x07\x08\r\x7f\x9b",
    "emoji": "📈😀",
    "other scripts": "株式 Ἀθῆναι שָׁלוֹם",
    "leading underscore": "_hidden",
    "not UTF-8 (surrogate-escaped)": "x\udcff",
}

#: Those a file or folder name can hold (no '/', under 255 bytes).
FILE_NAMES = {label: name for label, name in HOSTILE.items()
              if "/" not in name and len(name.encode("utf-8", "surrogateescape")) < 200}
