"""Agency copy: the items of a wire feed (RSS 2.0, Atom 1.0 or IPTC
NewsML-G2) as plain dicts the desk API takes (`ingest_wire` posts them).

defusedxml refuses DTDs, entity expansion and external entities, so a
hostile feed cannot read files or blow up memory. Every item keeps the
agency's own id (RSS guid or link, Atom id, NewsML-G2 guid): the same item
read again is the same story."""

import html
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException, ElementTree

from articles.html import html_to_text

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

TITLE_LENGTH = 200
STANDFIRST_LENGTH = 500


class NotAFeed(ValueError):
    """Not RSS, Atom or NewsML-G2 (or not XML at all)."""


@dataclass
class WireItem:
    id: str
    title: str
    body_html: str = ""
    standfirst: str = ""
    link: str = ""
    language: str = ""
    byline: str = ""
    problems: list[str] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element) -> str:
    """The element's text, whitespace folded (None: "")."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _title(element, markup: bool) -> str:
    """A headline: plain text, or (`markup`: Atom type="html", and RSS
    titles that carry escaped HTML) the words of its HTML."""
    value = _text(element)
    if markup and ("<" in value or "&" in value):
        value = " ".join(html_to_text(value).split())
    return _cut(value, TITLE_LENGTH)


def _cut(value: str, length: int) -> str:
    if len(value) <= length:
        return value
    return value[: length - 1].rsplit(" ", 1)[0] + "…"


def _xhtml(element) -> str:
    """Inline XHTML (Atom xhtml content, NewsML-G2 inlineXML) as HTML: the
    children of `element`, with local tag names (the sanitizer decides
    later what stays)."""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        parts.append(_element_html(child))
    return "".join(parts)


def _element_html(element) -> str:
    name = _local(element.tag)
    attributes = "".join(
        f' {_local(key)}="{html.escape(value)}"'
        for key, value in element.attrib.items()
    )
    inner = _xhtml(element)
    tail = html.escape(element.tail or "", quote=False)
    return f"<{name}{attributes}>{inner}</{name}>{tail}"


def _paragraphs(text: str) -> str:
    """Plain text (a summary without markup) as paragraphs."""
    blocks = [" ".join(b.split()) for b in text.replace("\r", "").split("\n\n")]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks if b)


def _html_or_text(value: str) -> str:
    value = (value or "").strip()
    if "<" in value and ">" in value:
        return value
    return _paragraphs(value)


def _summary(value: str) -> str:
    """A standfirst from HTML or text: its words, cut to the field."""
    return _cut(" ".join(html_to_text(value or "").split()), STANDFIRST_LENGTH)


def parse(data: bytes) -> list[WireItem]:
    """The items of a feed, in the feed's order, each once (by id)."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise NotAFeed(f"not XML: {error}") from None
    except DefusedXmlException:
        raise NotAFeed("a DTD or entities, refused (they can read files)") from None
    name = _local(root.tag)
    if name == "rss":
        items = _rss(root)
    elif root.tag == f"{{{ATOM}}}feed":
        items = _atom(root)
    elif root.tag in (f"{{{NAR}}}newsItem", f"{{{NAR}}}newsMessage"):
        items = _newsml(root)
    else:
        raise NotAFeed(f"an XML document of another kind (<{name}>)")
    seen, unique = set(), []
    for item in items:
        if item.id in seen:
            continue
        seen.add(item.id)
        unique.append(item)
    return unique


def _rss(root) -> list[WireItem]:
    channel = root.find("channel")
    if channel is None:
        raise NotAFeed("RSS without a channel")
    language = channel.findtext("language") or ""
    items = []
    for entry in channel.findall("item"):
        link = (entry.findtext("link") or "").strip()
        guid = (entry.findtext("guid") or "").strip() or link
        title = _title(entry.find("title"), markup=True)
        description = entry.findtext("description") or ""
        body = entry.findtext(f"{{{CONTENT}}}encoded") or description
        item = WireItem(
            id=guid,
            title=title,
            body_html=_html_or_text(body),
            standfirst=_summary(description) if body is not description else "",
            link=link,
            language=entry.findtext(f"{{{DC}}}language") or language,
            byline=_text(entry.find(f"{{{DC}}}creator")) or _text(entry.find("author")),
        )
        items.append(_checked(item))
    return items


