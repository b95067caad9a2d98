"""Sanitizing and flattening of article HTML (never trust the editor's HTML)."""

import functools
import html
import re
from html.parser import HTMLParser

import nh3
from django_prose_editor.config import allowlist_from_extensions

# The body's one allow-list: what the editor can make is exactly what the
# sanitizer keeps (django-prose-editor derives the HTML it allows from these
# extensions; `sanitize_html` uses the same derivation), so an imported
# <figure> or <sub> survives a journalist's next save.
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Code": True,
    "CodeBlock": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Figure": True,
    "Caption": True,
    "Image": True,
}
URL_SCHEMES = {"http", "https", "mailto"}
# The classes the editor itself writes: its Figure node's own, always
# "figure" (a `class` attribute defaulting to it in django-prose-editor's
# editor.js; tests/articles/test_models.py checks the shipped script). Every
# figure gets exactly that and nothing else: the page's CSS framework has
# classes that cover the whole page (position-fixed w-100 h-100), which a
# body (a journalist's, an import's) must not reach.
EDITOR_CLASSES = {"figure": "figure"}
# Tags older HTML (WordPress) writes for what the editor calls otherwise.
_RENAMED = re.compile(r"<(/?)(b|i)(?=[\s>/])", re.I)
_NEW_NAME = {"b": "strong", "i": "em"}


@functools.cache
def _cleaner() -> nh3.Cleaner:
    policy = allowlist_from_extensions(EDITOR_EXTENSIONS)
    attributes = {tag: set(names) for tag, names in policy["attributes"].items()}
    attributes.get("a", set()).discard("rel")  # set below, for every link
    for tag in EDITOR_CLASSES:
        attributes.get(tag, set()).discard("class")  # only the editor's own
    return nh3.Cleaner(
        tags=set(policy["tags"]),
        attributes=attributes,
        set_tag_attribute_values={
            tag: {"class": value} for tag, value in EDITOR_CLASSES.items()
        },
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
    value = _RENAMED.sub(lambda m: f"<{m[1]}{_NEW_NAME[m[2].lower()]}", value)
    cleaned = _cleaner().clean(value.replace("\x00", "")).strip()
    # ProseMirror's empty document is a single empty paragraph.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned


def html_to_text(value: str) -> str:
    """Plain text of sanitized HTML: block ends become line breaks."""
    text = _BLOCK_END.sub("\n", value or "")
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


class _FirstImage(HTMLParser):
    def __init__(self, prefix: str):
        super().__init__()
        self.prefix, self.found = prefix, None

    def handle_starttag(self, tag, attrs):
        if self.found is not None or tag != "img":
            return
        values = dict(attrs)
        src = values.get("src") or ""
        if src.startswith(self.prefix) and src != self.prefix:
            self.found = {
                "src": src,
                "alt": values.get("alt") or "",
                "width": values.get("width") or "",
                "height": values.get("height") or "",
            }


def first_image(value: str, *, prefix: str) -> dict:
    """The first image of sanitized body HTML whose address starts with
    `prefix` (the site's public media: never another site's picture on the
    story's card or social card): src, alt, width and height; {} if none."""
    parser = _FirstImage(prefix)
    parser.feed(value or "")
    return parser.found or {}
