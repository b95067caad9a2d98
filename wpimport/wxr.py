"""Streaming reader of WordPress eXtended RSS (WXR 1.1 and 1.2) files.

defusedxml refuses DTDs, entity expansion and external entities; iterparse
keeps memory flat: each <item> is turned into a dict and then discarded.
"""

import hashlib
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from defusedxml import ElementTree

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS_PREFIX = "http://wordpress.org/export/"


class NotWXR(ValueError):
    """The file is not a WordPress export."""


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _name(tag: str) -> str:
    """A short name: 'wp:post_id', 'content:encoded', 'excerpt:encoded', 'title'."""
    ns, local = _split(tag)
    if ns.startswith(WP_NS_PREFIX):
        return (
            f"excerpt:{local}" if ns.rstrip("/").endswith("excerpt") else f"wp:{local}"
        )
    if ns == CONTENT_NS:
        return f"content:{local}"
    if ns == DC_NS:
        return f"dc:{local}"
    return local


def _text(element) -> str:
    return element.text or ""


@dataclass
class Item:
    fields: dict = field(default_factory=dict)
    categories: list = field(default_factory=list)  # (domain, nicename, name)
    meta: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)

    def get(self, key, default=""):
        return self.fields.get(key, default)

    @property
    def id(self) -> int:
        return int(self.get("wp:post_id") or 0)

    @property
    def post_type(self) -> str:
        return self.get("wp:post_type")


def _item(element) -> Item:
    item = Item()
    for child in element:
        name = _name(child.tag)
        if name == "category":
            item.categories.append(
                (
                    child.get("domain", ""),
                    child.get("nicename", ""),
                    html.unescape(_text(child)),
                )
            )
        elif name == "wp:postmeta":
            values = {_name(c.tag): _text(c) for c in child}
            item.meta[values.get("wp:meta_key", "")] = values.get("wp:meta_value", "")
        elif name == "wp:comment":
            comment = {}
            for c in child:
                cname = _name(c.tag)
                if cname == "wp:commentmeta":
                    continue
                comment[cname] = _text(c)
            item.comments.append(comment)
        else:
            item.fields[name] = _text(child)
    return item


def _flat(element) -> dict:
    return {_name(child.tag): _text(child) for child in element}


def read(path) -> Iterator[tuple[str, object]]:
    """Yield ("site", dict), ("author", dict), ("category", dict), ("tag", dict)
    and ("item", Item) in file order from a path or an open binary file.
    Raises NotWXR for other files."""
    seen_rss = False
    site = {}
    site_sent = False
    source = path if hasattr(path, "read") else str(path)
    try:
        events = ElementTree.iterparse(source, events=("start", "end"))
        for event, element in events:
            name = _name(element.tag)
            if event == "start":
                if not seen_rss:
                    if name != "rss":
                        raise NotWXR("the root element is not <rss>")
                    seen_rss = True
                continue
            if name in {
                "wp:wxr_version",
                "wp:base_site_url",
                "wp:base_blog_url",
                "language",
            }:
                site[name] = _text(element)
            elif name == "wp:author":
                yield "author", _flat(element)
                element.clear()
            elif name == "wp:category":
                yield "category", _flat(element)
                element.clear()
            elif name == "wp:tag":
                yield "tag", _flat(element)
                element.clear()
            elif name == "item":
                if not site_sent:
                    yield "site", _checked(site)
                    site_sent = True
                yield "item", _item(element)
                element.clear()
        if not seen_rss:
            raise NotWXR("the file is empty")
        if not site_sent:
            yield "site", _checked(site)
    except ElementTree.ParseError as error:
        raise NotWXR(f"not well-formed XML: {error}") from error
    except ValueError as error:  # defusedxml's DTD/entity refusals
        if isinstance(error, NotWXR):
            raise
        raise NotWXR(f"refused unsafe XML: {error}") from error


def _checked(site: dict) -> dict:
    if "wp:wxr_version" not in site:
        raise NotWXR("no <wp:wxr_version>: this RSS file is not a WordPress export")
    return site


def checksum(*parts) -> str:
    """A fingerprint of an item's values, to skip unchanged items on re-import."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def parse_gmt(value: str) -> datetime | None:
    """A WXR *_gmt value as an aware UTC datetime (None for WordPress's zero date)."""
    if not value or value.startswith("0000"):
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
