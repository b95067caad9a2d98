"""Counting in the app, for a site without an edge in front (`make run`,
`make serve`; NEWSROOM_AUDIENCE=app): the views of the pages the app itself
answers, page-cache hits included. Behind the edge (=edge) the edge's log is
read instead (manage.py count_views) and pages keep the mark for it."""

import functools

from django.conf import settings

from infra.clientip import client_ip

from .counting import (
    HEADER,
    View,
    countable,
    own_hosts,
    source_of,
    start_flusher,
    tally,
)


class CountViewsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        mode = settings.NEWSROOM_AUDIENCE
        if mode == "edge" or not response.has_header(HEADER):
            return response  # behind the edge, the mark is for its log
        page = response[HEADER]
        del response[HEADER]
        if (
            mode == "app"
            and request.method == "GET"
            and response.status_code == 200
            and countable(
                agent=request.headers.get("User-Agent", ""),
                staff=settings.SESSION_COOKIE_NAME in request.COOKIES,
            )
        ):
            view = View(
                page=page,
                client=client_ip(request) or "",
                source=source_of(request.headers.get("Referer", ""), _own()),
            )
            if tally().add(view):
                start_flusher()
        return response


@functools.cache
def _own() -> frozenset:
    return frozenset(own_hosts())
