"""The report's content security policy: every inline script and style of the page is allowed by its hash,
and nothing else is (the browser tests check that Chromium agrees)."""

import base64
import hashlib
import re

from tickercast.report.folder import read_run
from tickercast.report.html import render_page
from tickercast.report.library import plotly_library
from tickercast.report.policy import allow, content_policy


def test_allow_is_the_base64_sha256_of_the_utf8_text():
    assert allow("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # the well-known empty digest
    digest = base64.b64encode(hashlib.sha256("é".encode()).digest()).decode()
    assert allow("é") == f"'sha256-{digest}'"


def test_the_policy_allows_no_inline_code_by_keyword_and_no_request():
    policy = content_policy(scripts=[allow("a")], styles=[allow("b")])
    assert "unsafe" not in policy
    assert policy.startswith("default-src 'none';")
    assert f"script-src {allow('a')};" in policy
    assert f"style-src {allow('b')};" in policy
    assert "base-uri 'none'" in policy
    assert "form-action 'none'" in policy


def test_every_inline_script_and_style_of_a_report_is_in_its_policy_and_nothing_more(small_run):
    library = plotly_library()
    page = render_page(read_run(small_run), library=library)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page).group(1)
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)  # the code; data blocks have a type
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1
    assert len(styles) == 1
    assert set(directives["script-src"].split()) == {allow(scripts[0]), *library.scripts}
    assert set(directives["style-src"].split()) == {allow(styles[0]), *library.styles}
    assert not re.search(r"<[^>]+\s(on\w+|style)=", page)  # no handler or style attribute to allow


def test_the_library_allows_the_code_the_page_inflates_and_the_styles_plotly_adds():
    import gzip

    library = plotly_library()
    code = gzip.decompress(base64.b64decode(library.packed)).decode()
    assert library.scripts == (allow(code),)
    assert allow("") in library.styles  # the sheet Plotly.js fills rule by rule
    assert len(library.styles) >= 2  # and MapLibre's CSS, a literal in Plotly.js 3
