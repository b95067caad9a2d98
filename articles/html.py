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
    "ImageGuard": True,  # ours: images survive typing (see settings)
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


# In the cleaner's output (attributes always in double quotes): an image, an
# image with an address, and a figure holding no other figure.
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_HAS_SRC = re.compile(r'\ssrc="[^"]+"', re.I)
_INNER_FIGURE = re.compile(
    r"<figure\b[^>]*>((?:(?!<figure\b).)*?)</figure>", re.I | re.S
)


def _without_empty_images(value: str) -> tuple[str, int]:
    """`value` without the shells a broken edit leaves (a figure without an
    image that has an address, an image without an address), and how many
    were dropped. Innermost figures first, until none is left to drop."""
    dropped = 0

    def figure(match):
        nonlocal dropped
        if any(_HAS_SRC.search(img[0]) for img in _IMG.finditer(match[1])):
            return match[0]
        dropped += 1
        return ""

    while True:
        before = dropped
        value = _INNER_FIGURE.sub(figure, value)
        if dropped == before:
            break

    def image(match):
        nonlocal dropped
        if _HAS_SRC.search(match[0]):
            return match[0]
        dropped += 1
        return ""

    return _IMG.sub(image, value), dropped


def _sanitized(value: str) -> tuple[str, int]:
    if not value:
        return "", 0
    value = _RENAMED.sub(lambda m: f"<{m[1]}{_NEW_NAME[m[2].lower()]}", value)
    cleaned = _cleaner().clean(value.replace("\x00", "")).strip()
    cleaned, dropped = _without_empty_images(cleaned)
    # ProseMirror's empty document is a single empty paragraph.
    return ("" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned), dropped


def sanitize_html(value: str) -> str:
    """Reduce `value` to the allowlisted tags and attributes, without empty
    images or figures (never stored: a page would show a broken picture)."""
    return _sanitized(value)[0]


def empty_images(value: str) -> int:
    """How many empty images or figures sanitize_html drops from `value`
    (the article form says so)."""
    return _sanitized(value)[1]


_ALT = re.compile(r'\salt="([^"]*)"', re.I)
_SRC = re.compile(r'\ssrc="([^"]*)"', re.I)


def _image_line(match) -> str:
    alt = _ALT.search(match[0])
    src = _SRC.search(match[0])
    name = (alt and alt[1].strip()) or (src and src[1].rsplit("/", 1)[-1]) or "?"
    return f"\n[Image: {name}]\n"


def html_to_text(value: str, *, images: bool = False) -> str:
    """Plain text of sanitized HTML: block ends become line breaks. With
    `images`, each image is a line of its own, "[Image: its alt text]" (a
    revision diff shows an image added or removed)."""
    text = _IMG.sub(_image_line, value or "") if images else value or ""
    text = _BLOCK_END.sub("\n", text)
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


# An item's key: the first 20 hex digits of the SHA-256 of its original's
# bytes. Its renditions live under renditions/<key>/ (body images uploaded
# before the library under body/<key>/), so an image in a story's body names
# its item by its address alone.
_KEY_IN_SRC = re.compile(
    r"<img\b[^>]*?\ssrc=\"[^\"]*?/(?:renditions|body)/([0-9a-f]{20})/", re.I
)


def image_keys_in(html: str) -> list[str]:
    """The library keys of the images a body shows, in order, once each."""
    return list(dict.fromkeys(m[1] for m in _KEY_IN_SRC.finditer(html or "")))


_FIGURE = re.compile(r"<figure\b[^>]*>(.*?)</figure>", re.I | re.S)
_ALT = re.compile(r'\salt="([^"]*)"', re.I)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.I | re.S)


def figure_of(body: str, key: str) -> dict:
    """The alt text and caption (as text) a body gives the picture of
    library `key`: {"alt": …, "caption": …}; {} if the body does not show
    it."""
    for figure in _FIGURE.finditer(body or ""):
        if key in image_keys_in(figure[1]):
            alt = _ALT.search(figure[1])
            caption = _FIGCAPTION.search(figure[1])
            return {
                "alt": html.unescape(alt[1]) if alt else "",
                "caption": html_to_text(caption[1]).strip() if caption else "",
            }
    for image in _IMG.finditer(body or ""):
        if key in image_keys_in(image[0]):
            alt = _ALT.search(image[0])
            return {"alt": html.unescape(alt[1]) if alt else "", "caption": ""}
    return {}
