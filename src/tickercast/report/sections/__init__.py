"""The report page's sections, a module per kind (`report.html` puts them together)."""
