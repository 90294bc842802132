"""`tickercast data`: fetch prices into the local store, and list, show, import, export or remove them.

The store is one SQLite file ($TICKERCAST_HOME/prices.db, default ~/.cache/tickercast/prices.db); every
action here is a thin layer over `tickercast.data.store`, `tickercast.data.sources` and `tickercast.data.export`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from tickercast.cli import options

# Literal here so `--help` never imports pandas; tests check they match the library's lists.
SOURCES = ("alphavantage", "yahoo")
OUTPUTSIZES = ("auto", "compact", "full")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "data", help="fetch prices into the local store; list, show, import, export, remove",
        formatter_class=options.HelpFormatter,
        description="Keep daily prices in a local SQLite store (TICKERCAST_HOME, default ~/.cache/tickercast):\n"
                    "fetch them once, refresh them incrementally, and train on them offline with\n"
                    "--data TICKER --source store.",
        epilog="examples:\n  tickercast data fetch IBM MSFT --source alphavantage\n"
               "  tickercast data fetch IBM --source yahoo --start 2010-01-01\n"
               "  tickercast data import IBM.csv --ticker IBM\n  tickercast data list\n"
               "  tickercast train --data IBM --source store --model gru")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    fetch = _action(actions, "fetch", run_fetch, "download prices into the store (only what is missing)",
                    "Download daily prices into the store. A stored ticker is continued from a few days before\n"
                    "its last stored day; if those days changed (a split or dividend re-adjustment), its whole\n"
                    "history is downloaded again and replaced, so adjusted and unadjusted prices never mix.",
                    "  tickercast data fetch IBM MSFT --source alphavantage\n"
                    "  tickercast data fetch IBM --source yahoo --start 2010-01-01")
    fetch.add_argument("tickers", nargs="+", metavar="TICKER", help="symbols, e.g. IBM MSFT (Yahoo: ^GSPC, BRK-B)")
    fetch.add_argument("--source", choices=SOURCES, default="alphavantage", help="where to download from")
    fetch.add_argument("--start", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="first day of a ticker's first download (or with --full); default: all there is")
    fetch.add_argument("--full", action="store_true",
                       help="download the whole history again and replace what is stored")
    alpha = fetch.add_argument_group("Alpha Vantage (free tier: 25 requests a day)")
    options.add_api_key(alpha)
    alpha.add_argument("--adjusted", action="store_true",
                       help="TIME_SERIES_DAILY_ADJUSTED, with adjusted closes (a premium endpoint)")
    alpha.add_argument("--outputsize", choices=OUTPUTSIZES, default=None,
                       help="compact: last 100 days; full: all (default auto: compact when that reaches back far "
                            "enough)")

    _action(actions, "list", run_list, "list the stored tickers",
            "One row per stored ticker: first and last day, rows, source, last fetch.", "  tickercast data list")

    show = _action(actions, "show", run_show, "show a stored ticker's latest prices",
                   "The last days of a stored ticker and its recent fetches.", "  tickercast data show IBM --tail 10")
    show.add_argument("ticker", metavar="TICKER")
    show.add_argument("--tail", type=int, default=10, metavar="N", help="days to show")

    imported = _action(actions, "import", run_import, "put a CSV/Parquet file into the store as one or many tickers",
                       "Read a price file through the same checks as --data FILE and make it the ticker's\n"
                       "stored history (replacing what was stored for it). A long file whose ticker column\n"
                       "(Name, ticker, symbol) holds several tickers is stored as each of them, unless --ticker\n"
                       "picks one: every ticker is checked before any is stored, and one that fails the checks\n"
                       "is left out, with its reason.",
                       "  tickercast data import ~/Downloads/IBM.csv --ticker IBM\n"
                       "  tickercast data import all_stocks_5yr.csv")
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--ticker", default=None,
                          help="the symbol to store it under (in a long file: the one ticker to import); "
                               "default: the file's ticker column")
    imported.add_argument("--fill", choices=("ffill",), default=None,
                          help="forward-fill empty prices instead of stopping with an error")
    imported.add_argument("--exchange", default=None, metavar="MIC",
                          help="the exchange it trades on, e.g. XNSE, XLON (default: from the ticker's suffix, "
                               "such as .NS or .L, else XNYS); its calendar dates forecasts and finds gaps")

    export = _action(actions, "export", run_export, "write a stored ticker to a CSV (or .parquet) file",
                     "Write a stored ticker to a file that `--data FILE` and `data import` read back unchanged.",
                     "  tickercast data export IBM ibm.csv")
    export.add_argument("ticker", metavar="TICKER")
    export.add_argument("file", metavar="FILE")

    remove = _action(actions, "remove", run_remove, "forget stored tickers (prices and fetch log)",
                     "Delete tickers from the store.", "  tickercast data remove IBM")
    remove.add_argument("tickers", nargs="+", metavar="TICKER")


def run_fetch(args: argparse.Namespace) -> int:
    from tickercast.data.sources import make_source
    from tickercast.data.sources.refresh import fetch
    from tickercast.data.store import Store
    from tickercast.errors import TickercastError
    from tickercast.progress import progress_bars

    source = make_source(args.source, api_key=args.api_key, adjusted=args.adjusted, outputsize=args.outputsize)
    results: list[dict[str, Any]] = []
    with Store() as store, progress_bars(False if args.json else None) as reporter:
        bar = reporter.bar(f"fetching from {args.source}", total=len(args.tickers))
        for ticker in args.tickers:
            try:
                results.append(_written(fetch(ticker, source, store=store, start=args.start, full=args.full)))
            except TickercastError as error:
                done = f" (stored before it: {', '.join(r['ticker'] for r in results)})" if results else ""
                raise TickercastError(f"{error}{done}") from None
            bar.advance(ticker=ticker)
        bar.close()
    if args.json:
        _print_json({"store": str(store.path), "source": args.source, "fetched": results})
        return 0
    rows = [(r["ticker"], str(r["received"]), f"{r['added']:+d}", _replaced(r), r["first"], r["last"],
             str(r["rows"])) for r in results]
    _show(_table(f"fetched from {args.source} into {store.path}",
                 ("ticker", "received", "added", "history", "first", "last", "stored days"), rows))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from tickercast.data.store import Store

    with Store() as store:
        held = [asdict(holding) for holding in store.holdings()]
    if args.json:
        _print_json({"store": str(store.path), "tickers": held})
    elif not held:
        _show(f"the store ({store.path}) is empty; fetch prices with `tickercast data fetch IBM --source yahoo` "
              "or import a file with `tickercast data import FILE --ticker IBM`")
    else:
        rows = [(h["ticker"], h["exchange"] or "", h["first"], h["last"], str(h["rows"]), h["source"],
                 h["fetched_at"] or "") for h in held]
        _show(_table(str(store.path), ("ticker", "exchange", "first", "last", "rows", "source", "last fetched"),
                     rows))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from tickercast.data.store import Store
    from tickercast.errors import ConfigError

    if args.tail < 1:
        raise ConfigError(f"--tail must be at least 1, not {args.tail}")
    with Store() as store, _quality_unwarned():
        stored = store.read(args.ticker)
        holding = store.holding(args.ticker)
        fetches = store.fetches(args.ticker, limit=5)
    assert holding is not None  # read() found it
    prices, quality = stored.tail(args.tail), stored.attrs["quality"]
    if args.json:
        table = prices.reset_index()
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        _print_json({**asdict(holding), "prices": table.to_dict(orient="records"), "fetches": fetches,
                     "quality": quality})
        return 0
    rows = [(f"{date:%Y-%m-%d}", *(_cell(value) for value in values)) for date, values in prices.iterrows()]
    lines: list[Any] = [_table(f"{holding.ticker}: {holding.rows} days {holding.first} .. {holding.last} from "
                               f"{holding.source}, {stored.attrs['exchange']}", ("date", *prices.columns), rows)]
    lines += [f"{f['fetched_at']}  {f['source']}: {f['received']} rows, {f['added']:+d} days"
              + (f", history replaced ({f['note']})" if f["replaced"] else "") for f in fetches]
    lines += [f"quality: {flag['detail']} on {', '.join(flag['dates'][:5])}{', ...' if flag['count'] > 5 else ''}"
              for flag in quality] or ["quality: no split-like moves, impossible bars, bad prints or missing days"]
    _show(*lines)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from tickercast.data.files import read_file
    from tickercast.data.panel import long_table
    from tickercast.data.store import Store, ticker_key
    from tickercast.trading_calendar import check_exchange, exchange_for

    if args.ticker is None:
        long = long_table(args.file)
        if long is None or not long.tickers:
            from tickercast.errors import ConfigError

            raise ConfigError(f"{args.file} names no ticker (no Name, ticker or symbol column, or an empty one); say "
                              "which ticker it is with --ticker, e.g. --ticker IBM")
        if len(long.tickers) > 1:
            return _import_many(args, long)
        args.ticker = long.tickers[0]
    ticker_key(args.ticker)  # a bad symbol or exchange fails before the file is read
    exchange = check_exchange(args.exchange) if args.exchange else exchange_for(args.ticker)
    prices = read_file(args.file, fill=args.fill, ticker=args.ticker, exchange=exchange)
    with Store() as store:
        written = _written(store.replace(args.ticker, prices, note=f"imported {args.file}"))
    if args.json:
        _print_json({"store": str(store.path), "file": args.file, "imported": written})
    else:
        _show(f"stored {written['rows']} days of {written['ticker']} ({written['first']} .. {written['last']}) "
              f"from {args.file} in {store.path}")
    return 0


def _import_many(args: argparse.Namespace, long: Any) -> int:
    """A long file's tickers, each checked (symbol and prices) before any is stored, then each stored.

    A ticker that fails is left out with its reason; the others are stored (one transaction each).
    """
    from tickercast.data.panel import panel_frames, validate_panel
    from tickercast.data.store import Store, ticker_key
    from tickercast.errors import TickercastError
    from tickercast.trading_calendar import check_exchange

    exchange = check_exchange(args.exchange) if args.exchange else None
    panel = validate_panel(long.raw, origin=long.origin, rows=long.rows, fill=args.fill, exchange=exchange,
                           min_tickers=1)
    dropped = dict(panel.attrs["panel_quality"]["dropped"])
    frames = {}
    for ticker, prices in panel_frames(panel).items():
        try:
            ticker_key(ticker)
        except TickercastError as error:
            dropped[ticker] = str(error)
            continue
        if exchange:
            prices.attrs["exchange"] = exchange
        frames[ticker] = prices
    if not frames:
        raise TickercastError(f"{args.file}: no ticker can be stored ("
                              + "; ".join(f"{t}: {r}" for t, r in dropped.items())[:200] + ")")
    with Store() as store:
        written = [_written(store.replace(ticker, prices, note=f"imported {args.file}"))
                   for ticker, prices in frames.items()]
    if args.json:
        _print_json({"store": str(store.path), "file": args.file, "imported": written, "dropped": dropped})
        return 0
    rows = [(w["ticker"], w["first"], w["last"], str(w["rows"])) for w in written]
    _show(_table(f"stored {len(written)} tickers from {args.file} in {store.path}",
                 ("ticker", "first", "last", "stored days"), rows),
          *(f"not stored: {ticker}: {reason}" for ticker, reason in dropped.items()))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from tickercast.data.export import export_prices
    from tickercast.data.store import Store

    with Store() as store, _quality_unwarned():  # a copy, not a use: `data show` lists the defects
        prices = store.read(args.ticker)
    summary = export_prices(prices, args.file)
    if args.json:
        _print_json(summary)
    else:
        _show(f"wrote {summary['rows']} days of {summary['ticker']} ({summary['first']} .. {summary['last']}) "
              f"to {summary['file']}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from tickercast.data.store import Store, ticker_key

    with Store() as store:
        for ticker in args.tickers:  # all known before any is removed: a typo removes nothing
            if store.holding(ticker) is None:
                raise store.missing(ticker_key(ticker))
        removed = {ticker_key(ticker): store.remove(ticker) for ticker in args.tickers}
    if args.json:
        _print_json({"store": str(store.path), "removed": removed})
    else:
        _show(*(f"removed {ticker} ({rows} days) from {store.path}" for ticker, rows in removed.items()))
    return 0


def _action(actions: Any, name: str, run: Callable[[argparse.Namespace], int], summary: str, description: str,
            example: str) -> argparse.ArgumentParser:
    """One `tickercast data ACTION` parser, with --json and an example, like every command."""
    parser = actions.add_parser(name, help=summary, description=description, epilog=f"example:\n{example}",
                                formatter_class=options.HelpFormatter)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout (progress and warnings go to stderr)")
    parser.set_defaults(run=run)
    return parser


@contextmanager
def _quality_unwarned() -> Iterator[None]:
    from tickercast.errors import DataQualityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        yield


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2010-01-31") from None


def _written(written: Any) -> dict[str, Any]:
    """A store write as flat JSON: what came, what changed, and the ticker in the store afterwards."""
    result = asdict(written)
    holding = result.pop("holding") or {}
    return {**result, **{key: holding.get(key) for key in ("first", "last", "rows")}}


def _replaced(result: dict[str, Any]) -> str:
    if not result["replaced"]:
        return "extended"
    return f"replaced: {result['note']}" if result["note"] else "new"


def _cell(value: float) -> str:
    """Prices as they were written, volumes with thousands separators, NaN as blank."""
    if math.isnan(value):
        return ""
    return f"{value:,.0f}" if value >= 1e5 else f"{value:g}"


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, justify="left" if header in ("ticker", "source", "history", "date") else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _print_json(data: dict[str, Any]) -> None:
    from tickercast.cli.render import print_json

    print_json(data)


def _show(*renderables: Any) -> None:
    from tickercast.cli.render import show

    show(*renderables)
