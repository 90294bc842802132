"""Bringing the store up to date from a source: download only what is missing, and never mix bases.

A stored ticker is extended from a few stored days before its end (`OVERLAP`), so each refresh re-reads
days the store already holds. When those days changed (a split or dividend re-adjustment), the store refuses
the download and the ticker's history is replaced from a fresh download of the same span, in one transaction.
A ticker not yet stored, fetched from another source than before, or fetched with `full=True` is downloaded
whole (from `start`) and replaces what was there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tickercast.data.sources import Source, make_source
from tickercast.data.store import HistoryRevisedError, Store, Written, ticker_key

OVERLAP = 5  # stored trading days downloaded again to catch revisions


def fetch(ticker: str, source: str | Source = "alphavantage", *, store: Store | None = None,
          start: dt.date | None = None, full: bool = False, overlap: int = OVERLAP, **options: Any) -> Written:
    """Fetch `ticker` into the store (the default store when None) and say what changed.

    `source` is a name (`options` go to its constructor: `api_key`, `adjusted`, ...) or a Source object.
    `start` applies to a ticker's first download and to `full=True`; later fetches continue the stored history.

    >>> fetch("IBM", "alphavantage", api_key="...").added   # doctest: +SKIP
    3019
    """
    if isinstance(source, str):
        source = make_source(source, **options)
    if store is None:
        with Store() as default:
            return fetch(ticker, source, store=default, start=start, full=full, overlap=overlap)
    key = ticker_key(ticker)
    held = store.holding(key)
    if held is not None and not full and held.source == source.name:
        since = store.overlap_start(key, overlap)
        try:
            return store.update(key, source.fetch(key, since), requested_start=since)
        except HistoryRevisedError as revised:
            first = dt.date.fromisoformat(held.first)
            return store.replace(key, source.fetch(key, first), requested_start=first, note=revised.reason)
    note = None
    if held is not None:
        note = "asked for the full history" if full else f"the source changed from {held.source} to {source.name}"
    return store.replace(key, source.fetch(key, start), requested_start=start, note=note)
