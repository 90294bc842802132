"""Getting prices in: bundled samples and files, all through one validation gate."""

from tickercast.data.files import read_csv, read_file, read_parquet
from tickercast.data.layout import PRICE_COLUMNS
from tickercast.data.load import load
from tickercast.data.samples import SAMPLES, load_sample
from tickercast.data.validate import validate

__all__ = ["PRICE_COLUMNS", "SAMPLES", "load", "load_sample", "read_csv", "read_file", "read_parquet", "validate"]
