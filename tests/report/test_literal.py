"""report.literal: each renderer's escaping gives back the text itself, with invisible characters written out."""

import html

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.report.hostile import HOSTILE
from tickercast.report.literal import for_html, for_matplotlib, for_plotly, printable


def test_printable_writes_out_control_bidi_and_surrogate_characters_and_keeps_the_rest():
    assert printable("a\x1b[31m\x07") == "a\\x1b[31m\\x07"
    assert printable("\u202eabc\u2066") == "\\u202eabc\\u2066"
    assert printable("x\udcff") == "x\\udcff"
    assert printable("tab\tand\nnewline, é 株 📈 [/red] $x$") == "tab\tand\nnewline, é 株 📈 [/red] $x$"


@given(st.text())
def test_printable_output_has_no_control_character_and_encodes_as_utf8(text):
    shown = printable(text)
    assert all(char in "\t\n" or not (ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F) for char in shown)
    shown.encode("utf-8")  # no lone surrogate left


@given(st.text())
def test_html_and_plotly_text_unescapes_to_the_printable_text(text):
    for escaped in (for_html(text), for_plotly(text)):
        assert html.unescape(escaped) == printable(text)
        assert "<" not in escaped
        assert ">" not in escaped
    assert '"' not in for_html(text)
    assert "%{" not in for_plotly(text)  # no hover placeholder


@given(st.text())
def test_matplotlib_never_reads_the_text_as_math(text):
    from matplotlib import cbook

    assert not cbook.is_math_text(for_matplotlib(text))


def _pixels(text: str, **options) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 0.5))
    FigureCanvasAgg(figure)
    figure.text(0.01, 0.3, text, **options)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())


MATH = ("math, unclosed", "math, closed", "math, fraction", "math, broken", "escaped dollar", "backslash",
        "format strings")


@pytest.mark.parametrize("name", [HOSTILE[key] for key in MATH], ids=MATH)
def test_matplotlib_draws_the_escaped_text_exactly_as_the_name_with_math_off(name):
    drawn = _pixels(for_matplotlib(name))
    assert np.array_equal(drawn, _pixels(name, parse_math=False))  # the name, character for character
    assert not np.array_equal(drawn, _pixels("x"))  # (the comparison can tell texts apart)
