"""Plotly.js inside the page, gzip-compressed and base64-encoded, so a report works offline and stays small.

plotly.min.js is about 4.8 MB; compressed it is under 2 MB, which keeps a three-model report well below 5 MB.
The page inflates it with the browser's own `DecompressionStream` (Chrome 80, Firefox 113, Safari 16.4 and
later): no request leaves the page. The library comes from the installed `plotly` package, whose version
decides the charts' look.
"""

from __future__ import annotations

import base64
import functools
import gzip


@functools.cache
def packed_plotly() -> str:
    """plotly.min.js, gzip-compressed and base64-encoded (computed once per process)."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(gzip.compress(get_plotlyjs().encode(), compresslevel=9, mtime=0)).decode("ascii")


def plotly_version() -> str:
    from importlib.metadata import version

    return version("plotly")
