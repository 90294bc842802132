import gzip

import pandas as pd
import pytest

import tickercast as tc
from tickercast import TickercastWarning
from tickercast.data.files import read_csv, read_file, read_parquet
from tickercast.errors import DataError

YAHOO = """Date,Open,High,Low,Close,Adj Close,Volume
2024-01-02,10,11,9,10.5,10.4,1000
2024-01-03,10.5,12,10,11.5,11.4,1200
2024-01-04,11.5,12,11,11.0,10.9,900
"""


def write(tmp_path, text, name="prices.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_yahoo_layout(tmp_path):
    frame = read_csv(write(tmp_path, YAHOO))
    assert list(frame.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert frame.attrs["price_column"] == "adj_close"
    assert frame["adj_close"].tolist() == [10.4, 11.4, 10.9]


def test_alpha_vantage_csv_newest_first(tmp_path):
    text = ("timestamp,open,high,low,close,adjusted_close,volume\n2024-01-04,1,1,1,3,3,5\n"
            "2024-01-03,1,1,1,2,2,5\n2024-01-02,1,1,1,1,1,5\n")
    with pytest.warns(TickercastWarning, match="newest first"):
        frame = read_csv(write(tmp_path, text))
    assert frame["adj_close"].tolist() == [1.0, 2.0, 3.0]


def test_stooq_bulk_layout(tmp_path):
    text = ("<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n"
            "IBM.US,D,20240102,000000,1,2,1,1.5,100,0\nIBM.US,D,20240103,000000,1,2,1,1.6,100,0\n")
    frame = read_csv(write(tmp_path, text, "ibm.us.txt"))
    assert frame.attrs["ticker"] == "IBM.US"
    assert frame.index[1] == pd.Timestamp("2024-01-03")
    assert frame["close"].tolist() == [1.5, 1.6]


def test_nasdaq_com_layout_with_dollars_and_us_dates(tmp_path):
    text = ("Date,Close/Last,Volume,Open,High,Low\n01/03/2024,$184.25,58414460,$184.22,$185.88,$183.43\n"
            "01/02/2024,$185.64,82488670,$187.15,$188.44,$183.885\n")
    with pytest.warns(TickercastWarning, match="newest first"):
        frame = read_csv(write(tmp_path, text))
    assert frame["close"].tolist() == [185.64, 184.25]
    assert frame.index[0] == pd.Timestamp("2024-01-02")


def test_semicolon_and_decimal_comma(tmp_path):
    text = "Datum;Open;Close\n2024-01-02;1.234,5;1.240,25\n2024-01-03;1.240,0;1.250,75\n"
    assert read_csv(write(tmp_path, text.replace("Datum", "Date")))["close"].tolist() == [1240.25, 1250.75]


def test_tab_separated_utf8_bom_and_blank_lines(tmp_path):
    text = "\ufeffDate\tClose\n2024-01-02\t1\n\n2024-01-03\t2\n\n"
    assert read_csv(write(tmp_path, text, "p.tsv"))["close"].tolist() == [1.0, 2.0]


def test_utf16_excel_export(tmp_path):
    path = write(tmp_path, "\ufeffDate,Close\r\n2024-01-02,1\r\n2024-01-03,2\r\n", encoding="utf-16-le")
    assert read_csv(path)["close"].tolist() == [1.0, 2.0]


def test_gzipped_csv(tmp_path):
    path = tmp_path / "prices.csv.gz"
    path.write_bytes(gzip.compress(YAHOO.encode()))
    assert len(read_file(path)) == 3


def test_error_lines_count_from_the_header(tmp_path):
    text = YAHOO.replace("2024-01-03,10.5,12,10,11.5,11.4,1200", "2024-01-03,10.5,12,10,abc,11.4,1200")
    with pytest.raises(DataError, match=r"prices\.csv, line 3: cannot read close 'abc'"):
        read_csv(write(tmp_path, text))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
    (b"Date,Close\n", "no data rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content, not a CSV text file"),
    (b"Date,Close\n2024-01-02,1,2,3\n2024-01-03,1\n", "line 2: 4 fields but the header has 2"),
    (b"Date,Close\n\"2024-01-02,1\n", "not a readable CSV|cannot read date"),
])
def test_unusable_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_csv(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_csv(tmp_path)


def test_spreadsheets_are_refused_with_advice(tmp_path):
    with pytest.raises(DataError, match="save it as CSV first"):
        read_file(tmp_path / "prices.xlsx")
    sheet = tmp_path / "real.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + bytes(range(256)))  # a zip, as a real workbook is
    with pytest.raises(DataError, match="save it as CSV first"):  # load() peeks for a ticker column first
        tc.load(sheet)


@pytest.mark.parametrize("as_index", [True, False])
def test_parquet_with_date_index_or_column(tmp_path, as_index):
    frame = pd.DataFrame({"Date": pd.to_datetime(["2024-01-02", "2024-01-03"]), "Close": [1.0, 2.0]})
    if as_index:
        frame = frame.set_index("Date")
    frame.to_parquet(tmp_path / "p.parquet")
    prices = read_file(tmp_path / "p.parquet")
    assert prices["close"].tolist() == [1.0, 2.0]
    assert prices.index[0] == pd.Timestamp("2024-01-02")


def test_damaged_parquet(tmp_path):
    (tmp_path / "p.parquet").write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_parquet(tmp_path / "p.parquet")


def test_shared_ibm_file_reads_with_a_warning_for_its_junk_row(ibm_csv):
    with pytest.warns(TickercastWarning, match=r"line 3021: skipped a trailing row with no prices \('-1,,,,,,"):
        frame = read_csv(ibm_csv)
    assert len(frame) == 3019
    assert (frame.index[0], frame.index[-1]) == (pd.Timestamp("2006-01-03"), pd.Timestamp("2017-12-29"))
    assert frame.attrs["ticker"] == "IBM"
    assert frame.attrs["price_column"] == "close"
    assert frame.loc["2017-12-29", "close"] == 153.42


def test_semicolon_file_with_decimal_points_is_not_misread(tmp_path):
    text = "Date;Close\n2024-01-02;100.13\n2024-01-03;99.9\n"
    assert read_csv(write(tmp_path, text))["close"].tolist() == [100.13, 99.9]


def test_old_mac_line_endings(tmp_path):
    assert read_csv(write(tmp_path, "Date,Close\r2024-01-02,1\r2024-01-03,2\r"))["close"].tolist() == [1.0, 2.0]


def test_junk_row_in_the_middle_of_a_kaggle_file_names_the_date_problem(tmp_path):
    text = "Date,Close,Name\n2024-01-02,1,IBM\n-1,,\n2024-01-03,2,IBM\n"
    with pytest.raises(DataError, match="line 3: cannot read date '-1'"):
        read_csv(write(tmp_path, text))
