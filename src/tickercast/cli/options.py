"""The options every training command shares, defined once, and their translation into library calls.

Each training option is a `ModelConfig` setting: its default and its help come from the setting's field, so the CLI
and the Python API can never disagree.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Mapping
from dataclasses import Field, fields
from typing import Any

from tickercast.config import FILLS, TEST_SIZE, VAL_SIZE, ModelConfig, describe
from tickercast.errors import ConfigError, DataError, shown

_DEFAULTS = {field.name: field.default for field in fields(ModelConfig)}
#: The flag of every setting, and of `fit`'s covariates: how the help of one setting names another.
FLAGS = {**{name: "--" + name.replace("_", "-") for name in _DEFAULTS}, "covariates": "--with"}
#: Settings --help lists out of ModelConfig's order: --horizons after --features, which its help names.
_LISTED_AFTER = {"horizons": "features"}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Show real defaults (not None/False), keep the hand-made line breaks of descriptions and examples."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        hidden = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if not hidden and "default" not in text:
            text += " (default: %(default)s)"
        return text


def data_options(default_data: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("data")
    group.add_argument("--data", required=default_data is None, default=default_data, metavar="D",
                       help="a bundled sample (sp500, nasdaq, msft), a CSV/Parquet file, or a ticker with --source")
    group.add_argument("--source", choices=("sample", "file", "store", "alphavantage", "yahoo"), default=None,
                       help="how to read --data (default: a sample name if it is one, else a file); store: a "
                            "ticker in the local store; alphavantage, yahoo: refresh the store first")
    add_api_key(group)
    group.add_argument("--price-column", default=None, metavar="COL",
                       help="series to model: close, adj_close, open, high, low (default: adj_close if "
                            "present, else close)")
    group.add_argument("--fill", choices=FILLS, default=None,
                       help="forward-fill empty prices instead of stopping with an error")
    add_exchange(group, "the store's for a stored ticker, else by the ticker's suffix: .NS XNSE, .L XLON, .DE "
                        "XETR, ...; else XNYS")
    add_covariates(group)
    group.add_argument("--common-span", action="store_true",
                       help="start the data where the latest --with dataset starts, instead of stopping")
    return parser


def add_covariates(group: argparse._ActionsContainer) -> None:
    group.add_argument("--with", dest="covariates", default=None, metavar="D,D",
                       help="other datasets whose daily returns are inputs too (any name --data accepts, e.g. "
                            "nasdaq,store:VIX), aligned on the data's trading days")


def add_exchange(group: argparse._ActionsContainer, default: str) -> None:
    group.add_argument("--exchange", default=None, metavar="MIC",
                       help=f"exchange whose trading days date the forecasts, as an ISO MIC code such as XNYS, "
                            f"XLON, XETR, XNSE, XWAR (default: {default})")


def add_api_key(group: argparse._ActionsContainer) -> None:
    group.add_argument("--api-key", default=None, metavar="KEY",
                       help="Alpha Vantage API key (default: the ALPHAVANTAGE_API_KEY variable)")


def training_options(defaults: Mapping[str, Any] | None = None, *, without: Collection[str] = ()) -> (
        argparse.ArgumentParser):
    """The model, training and split options, each defined here once.

    `defaults` overrides ModelConfig's defaults for one command (rank's lookback 240, hidden 25, ...); `without`
    leaves out options (by their dest, or "split" for the whole chronological-split group) that the command
    has no use for, rather than accepting and ignoring them.
    """
    values = {**_DEFAULTS, **(defaults or {})}
    unknown = set(values) - set(_DEFAULTS)
    if unknown:
        raise ValueError(f"no training option for the defaults {sorted(unknown)}")  # a bug in the caller
    parser = argparse.ArgumentParser(add_help=False)
    model = parser.add_argument_group("model and training")
    for setting in _help_order(fields(ModelConfig)):
        if setting.name not in without:
            model.add_argument(FLAGS[setting.name], default=values[setting.name], **_argument(setting))
    if "split" in without:
        return parser
    split = parser.add_argument_group("chronological split")
    split.add_argument("--test-size", type=float, default=TEST_SIZE,
                       help="last part held out for testing: a fraction, or a number of rows if >= 1")
    split.add_argument("--val-size", type=float, default=VAL_SIZE,
                       help="part before the test, for early stopping: a fraction or a number of rows")
    split.add_argument("--test-start", default=None, metavar="YYYY-MM-DD", help="test from this date on")
    split.add_argument("--val-start", default=None, metavar="YYYY-MM-DD", help="validation from this date on")
    return parser


def _argument(setting: Field[Any]) -> dict[str, Any]:
    """argparse's description of a ModelConfig setting: the value's type (text needs none), its choices or its
    metavar, and the setting's description naming other settings by their flags."""
    kind = type(setting.default)
    extra = {key: setting.metadata[key] for key in ("choices", "metavar") if key in setting.metadata}
    return {"type": None if kind is str else kind, "help": describe(setting, FLAGS), **extra}


