"""Turning WordPress post and comment content into Newsroom HTML/text."""

import html
import re
from urllib.parse import unquote

from articles.models import make_slug

BLOCK_TAGS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|"
    "pre|form|blockquote|address|p|h[1-6]|hr|figure|figcaption|section|article|"
    "aside|header|footer|nav|details|summary"
)
_BLOCK_OPEN = re.compile(rf"(<(?:{BLOCK_TAGS})[\s/>])", re.I)
_BLOCK_CLOSE = re.compile(rf"(</(?:{BLOCK_TAGS})>)", re.I)
_STARTS_BLOCK = re.compile(rf"^</?(?:{BLOCK_TAGS})[\s/>]", re.I)
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
_CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S | re.I)
_IMG = re.compile(r"(<a\b[^>]*>\s*)?<img\b[^>]*>(\s*</a>)?", re.I)


def is_block_editor(content: str) -> bool:
    return "<!-- wp:" in content


def wpautop(text: str) -> str:
    """WordPress's automatic paragraphs, in short: a blank line starts a new
    paragraph, a single newline is a <br />, block elements stay as they are."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    text = _BLOCK_OPEN.sub(r"\n\n\1", text)
    text = _BLOCK_CLOSE.sub(r"\1\n\n", text)
    chunks = [c.strip() for c in re.split(r"\n\s*\n", text)]
    out = []
    for chunk in chunks:
        if not chunk:
            continue
        if _STARTS_BLOCK.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br />\n") + "</p>")
    return "\n".join(out)


def captions_to_figures(text: str) -> str:
    """[caption …]<img …/> Text[/caption] → <figure><img/><figcaption>…"""

    def replace(match):
        inner = match.group(2)
        image = _IMG.search(inner)
        if not image:
            return inner
        caption = (inner[: image.start()] + inner[image.end() :]).strip()
        img = re.search(r"<img\b[^>]*>", image.group(0), re.I).group(0)
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f"<figure>{img}{figcaption}</figure>"

    return _CAPTION.sub(replace, text)


def post_body(content: str) -> str:
    """The body of a post as HTML, before the editor's sanitizing."""
    if is_block_editor(content):
        return _BLOCK_COMMENT.sub("", captions_to_figures(content)).strip()
    return wpautop(captions_to_figures(content))


_LINK = re.compile(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.I | re.S)
_BREAK = re.compile(r"<br\s*/?>", re.I)
_PARA_END = re.compile(r"</?p\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def comment_text(content: str) -> str:
    """Comment HTML as the plain text our comments hold: links become
    "text (url)", paragraphs blank lines, other tags dropped."""

    def link(match):
        url, label = match.group(1), _TAG.sub("", match.group(2)).strip()
        return label if not url or url == label else f"{label} ({url})"

    text = _LINK.sub(link, content.replace("\r\n", "\n"))
    text = _BREAK.sub("\n", text)
    text = _PARA_END.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def wordpress_slug(value: str | None, max_length: int) -> str:
    """A WordPress slug as WordPress shows it: exports percent-encode
    non-ASCII slugs ("%d8%a7%d8%b1…"); decoded, in its own script."""
    return make_slug(unquote(value or ""), max_length)
