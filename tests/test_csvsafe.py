import pandas as pd
import pytest

from tickercast.csvsafe import escape, spreadsheet_safe


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")'])
def test_text_a_spreadsheet_would_evaluate_is_escaped(text):
    assert escape(text) == "'" + text


@pytest.mark.parametrize("value", ["sp500", "store:IBM", "a=b", "", -0.5, -3, None, float("nan")])
def test_other_text_and_every_number_are_left_as_they_are(value):
    assert escape(value) is value


def test_a_table_keeps_its_numbers_as_numbers_and_escapes_its_text(tmp_path):
    table = pd.DataFrame({"data": ["=cmd|' /C calc'!A0", "sp500"], "rmse": [-0.5, 1.25], "seed": [None, 0]})
    spreadsheet_safe(table).to_csv(tmp_path / "t.csv", index=False)
    assert (tmp_path / "t.csv").read_text().splitlines() == ["data,rmse,seed", "'=cmd|' /C calc'!A0,-0.5,",
                                                             "sp500,1.25,0.0"]
    assert table["data"][0].startswith("=")  # the caller's table is not changed