def _help_order(settings: tuple[Field[Any], ...]) -> list[Field[Any]]:
    """ModelConfig's order, but each setting of `_LISTED_AFTER` right after the one it names."""
    place = {setting.name: rank for rank, setting in enumerate(settings)}
    return sorted(settings, key=lambda setting: place[_LISTED_AFTER.get(setting.name, setting.name)]
                  + (0.5 if setting.name in _LISTED_AFTER else 0))


#: As tickercast.sweep.engines.ENGINES, which imports too much for --help.
ENGINES = ("local", "ray")


def engine_options(parser: argparse.ArgumentParser) -> None:
    """Where units of work run (sweep, rank): local processes or a Ray cluster, said the same way everywhere."""
    engine = parser.add_argument_group("engine")
    engine.add_argument("--engine", choices=ENGINES, default="local",
                        help="local: processes on this machine; ray: a Ray cluster (pip install "
                             "'tickercast[distributed]')")
    engine.add_argument("--workers", type=int, default=0,
                        help="local processes (0 = one per core; 1 runs in this process)")
    engine.add_argument("--ray-address", default=None, metavar="ADDR",
                        help="the Ray cluster to join: auto (the one this machine belongs to), HEAD:6379, or "
                             "ray://HEAD:10001 with pip install 'ray[client]' (default: RAY_ADDRESS, else a Ray "
                             "started on this machine)")
    engine.add_argument("--ray-timeout", type=float, default=None, metavar="SECONDS",
                        help="how long to try to reach the Ray cluster before giving up (default: 10)")


