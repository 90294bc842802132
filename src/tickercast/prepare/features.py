"""The feature catalogue: named inputs a model may see besides the past of the price it forecasts.

Every feature is a pure function of a PriceFrame, chosen by name (`--features returns,ohlc,volume,rsi`). Two rules
hold for all of them, and tests check both for every feature:

* **Known at the close.** The value dated t uses data up to and including day t's close, never later: the input
  for the forecast of day t+1 is known when day t ends.
* **Scale-free.** A feature means the same at price 10 and at price 1000 (logs, ratios, indicators divided by
  the price), so a scaler fit on the training years still fits later ones.

p is the price column (`attrs["price_column"]`: adj_close or close), r_t = log(p_t / p_{t-1}). Warm-up is the
number of leading rows without a value on a complete frame; a row of a feature is either complete or all NaN.

=========== ============================================================================================= =======
name        columns and formula                                                                           warm-up
=========== ============================================================================================= =======
returns     returns = r_t                                                                                 1
ohlc        ohlc.open/high/low = log(f_t·x_t / p_{t-1}) for x = open, high, low, where f_t = p_t / close_t 1
            puts them on the price's scale (1 when p is close; adjusts for splits and dividends when p is
            adj_close); ohlc.range = log(high_t / low_t)
volume      volume.change = log((v_t + 1) / (v_{t-1} + 1)) (+1: a zero-volume day stays finite);              19
            volume.relative = log((v_t + 1) / (SMA20(v)_t + 1)), SMA20 over days t-19..t
rsi         rsi = (RSI14(p)_t − 50) / 50, TA-Lib's Wilder RSI scaled to [−1, 1] (0 = neutral)             14
macd        macd.line/signal/hist = TA-Lib MACD(12, 26, 9) of p, each divided by p_t                          33
bbands      bbands = %B = (p_t − lower_t) / (upper_t − lower_t), TA-Lib BBANDS(20, 2 sd, SMA); 0.5 when   19
            the bands have no width (20 equal prices)
volatility  volatility = population sd (TA-Lib STDDEV) of r over days t-19..t                              20
ma_gap      ma_gap.20/50/200 = log(p_t / SMA_n(p)_t), TA-Lib SMA over days t-n+1..t                       199
=========== ============================================================================================= =======

`indicators` names rsi, macd, bbands, volatility and ma_gap. RSI and MACD smooth exponentially from the frame's
first day, so their first values depend (fadingly) on where the frame starts: compute them on the same history.

>>> import tickercast as tc
>>> feature_names("volume, rsi")
('returns', 'volume', 'rsi')
>>> compute_features(tc.load("sp500"), feature_names("indicators")).columns[:3].tolist()
['rsi', 'macd.line', 'macd.signal']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import talib

from tickercast.data.quality import unrecorded_volume
from tickercast.errors import ConfigError, DataError, shown, shown_path
from tickercast.prepare.targets import get_target

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class Feature:
    """One named input: what it reads, how long it needs to start, and how it is computed."""

    name: str
    needs: tuple[str, ...]  # PriceFrame columns read besides the price column
    warmup: int  # leading rows without a value (NaN) on a complete frame
    about: str  # one line: formula and when it is known
    compute: Callable[[pd.DataFrame], pd.DataFrame]  # frame -> its columns (float64, index = frame.index)


def _price(frame: pd.DataFrame) -> np.ndarray:
    return _values(frame, frame.attrs["price_column"])


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    # TA-Lib wants contiguous float64 arrays
    return np.ascontiguousarray(frame[column].to_numpy(dtype=np.float64))


def _previous(values: np.ndarray) -> np.ndarray:
    """values shifted one day later: day t sees day t-1 (NaN on the first day)."""
    return np.concatenate([[np.nan], values[:-1]])


def _returns(frame: pd.DataFrame) -> Columns:
    return {"returns": get_target("log_return").series(_price(frame))}


def _ohlc(frame: pd.DataFrame) -> Columns:
    price = _price(frame)
    on_price_scale = price / _values(frame, "close")  # adj_close / close: undoes splits and dividends
    before = _previous(price)
    high, low = _values(frame, "high"), _values(frame, "low")
    return {"ohlc.open": np.log(_values(frame, "open") * on_price_scale / before),
            "ohlc.high": np.log(high * on_price_scale / before),
            "ohlc.low": np.log(low * on_price_scale / before),
            "ohlc.range": np.log(high / low)}


def _volume(frame: pd.DataFrame) -> Columns:
    unrecorded = unrecorded_volume(frame["volume"])
    # an unrecorded day takes the last recorded volume (never a later one); a missing value stays missing
    volume = frame["volume"].where(~unrecorded, frame["volume"].mask(unrecorded).ffill())
    shifted = np.ascontiguousarray(volume.to_numpy(dtype=np.float64)) + 1.0  # a day without trades stays finite
    return {"volume.change": np.log(shifted / _previous(shifted)),
            "volume.relative": np.log(shifted / talib.SMA(shifted, timeperiod=20))}


def _rsi(frame: pd.DataFrame) -> Columns:
    return {"rsi": (talib.RSI(_price(frame), timeperiod=14) - 50.0) / 50.0}


def _macd(frame: pd.DataFrame) -> Columns:
    price = _price(frame)
    line, signal, hist = talib.MACD(price, fastperiod=12, slowperiod=26, signalperiod=9)
    return {"macd.line": line / price, "macd.signal": signal / price, "macd.hist": hist / price}


def _bbands(frame: pd.DataFrame) -> Columns:
    price = _price(frame)
    upper, _, lower = talib.BBANDS(price, timeperiod=20, nbdevup=2.0, nbdevdn=2.0, matype=talib.MA_Type.SMA)
    width = upper - lower
    # 20 equal prices: no band, and the price sits on its middle
    return {"bbands": np.where(width == 0.0, 0.5, (price - lower) / width)}


def _volatility(frame: pd.DataFrame) -> Columns:
    returns = _returns(frame)["returns"]  # NaN on day 0: TA-Lib starts at the first number
    return {"volatility": talib.STDDEV(returns, timeperiod=20, nbdev=1.0)}


def _ma_gap(frame: pd.DataFrame) -> Columns:
    price = _price(frame)
    return {f"ma_gap.{n}": np.log(price / talib.SMA(price, timeperiod=n)) for n in (20, 50, 200)}


def _feature(name: str, needs: tuple[str, ...], warmup: int, about: str,
             columns: Callable[[pd.DataFrame], Columns]) -> Feature:
    """A Feature whose compute gives a float64 table on the frame's dates, each row complete or all NaN."""

    def compute(frame: pd.DataFrame) -> pd.DataFrame:
        with np.errstate(divide="ignore", invalid="ignore"):  # defects become NaN/inf, reported by compute_features
            table = pd.DataFrame(columns(frame), index=frame.index, dtype=np.float64)
        table.loc[table.isna().any(axis=1)] = np.nan
        return table

    compute.__doc__ = about
    return Feature(name, needs, warmup, about, compute)


