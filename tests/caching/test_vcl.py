"""The edge's VCL and the settings agree, read as text (no Varnish needed):
the per-visitor cookies that make the edge pass a request are exactly
NEWSROOM_VISITOR_COOKIES, the list the page cache and middleware read."""

import re
from pathlib import Path

from django.conf import settings

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "newsroom.vcl"


def vcl_visitor_cookies(text: str) -> set[str]:
    rules = re.findall(r'req\.http\.Cookie ~ "\(\^\|;\\s\*\)\(([^)]*)\)="', text)
    assert len(rules) == 1, f"expected one visitor-cookie rule in the VCL: {rules}"
    return set(rules[0].split("|"))


def test_the_vcl_passes_exactly_the_visitor_cookies():
    assert vcl_visitor_cookies(VCL.read_text()) == set(
        settings.NEWSROOM_VISITOR_COOKIES
    )


def test_a_cookie_missing_from_the_vcl_is_seen():
    text = VCL.read_text().replace("|newsroom_comment_author", "")
    assert vcl_visitor_cookies(text) != set(settings.NEWSROOM_VISITOR_COOKIES)
