"""Showing results: PNG plots (and, later, the HTML report)."""