_OHLC = ("open", "high", "low", "close")
CATALOGUE: dict[str, Feature] = {feature.name: feature for feature in (
    _feature("returns", (), 1, "log(p_t / p_{t-1}); known at day t's close", _returns),
    _feature("ohlc", _OHLC, 1, "log of open/high/low (on the price's scale) over p_{t-1}, and log(high/low); "
             "known at day t's close", _ohlc),
    _feature("volume", ("volume",), 19, "log((v_t+1)/(v_{t-1}+1)) and log((v_t+1)/(20-day mean of v, +1)); "
             "known at day t's close", _volume),
    _feature("rsi", (), 14, "(RSI14(p) - 50) / 50 from TA-Lib, in [-1, 1]; known at day t's close", _rsi),
    _feature("macd", (), 33, "TA-Lib MACD(12, 26, 9) line, signal and histogram over p_t; known at day t's close",
             _macd),
    _feature("bbands", (), 19, "%B of TA-Lib's 20-day, 2-sd Bollinger bands (0.5 if flat); known at day t's close",
             _bbands),
    _feature("volatility", (), 20, "sd of the last 20 log-returns (TA-Lib STDDEV); known at day t's close",
             _volatility),
    _feature("ma_gap", (), 199, "log(p_t / n-day mean of p) for n = 20, 50, 200 (TA-Lib SMA); known at day t's "
             "close", _ma_gap),
)}
GROUPS: dict[str, tuple[str, ...]] = {"indicators": ("rsi", "macd", "bbands", "volatility", "ma_gap")}
DEFAULT: tuple[str, ...] = ("returns",)


