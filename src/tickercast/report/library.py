"""Plotly.js inside the page, gzip-compressed and base64-encoded, so a report works offline and stays small.

plotly.min.js is about 4.8 MB; compressed it is under 2 MB, which keeps a three-model report well below 5 MB.
The page inflates it with the browser's own `DecompressionStream` (Chrome 80, Firefox 113, Safari 16.4 and
later) and runs it as an inline script: no request leaves the page. The library comes from the installed
`plotly` package, whose version decides the charts' look.

The page's content security policy allows that script, and the style sheets Plotly.js adds to the page, by
their hashes (`report.policy`): `Library` carries them beside the packed code.
"""

from __future__ import annotations

import base64
import functools
import gzip
import re
from dataclasses import dataclass

from tickercast.report.policy import allow

#: A <style> element that Plotly.js creates with its text as a string literal (MapLibre's CSS, for map traces).
_ADDED_STYLE = re.compile(r"""createElement\("style"\);[^;]{0,300}?\.textContent='([^'\\]*)'""")


@dataclass(frozen=True)
class Library:
    """Plotly.js as a page carries it, and what the page's policy must allow for it to run and draw."""

    packed: str  # plotly.min.js, gzip-compressed and base64-encoded
    version: str = ""
    scripts: tuple[str, ...] = ()  # `policy.allow` of the code the page inflates and runs
    styles: tuple[str, ...] = ()  # ... of each <style> element Plotly.js adds to the page


@functools.cache
def plotly_library() -> Library:
    """The installed plotly.js, packed, with its hashes (computed once per process).

    Plotly.js adds two kinds of <style> element: an empty one that it fills rule by rule through the CSS object
    model (which a policy does not check; the element's own text, empty, is what needs allowing), and those
    whose whole text is a string literal in its code, found here. One it adds otherwise would be refused by the
    browser with a console error, which the browser tests catch."""
    from importlib.metadata import version

    from plotly.offline import get_plotlyjs

    code = get_plotlyjs()
    packed = base64.b64encode(gzip.compress(code.encode(), compresslevel=9, mtime=0)).decode("ascii")
    styles = ("", *_ADDED_STYLE.findall(code))
    return Library(packed, version("plotly"), (allow(code),), tuple(map(allow, styles)))
