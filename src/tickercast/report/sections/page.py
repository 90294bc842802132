"""What every section of the report shares: the page being assembled, a number cell, a split's metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tickercast.evaluate.vocabulary import number, number_text
from tickercast.report import figures as fig
from tickercast.report.literal import for_html as _e

#: How the verdict column sorts: best first.
VERDICT_ORDER = {"better": 0, "same": 1, "untested": 2, "benchmark": 3, "worse": 4}
ALIGN = {"text": ' class="text"', "number": ""}  # words align left, numbers right
#: The caption of every calibration chart; each names its event in place of "the event happened".
CALIBRATION = ("reliability on the test days: the forecasts put in bins of probability, each bin's mean forecast "
                "against how often the event happened; on the dashed diagonal a forecast of 0.6 comes true 60% of "
                "the time. Bigger markers: more forecasts in the bin")


@dataclass
class Page:
    """The page being assembled: sections of markup, the figures they show and the columns those share."""

    columns: fig.Columns
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # (id, nav title, markup)

    def chart(self, name: str, figure: dict[str, Any]) -> str:
        self.figures[name] = figure
        return f'<div class="chart" id="{name}"></div>'

    def section(self, anchor: str, title: str, body: str, caption: str = "") -> None:
        text = f'<p class="caption">{_e(caption)}</p>' if caption else ""
        self.sections.append((anchor, title, f'<section id="{anchor}"><h2>{_e(title)}</h2>{text}{body}</section>'))


def split_metrics(metrics: Any, part: str) -> Mapping[str, Any]:
    """One split's (or horizon's) metrics from a metrics.json; empty when the file has none or is edited."""
    found = metrics.get(part) if isinstance(metrics, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def number_cell(value: Any, fmt: str, tail: str = "", *, key: str = "", best: bool = False) -> str:
    """A table cell of a number from a file: the exact value for sorting, its text in `fmt` ("—" if none), the
    column's `key` for scripts and tests, and the mark of the column's best value."""
    found = number(value)
    attributes = (f' data-key="{_e(key)}"' if key else "") + f' data-value="{"" if found is None else repr(found)}"'
    attributes += ' class="best"' if best else ""
    return f"<td{attributes}>{number_text(found, fmt)}{tail}</td>"