def feature_names(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """The features a specification names, in catalogue order, 'returns' always first.

    `spec` is a comma-separated string (the CLI's `--features`), a list of names, or None for DEFAULT. Groups are
    expanded, repeats and empty names dropped, unknown names refused (ConfigError). 'returns' is added if absent:
    a model always sees the past of what it forecasts.

    >>> feature_names("rsi, volume,,indicators")
    ('returns', 'volume', 'rsi', 'macd', 'bbands', 'volatility', 'ma_gap')
    """
    if spec is None:
        return DEFAULT
    parts = spec.split(",") if isinstance(spec, str) else spec
    if not isinstance(parts, Sequence) or not all(isinstance(part, str) for part in parts):
        raise ConfigError(f"features must be names (a comma-separated string or a list of strings), not "
                          f"{shown(spec)}")
    wanted = {"returns"}
    for part in parts:
        name = part.strip().lower()
        if name in GROUPS:
            wanted.update(GROUPS[name])
        elif name in CATALOGUE:
            wanted.add(name)
        elif name:
            groups = "; ".join(f"{group} = {', '.join(members)}" for group, members in GROUPS.items())
            raise ConfigError(f"unknown feature {shown(part.strip())}; use any of: {', '.join(CATALOGUE)}, "
                              f"or a group ({groups})")
    return tuple(name for name in CATALOGUE if name in wanted)


def feature_key(spec: str | Sequence[str] | None) -> str:
    """The canonical spelling of a specification, e.g. "returns,volume": equal keys mean equal inputs."""
    return ",".join(feature_names(spec))


def compute_features(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The input columns of every named feature except 'returns' (a model builds its own past), in catalogue order.

    The table is float64 on `frame.index`, NaN during each feature's warm-up and finite after it. A missing or
    empty column, or a value a feature cannot use after its warm-up (a gap in volume, a zero close), is a
    DataError naming the feature, the column or day, and the fix: a NaN never reaches a model.
    """
    tables = []
    for name in feature_names(names):
        if name == "returns":
            continue
        feature = CATALOGUE[name]
        _check_columns(frame, feature)
        table = feature.compute(frame)
        _check_finite(frame, feature, table)
        tables.append(table)
    if not tables:
        return pd.DataFrame(index=frame.index, dtype=np.float64)
    return pd.concat(tables, axis=1)


def _origin(frame: pd.DataFrame) -> str:
    return shown_path(frame.attrs.get("origin", "the data"))


def _check_columns(frame: pd.DataFrame, feature: Feature) -> None:
    """Every column the feature reads exists and holds numbers; a volume of 0 on every day is no volume."""
    named = " and ".join(", ".join(feature.needs).rsplit(", ", 1))
    fix = f"drop {feature.name} from --features or use a file with {named}"
    for column in feature.needs:
        if column not in frame or frame[column].isna().all():
            state = "lacks" if column not in frame else "leaves empty"
            article = "an" if column[0] in "aeiou" else "a"
            raise DataError(f"the {feature.name} feature needs {article} {column} column, which {_origin(frame)} "
                            f"{state}; {fix}")
        if column == "volume" and (frame[column] == 0).all():
            raise DataError(f"the {feature.name} feature needs traded volumes, but every volume in {_origin(frame)} "
                            f"is 0 (index files often carry none); {fix}")


def _check_finite(frame: pd.DataFrame, feature: Feature, table: pd.DataFrame) -> None:
    """After its warm-up a feature has a number on every day; if not, say which day and, if found, which input."""
    finite = np.isfinite(table.to_numpy()).all(axis=1)
    finite[:feature.warmup] = True
    if finite.all():
        return
    row = int(np.argmin(finite))
    cause, fix = _first_defect(frame, feature, row)
    raise DataError(f"the {feature.name} feature has no value on {frame.index[row]:%Y-%m-%d}{cause}; {fix} or drop "
                    f"{feature.name} from --features")


def _first_defect(frame: pd.DataFrame, feature: Feature, row: int) -> tuple[str, str]:
    """The earliest unusable input up to `row` (missing, or not positive: volume may be 0), with its fix."""
    found: list[tuple[int, str, bool]] = []
    for column in (frame.attrs["price_column"], *feature.needs):
        values = _values(frame, column)[:row + 1]
        missing = np.isnan(values)
        unusable = missing | ~np.isfinite(values) | ((values < 0) if column == "volume" else (values <= 0))
        if unusable.any():
            first = int(np.argmax(unusable))
            found.append((first, column, bool(missing[first])))
    if not found:
        return "", "check the file around that day"
    first, column, missing = min(found)
    problem = "is missing" if missing else ("is negative" if column == "volume" else "is not a positive number")
    fix = "fill the gap (--fill ffill carries the last value forward)" if missing else "fix the file"
    when = "that day" if first == row else f"on {frame.index[first]:%Y-%m-%d}"
    return f": {column} {problem} {when}", fix
