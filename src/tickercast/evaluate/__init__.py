"""Scoring forecasts: point metrics in price units, always next to the naive forecast of the same days."""