def _atom(root) -> list[WireItem]:
    language = root.get(XML_LANG, "")
    items = []
    for entry in root.findall(f"{{{ATOM}}}entry"):
        link = ""
        for candidate in entry.findall(f"{{{ATOM}}}link"):
            if candidate.get("rel", "alternate") == "alternate":
                link = candidate.get("href", "")
                break
        title = entry.find(f"{{{ATOM}}}title")
        content = entry.find(f"{{{ATOM}}}content")
        summary = entry.find(f"{{{ATOM}}}summary")
        item = WireItem(
            id=(entry.findtext(f"{{{ATOM}}}id") or "").strip() or link,
            title=_title(
                title, markup=title is not None and title.get("type") == "html"
            ),
            body_html=_atom_text(content if content is not None else summary),
            standfirst=_summary(_atom_text(summary)) if content is not None else "",
            link=link,
            language=entry.get(XML_LANG, language),
            byline=_text(entry.find(f"{{{ATOM}}}author/{{{ATOM}}}name")),
        )
        items.append(_checked(item))
    return items


def _atom_text(element) -> str:
    if element is None:
        return ""
    kind = element.get("type", "text")
    if kind == "xhtml":
        div = element.find(f"{{{XHTML}}}div")
        return _xhtml(div if div is not None else element)
    if kind == "html":
        return element.text or ""
    return _paragraphs(element.text or "")


def _newsml(root) -> list[WireItem]:
    if _local(root.tag) == "newsItem":
        news_items = [root]
    else:
        news_items = root.findall(f".//{{{NAR}}}newsItem")
    items = []
    for news in news_items:
        meta = news.find(f"{{{NAR}}}contentMeta")
        headline = meta.find(f"{{{NAR}}}headline") if meta is not None else None
        description = None
        if meta is not None:
            for candidate in meta.findall(f"{{{NAR}}}description"):
                description = candidate
                if "summary" in candidate.get("role", ""):
                    break
        language = news.get(XML_LANG, "")
        tag = meta.find(f"{{{NAR}}}language") if meta is not None else None
        if tag is not None and tag.get("tag"):
            language = tag.get("tag")
        body = ""
        inline = news.find(f"{{{NAR}}}contentSet/{{{NAR}}}inlineXML")
        if inline is not None:
            found = inline.find(f".//{{{XHTML}}}body")
            body = _xhtml(found if found is not None else inline)
        else:
            plain = news.find(f"{{{NAR}}}contentSet/{{{NAR}}}inlineData")
            body = _paragraphs(plain.text or "") if plain is not None else ""
        link = ""
        for remote in news.iter(f"{{{NAR}}}link"):
            if remote.get("rel", "").endswith("canonical") or remote.get("href"):
                link = remote.get("href", "")
                break
        item = WireItem(
            id=news.get("guid", "").strip(),
            title=_cut(_text(headline), TITLE_LENGTH),
            body_html=body,
            standfirst=_summary(_text(description)),
            link=link if link.startswith(("http://", "https://")) else "",
            language=language,
            byline=_text(meta.find(f"{{{NAR}}}by")) if meta is not None else "",
        )
        items.append(_checked(item))
    return items


def _checked(item: WireItem) -> WireItem:
    if not item.id:
        item.problems.append("no id (guid, link or Atom id): it cannot be told apart")
    if not item.title:
        item.problems.append("no headline")
    if item.link and not item.link.startswith(("http://", "https://")):
        item.link = ""
    return item


def story_of(item: WireItem, *, agency: str, section: str = "") -> dict:
    """The desk API's body for `item` (POST /api/v1/desk/stories)."""
    body = {
        "title": item.title,
        "standfirst": item.standfirst,
        "body_html": item.body_html,
        "external_id": f"{agency.lower()}:{item.id}"[:300],
        "source": {"name": agency, "url": item.link or None},
    }
    if item.language:
        body["language"] = item.language
    if section:
        body["section"] = section
    return body
