"""Sanitizing and flattening of article HTML (never trust the editor's HTML)."""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "a",
    "ul", "ol", "li", "blockquote", "hr", "figure", "figcaption", "img",
    "pre", "code", "sub", "sup",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener",
    strip_comments=True,
)

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption|pre)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def sanitize_html(value: str) -> str:
    """Reduce `value` to the allowlisted tags and attributes."""
    if not value:
        return ""
    cleaned = _cleaner.clean(value.replace("\x00", "")).strip()
    # ProseMirror's empty document is a single empty paragraph.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned


def html_to_text(value: str) -> str:
    """Plain text of sanitized HTML: block ends become line breaks."""
    text = _BLOCK_END.sub("\n", value or "")
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
