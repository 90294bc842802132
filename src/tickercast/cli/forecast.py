"""`tickercast forecast`: the next trading days from a saved model, with 80% and 95% prediction intervals."""

from __future__ import annotations

import argparse
from typing import Any

from tickercast.cli import options


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "forecast", help="forecast the next trading days with prediction intervals",
        formatter_class=options.HelpFormatter,
        description="Forecast the next --horizon trading days after the last date of the data with a saved "
                    "model, on the calendar of the exchange it trades on; 80% and 95% intervals are calibrated on "
                    "the model's own out-of-sample errors.",
        epilog="example:\n  tickercast train --data sp500 --model gru --out runs/gru\n"
               "  tickercast forecast --model-dir runs/gru --horizon 5 --out runs/gru-forecast")
    parser.add_argument("--model-dir", required=True, metavar="DIR", help="a model saved with --out")
    parser.add_argument("--data", metavar="D",
                        help="prices to forecast from (default: the data it was trained on, if that was a bundled "
                             "sample or a stored ticker)")
    parser.add_argument("--source", default=None, help="how to read --data, as for train")
    options.add_api_key(parser)
    options.add_exchange(parser, "the model's, for the ticker it was trained on; else the data's")
    options.add_covariates(parser)
    parser.add_argument("--horizon", type=int, default=None,
                        help="trading days to forecast (default: 5; 1 for a direction model, which gives P(up) of "
                             "the next day)")
    parser.add_argument("--mc-dropout", type=int, default=0, metavar="N",
                        help="also sample N forecast paths with dropout on and report their 10-90%% spread")
    parser.add_argument("--out", metavar="DIR", help="write forecast.csv and forecast.png here")
    parser.add_argument("--json", action="store_true", help="print the forecast as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tickercast.bundle import saved_data
    from tickercast.data.load import load
    from tickercast.errors import ConfigError
    from tickercast.forecaster import Forecaster
    from tickercast.report.run_record import prepare_folder, write_forecast

    out = prepare_folder(args.out) if args.out else None
    forecaster = Forecaster.load(args.model_dir)
    data = forecaster.data_
    if args.data:
        prices = load(args.data, source=args.source, price_column=data["price_column"], api_key=args.api_key)
    elif args.source:
        raise ConfigError("--source says how to read --data; give --data too")
    else:  # only what a model folder may name: never a path or a download (see bundle.saved_data)
        prices = load(saved_data(args.model_dir, data), price_column=data["price_column"])
    table = forecaster.forecast(prices, horizon=args.horizon, mc_dropout=args.mc_dropout, exchange=args.exchange,
                                covariates=options.load_covariates(args))
    if out:
        write_forecast(out, table, prices, forecaster)
    if args.json:
        from tickercast.cli.render import print_json

        rows = [{**row, "date": f"{row['date']:%Y-%m-%d}"} for row in table.to_dict("records")]
        ensemble = forecaster.config.ensemble
        print_json({"model": forecaster.model, **({"ensemble": ensemble} if ensemble > 1 else {}),
                    "exchange": forecaster.exchange_,
                    "last_date": f"{prices.index[-1]:%Y-%m-%d}",
                    "last_price": float(prices[data["price_column"]].iloc[-1]), "forecast": rows,
                    "out": str(out) if out else None})
        return 0
    from tickercast.cli.render import forecast_table, show

    title = (f"{options.model_label(forecaster.model, forecaster.config.ensemble)} forecast of {data['ticker']} "
             f"{data['price_column']} after "
             f"{prices.index[-1]:%Y-%m-%d} (last price {prices[data['price_column']].iloc[-1]:.4g}, "
             f"{forecaster.exchange_} trading days)")
    files = "forecast.csv" if "p_up" in table else "forecast.csv and forecast.png"
    show(forecast_table(table, title), f"wrote {files} to {out}" if out else f"add --out DIR to save {files}")
    return 0