def output_options(default_out: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("output")
    group.add_argument("--out", default=default_out, metavar="DIR",
                       help="folder for the saved model(s), predictions and plots")
    group.add_argument("--json", action="store_true",
                       help="print one JSON object on stdout (progress and warnings go to stderr)")
    return parser


def parents(default_data: str | None = None, default_out: str | None = None) -> list[argparse.ArgumentParser]:
    """Data, training and output options: what every command that trains accepts."""
    return [data_options(default_data), training_options(), output_options(default_out)]


def model_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ModelConfig settings given on the command line (`--threads` no more than this machine's cores)."""
    from tickercast.parallel import cores

    settings = {name: getattr(args, name, default) for name, default in _DEFAULTS.items()}
    if settings["ensemble"] < 1:
        raise ConfigError(f"--ensemble {shown(settings['ensemble'])}: an ensemble is the mean of N networks; give "
                          "1 (one network) or more")
    if settings["threads"] > cores():
        raise ConfigError(f"--threads {shown(settings['threads'])} is more than the {cores()} cores this process "
                          f"may use; give 0 (automatic) or 1 to {cores()}")
    return settings


def check_ensemble(args: argparse.Namespace, models: Collection[str]) -> None:
    """Refuse `--ensemble N` (N > 1) when none of the models to train is a network: a baseline's fit repeated
    is the same fit, so an ensemble of one would silently be the model alone."""
    from tickercast.config import CELLS

    ensemble = getattr(args, "ensemble", 1)
    if ensemble > 1 and not set(models) & set(CELLS):
        raise ConfigError(f"--ensemble {ensemble}: ensembles are for networks ({', '.join(CELLS)}), and "
                          f"{', '.join(models)} {'is a baseline' if len(models) == 1 else 'are baselines'}; "
                          "drop --ensemble, or train a network with it")


def model_label(model: str, ensemble: int) -> str:
    """`gru`, or `gru ensemble of 5` for the mean of 5 networks: how titles name a model."""
    return model if ensemble == 1 else f"{model} ensemble of {ensemble}"


def fit_options(args: argparse.Namespace) -> dict[str, Any]:
    """The split and data arguments of `Forecaster.fit` / `compare` / `backtest`."""
    return {"test_size": args.test_size, "val_size": args.val_size, "test_start": args.test_start,
            "val_start": args.val_start, "fill": args.fill, "common_span": args.common_span}


def load_covariates(args: argparse.Namespace) -> dict[str, Any]:
    """The datasets `--with` names, by their short names (`store:VIX` -> `VIX`), each read and checked."""
    from tickercast.data.load import load

    if not args.covariates:
        return {}
    specs = [spec.strip() for spec in args.covariates.split(",") if spec.strip()]
    if not specs:
        raise ConfigError("--with needs dataset names, e.g. --with nasdaq,store:VIX")
    frames = {}
    for spec in specs:
        name = covariate_name(spec)
        if name in frames:
            raise ConfigError(f"--with names {shown(name)} twice; give each dataset once")
        try:
            frames[name] = load(spec, fill=getattr(args, "fill", None), api_key=getattr(args, "api_key", None),
                                series=True)
        except DataError as error:  # say which option named it: the message alone names a file, not its role
            raise type(error)(f"--with {shown(spec)}: {error}") from None
    return frames


def covariate_name(spec: str) -> str:
    """A covariate's short name: a sample or ticker as is, `store:VIX` -> `VIX`, a file by its name up to the
    first dot (`data/vix.csv.gz` -> `vix`).

    >>> covariate_name("store:^VIX"), covariate_name("nasdaq"), covariate_name("data/vix.csv.gz")
    ('^VIX', 'nasdaq', 'vix')
    """
    from pathlib import Path

    source, _, rest = spec.partition(":")
    if rest and source in ("sample", "store", "file", "yahoo", "alphavantage"):
        return rest if source != "file" else Path(rest).name.split(".")[0] or rest
    path = Path(spec)
    return path.name.split(".")[0] or spec if ("/" in spec or "." in path.name) else spec


def load_prices(args: argparse.Namespace, name: str | None = None) -> Any:
    """The prices `--data` names (or `name`, one of several), read with the data options given."""
    from tickercast.data.load import load

    prices = load(name or args.data, **load_options(args))
    return with_exchange(prices, args.exchange)


def load_options(args: argparse.Namespace) -> dict[str, Any]:
    """`data.load.load`'s options from the command line; `--exchange` is checked before anything is read."""
    from tickercast.trading_calendar import check_exchange

    return {"source": args.source, "price_column": args.price_column, "fill": args.fill, "api_key": args.api_key,
            "exchange": check_exchange(args.exchange) if args.exchange else None, "series": True}


def with_exchange(prices: Any, explicit: str | None) -> Any:
    """`prices` with `attrs["exchange"]` resolved (`calendar.resolve_exchange`), so that every model fit on them
    and saved dates its forecasts on that exchange's trading days."""
    from tickercast.trading_calendar import resolve_exchange

    prices.attrs["exchange"] = resolve_exchange(prices.attrs.get("exchange"), explicit,
                                                ticker=prices.attrs.get("ticker"))
    return prices

