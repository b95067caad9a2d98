"""{% edge_part "url-name" "tag,tag" %}: a part of the page that changes on
its own (the breaking-news banner, "most read"), as an edge include
(caching/includes.py): filled in by the edge, or by the page cache."""

from django import template
from django.urls import reverse

from caching import includes

register = template.Library()


@register.simple_tag(takes_context=True)
def edge_part(context, url_name: str, tags: str):
    request = context.get("request")
    if request is None:
        return ""
    return includes.include(request, reverse(url_name), tags.split(","))
