"""Parts of a page that change on their own (the breaking-news banner), as
edge includes: a page carries `<esi:include src="/breaking/"/>` instead of
the part, so a change to the part purges only the part's own small resource
and every page stays cached.

Who fills the include in:
- the edge (Varnish, deploy/varnish/newsroom.vcl): it says so in the
  request (`Surrogate-Capability: newsroom="ESI/1.0"`), receives the page
  with the include and `Surrogate-Control: content="ESI/1.0"`, and fetches
  the part from its own cache;
- otherwise the page cache middleware, for every response it returns (hit,
  miss or not cacheable), with the part's renderer (settings.
  CACHING_INCLUDES, which keeps it in the fragment cache): the reader gets
  the whole page and needs no JavaScript.
The page cache stores the page with its includes, so both ways share it.
The ETag of an assembled page also names the versions of the parts' tags:
a browser's copy is not "not modified" once a part changed.
"""

import functools
import hashlib
import re

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

from .tagversions import versions

CAPABILITY = 'newsroom="ESI/1.0"'
_INCLUDE = re.compile(rb'<esi:include src="([^"]+)"/>')


def include(request, src: str, tags) -> str:
    """The markup standing for the part at `src` (which shows `tags`)."""
    request.edge_include_tags = {*getattr(request, "edge_include_tags", ()), *tags}
    return mark_safe(f'<esi:include src="{src}"/>')  # noqa: S308 (our own path)


def edge_assembles(request) -> bool:
    return "ESI/1.0" in request.headers.get("Surrogate-Capability", "")


@functools.cache
def _renderer(src: str):
    return import_string(settings.CACHING_INCLUDES[src])


def mark(request, response) -> None:
    """A page with includes says so to the edge (which fills them in)."""
    if getattr(request, "edge_include_tags", None):
        response["Surrogate-Control"] = 'content="ESI/1.0"'
        response["X-Include-Tags"] = " ".join(sorted(request.edge_include_tags))


def assemble(request, response):
    """Fill the includes in, unless an edge that does it asked for the page."""
    if edge_assembles(request) or "Surrogate-Control" not in response:
        return response
    tags = response.get("X-Include-Tags", "").split()
    del response["Surrogate-Control"]
    del response["X-Include-Tags"]
    if response.streaming or b"<esi:include" not in response.content:
        return response
    response.content = _INCLUDE.sub(
        lambda m: str(_renderer(m[1].decode())(request)).encode(), response.content
    )
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    if response.has_header("ETag") and tags:
        found = versions(tags)
        parts = hashlib.md5(
            repr(sorted(found.items())).encode(), usedforsecurity=False
        ).hexdigest()[:12]
        response["ETag"] = response["ETag"].rstrip('"') + f'.{parts}"'
    return response
