"""The report's Content-Security-Policy: no request of any kind, and only the page's own scripts and styles.

Each inline script and style the page runs is allowed by the SHA-256 of its text, not by 'unsafe-inline'. So
markup that found its way into a report (a name that escaped escaping, a file edited by someone else) could
neither run a script nor style the page, while the page's own code runs exactly as written. A hash, unlike a
per-page nonce, keeps a report byte for byte the same when written again from the same folder.

    policy = content_policy(scripts=[allow(code)], styles=[allow(css)])
    # "default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…'; img-src data: blob:; …"
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable


def allow(text: str) -> str:
    """The source expression that allows exactly this inline script or style: `'sha256-<base64 digest>'`.

    Browsers hash the element's text as UTF-8, as here."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_policy(*, scripts: Iterable[str], styles: Iterable[str]) -> str:
    """The policy of a page that may run the inline scripts and styles allowed (each an `allow` of its text).

    Images only from data: and blob: (a chart's PNG download), fonts only from data:; no <base> (relative links
    cannot be sent elsewhere) and no form submission (injected markup cannot post the page's data away)."""
    return (f"default-src 'none'; script-src {' '.join(scripts)}; style-src {' '.join(styles)}; "
            "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'")
