"""The content API, version 1 (`/api/v1/`): the published stories and what
frames them, as data for the newsroom's apps and partners. Django Ninja
(chosen over Django REST framework: docs/benchmarks.md; its OpenAPI 3
document and its documentation page come with it, the page's scripts served
from this site).

Every answer is public and the same for everyone: it joins the page cache
and the edge like the pages do (tagged `article:<pk>`, `lists`, `site`), so
an edit shows in the API on the next request after the save. Errors are
JSON problem documents (RFC 9457). Reads go through the QuerySets the pages
use (`published()`, the site's search)."""

import hashlib
import logging
from datetime import datetime
from http import HTTPStatus

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import http_date
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from articles.invalidation import article_tag
from articles.models import Article, AuditEntry, AuthorProfile, Section, Tag
from articles.models.search import SearchTooSlow
from articles.views import clean_query
from caching import fragments
from caching.fragments import fragment_key
from caching.pagecache import cache_page_tags
from comments.models import Comment, CommentDecision
from infra.siteurl import site_url

from . import cursor, desk, present
from .schemas import (
    AuthorOut,
    CommentPage,
    Problem,
    RemovedPage,
    SearchPage,
    SectionOut,
    StoryOut,
    StoryPage,
    TagOut,
)

logger = logging.getLogger("django.request")

PAGE_SIZE = 20
SEARCH_PAGE_SIZE = 20
ERRORS = {
    400: Problem,
    401: Problem,
    404: Problem,
    410: Problem,
    422: Problem,
    429: Problem,
}

api = NinjaAPI(
    title="Newsroom content API",
    version="1",
    description=(
        "The newsroom's published stories, sections, tags, authors, search "
        "and approved comments. The public routes are read-only and "
        "cacheable; lists page "
        "with `next` cursors; removed stories answer 410 and are listed "
        "under `/removed`. The `desk` routes need an API key, issued in the "
        "admin and sent as `Authorization: Bearer <key>`: the newsroom's tools "
        "read and write stories in any state the key's role allows. Errors are "
        "problem documents (RFC 9457); over the rate limit, 429 with "
        "Retry-After."
    ),
    urls_namespace="api-v1",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
# With a key: the desk's tools read and write stories in any state.
api.add_router("/desk/", desk.router)


class Gone(Exception):
    """A story that was published and has been taken down."""


def problem(request, status: int, title: str, detail: str = "", **extra):
    response = api.create_response(
        request,
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            **extra,
        },
        status=status,
    )
    response["Content-Type"] = "application/problem+json"
    _cross_origin(response)
    return response


@api.exception_handler(Exception)
def _failed(request, error):
    """A fault of ours: logged with its traceback (as Django logs a 500),
    answered as a problem document, never a trace."""
    logger.error(
        "Internal error in the API: %s %s",
        request.method,
        request.path,
        exc_info=error,
    )
    return problem(request, 500, "Internal error", "Something went wrong on our side.")


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem(request, 404, "Not found", str(error) or "No such object.")


@api.exception_handler(Gone)
def _gone(request, error):
    return problem(
        request, 410, "Gone", "This story was published and has been taken down."
    )


@api.exception_handler(HttpError)
def _http_error(request, error):
    title = HTTPStatus(error.status_code).phrase
    return problem(request, error.status_code, title, str(error))


@api.exception_handler(AuthenticationError)
def _unauthorized(request, error):
    response = problem(request, 401, "Unauthorized", "The desk needs an API key.")
    response["WWW-Authenticate"] = 'Bearer realm="newsroom"'
    return response


@api.exception_handler(desk.Invalid)
def _refused(request, error):
    return problem(
        request,
        422,
        "Invalid story",
        "Some fields are not valid: see `errors`.",
        errors=[
            {"loc": ["body", field], "msg": " ".join(messages)}
            for field, messages in error.errors.items()
        ],
    )


@api.exception_handler(ValidationError)
def _invalid(request, error):
    return problem(
        request,
        422,
        "Invalid parameters",
        "Some parameters are not valid.",
        errors=[
            {"loc": [str(part) for part in e.get("loc", ())], "msg": e.get("msg")}
            for e in error.errors
        ],
    )


@api.exception_handler(cursor.BadCursor)
def _bad_cursor(request, error):
    return problem(
        request, 400, "Bad cursor", "Use the `next` address a list answered."
    )


def _cross_origin(response) -> None:
    # Public data, no credentials: any site's scripts may read it.
    response["Access-Control-Allow-Origin"] = "*"


def _public(request, response: HttpResponse, *tags: str) -> None:
    """This answer is the same for everyone: the page cache and the edge
    keep it until one of `tags` changes. Called before the reads."""
    cache_page_tags(request, *tags)
    _cross_origin(response)


def _key(name: str, tags, request, *vary) -> str:
    """A versioned key for an answer's JSON (caching/fragments.py): dropped
    with its tags, like the pages' fragments; one per site address (the
    answer's links are absolute)."""
    varies = repr((site_url("/", request), *vary)).encode()
    return fragment_key(f"api-v1-{name}", tags, hashlib.sha256(varies).hexdigest())


def _answer(kept: tuple[str, datetime | None]) -> HttpResponse:
    """An answer kept as (JSON, when its newest story changed): the JSON
    sent as it is, the moment as Last-Modified."""
    body, changed = kept
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    _cross_origin(response)
    if changed is not None:
        response["Last-Modified"] = http_date(changed.timestamp())
    return response


def _stories():
    """Published stories with what a story's data shows, in list order."""
    return (
        Article.objects.published()
        .select_related("section")
        .prefetch_related(Prefetch("bylines", queryset=present.BYLINES))
        .order_by("-published_at", "-pk")
    )


def _next_url(request, items, more: bool) -> str | None:
    if not more or not items:
        return None
    last = items[-1]
    params = request.GET.copy()
    params["cursor"] = cursor.make(last.published_at, last.pk)
    return site_url(request.path, request, query=params.urlencode())


SLUG = Field(None, pattern=r"^[-\w]+$", max_length=80)


class StoryFilters(Schema):
    section: str | None = SLUG
    tag: str | None = SLUG
    author: str | None = SLUG
    language: str | None = Field(None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
    updated_since: datetime | None = None
    cursor: str | None = Field(None, max_length=200)


@api.get("/stories", response={200: StoryPage, **ERRORS}, tags=["stories"])
def stories(request, response: HttpResponse, filters: Query[StoryFilters]):
    """Published stories, newest first, 20 a page; `next` is the following
    page's address (a cursor: as fast 60,000 stories in as at the start).
    Filter by section, tag or author (slugs), language, or `updated_since`
    (ISO 8601) to fetch what changed."""
    tags = ("lists", "site")
    _public(request, response, *tags)

    def load():
        queryset = _stories().defer("body", "body_text")
        if filters.section:
            queryset = queryset.filter(section__slug=filters.section)
        if filters.tag:
            queryset = queryset.filter(tags__slug=filters.tag)
        if filters.author:
            queryset = queryset.filter(authors__slug=filters.author)
        if filters.language:
            queryset = queryset.filter(language=filters.language)
        if filters.updated_since:
            queryset = queryset.filter(updated_at__gte=filters.updated_since)
        if filters.cursor:
            queryset = cursor.after(queryset, filters.cursor)
        items = list(queryset[: PAGE_SIZE + 1])
        more = len(items) > PAGE_SIZE
        items = items[:PAGE_SIZE]
        page = StoryPage.model_validate(
            {
                "results": [present.story_summary(a, request) for a in items],
                "next": _next_url(request, items, more),
            }
        )
        changed = max((a.updated_at for a in items), default=None)
        return page.model_dump_json(), changed

    query = sorted(filters.model_dump(exclude_none=True, mode="json").items())
    return _answer(fragments.get_or_load(_key("stories", tags, request, query), load))


@api.get(
    "/stories/{int:story_id}", response={200: StoryOut, **ERRORS}, tags=["stories"]
)
def story(request, response: HttpResponse, story_id: int):
    """One published story: its body (sanitized HTML), bylines with the
    authors' profiles, tags, picture, source and corrections. 410 once it
    has been taken down or deleted; 404 for one never published."""
    tags = (article_tag(story_id), "site")
    _public(request, response, *tags)

    def load():
        found = (
            _stories()
            .prefetch_related("tags", "corrections")
            .filter(pk=story_id)
            .first()
        )
        if found is None:
            return None  # not kept: unknown ids must not fill the cache
        body = StoryOut.model_validate(present.story(found, request))
        return body.model_dump_json(), found.updated_at

    kept = fragments.get_or_load(_key("story", tags, request, story_id), load)
    if kept is None:
        if _removed(story_id):
            raise Gone
        raise Http404("No published story has this id.")
    return _answer(kept)


@api.get(
    "/stories/{int:story_id}/comments",
    response={200: CommentPage, **ERRORS},
    tags=["stories"],
)
def story_comments(request, response: HttpResponse, story_id: int):
    """The story's approved comments, oldest first (as the page shows
    them): name, text, time and the comment replied to. Never an e-mail or
    an address."""
    _public(request, response, article_tag(story_id))
    article = get_object_or_404(Article.objects.published(), pk=story_id)
    comments = (
        Comment.objects.approved()
        .filter(article=article)
        .order_by("created_at", "pk")
        .values("pk", "parent_id", "name", "body", "created_at", "picked_at")
    )
    rows = list(comments[:1000])
    return {
        "results": [
            {
                "id": row["pk"],
                "parent_id": row["parent_id"],
                "name": row["name"],
                "body": row["body"],
                "created_at": row["created_at"],
                "editors_pick": row["picked_at"] is not None,
            }
            for row in rows
        ],
        "count": len(rows),
    }


def _taken_down():
    """Stories that were public and are not any more (back to draft or in
    review after their publication time)."""
    return Article.objects.exclude(
        pk__in=Article.objects.published().values("pk")
    ).filter(published_at__lte=timezone.now())


def _deleted():
    """Stories readers had seen and an editor deleted: the audit log's
    entries (articles.admin.article), the log kept as their tombstones."""
    return AuditEntry.objects.filter(
        action="delete", object_type="articles.article", detail__was_public=True
    )


def _removed(story_id: int) -> bool:
    return (
        _taken_down().filter(pk=story_id).exists()
        or _deleted().filter(object_id=str(story_id)).exists()
    )


class RemovedFilters(Schema):
    since: datetime


@api.get("/removed", response={200: RemovedPage, **ERRORS}, tags=["stories"])
def removed(request, response: HttpResponse, filters: Query[RemovedFilters]):
    """What readers can no longer see, since `since` (ISO 8601): stories
    taken down and comments no longer approved. A partner deletes its
    copies of them. Not cached: a moderator's decision changes it without
    touching the listings' tag."""
    _cross_origin(response)
    taken_down = (
        _taken_down()
        .filter(updated_at__gte=filters.since)
        .order_by("updated_at", "pk")
        .values_list("pk", "updated_at")[:1000]
    )
    deleted = (
        _deleted()
        .filter(at__gte=filters.since)
        .order_by("at", "pk")
        .values_list("object_id", "at")[:1000]
    )
    stories_gone = sorted(
        [*taken_down, *((int(pk), at) for pk, at in deleted)], key=lambda row: row[1]
    )
    comments_gone = (
        CommentDecision.objects.filter(
            previous_status=Comment.Status.APPROVED, created_at__gte=filters.since
        )
        .exclude(status=Comment.Status.APPROVED)
        .exclude(comment__status=Comment.Status.APPROVED)
        .order_by("created_at", "pk")
        .values_list("comment_id", "comment__article_id", "created_at")[:1000]
    )
    return {
        "stories": [{"id": pk, "removed_at": at} for pk, at in stories_gone],
        "comments": [
            {"id": pk, "story_id": story_id, "removed_at": at}
            for pk, story_id, at in comments_gone
        ],
    }


@api.get("/sections", response={200: list[SectionOut]}, tags=["site"])
def sections(request, response: HttpResponse):
    """Every section, in the site's order."""
    _public(request, response, "site")
    return [present.section(s, request) for s in Section.objects.all()]


@api.get("/tags", response={200: list[TagOut]}, tags=["site"])
def tags(request, response: HttpResponse):
    """Every tag a published story carries, by name."""
    _public(request, response, "site", "lists")
    used = Tag.objects.filter(articles__in=Article.objects.published()).distinct()
    return [present.tag(t, request) for t in used.order_by("name")]


@api.get("/authors", response={200: list[AuthorOut]}, tags=["site"])
def authors(request, response: HttpResponse):
    """The authors readers see (active profiles), by name."""
    _public(request, response, "site")
    profiles = AuthorProfile.objects.active().order_by("display_name", "pk")
    return [present.author(p, request) for p in profiles]


@api.get("/authors/{slug}", response={200: AuthorOut, **ERRORS}, tags=["site"])
def author(
    request,
    response: HttpResponse,
    slug: str = Path(..., pattern=r"^[-\w]+$", max_length=80),
):
    _public(request, response, "site")
    profile = get_object_or_404(AuthorProfile.objects.active(), slug=slug)
    return present.author(profile, request)


class SearchParams(Schema):
    q: str = Field(max_length=1000)
    page: int = Field(1, ge=1, le=1000)


@api.get("/search", response={200: SearchPage, **ERRORS}, tags=["stories"])
def search(request, response: HttpResponse, params: Query[SearchParams]):
    """The site's own search: published stories matching `q` (web-search
    syntax, every language the site reads), best first, 20 a page. Not
    cached (queries are too varied to be worth keeping)."""
    _cross_origin(response)
    query = clean_query(params.q)
    if not query:
        raise HttpError(400, "Give `q`, the words to search for.")
    try:
        ranking = Article.objects.published().search_ranking(query)
    except SearchTooSlow:
        raise HttpError(400, "This search takes too long: use other words.") from None
    start = (params.page - 1) * SEARCH_PAGE_SIZE
    ids = ranking[start : start + SEARCH_PAGE_SIZE]
    rows = _stories().defer("body", "body_text").in_bulk(ids)
    found = [rows[pk] for pk in ids if pk in rows]
    more = start + SEARCH_PAGE_SIZE < len(ranking)
    following = None
    if more:
        params_next = request.GET.copy()
        params_next["page"] = str(params.page + 1)
        following = site_url(request.path, request, query=params_next.urlencode())
    return {
        "results": [present.story_summary(a, request) for a in found],
        "count": len(ranking),
        "next": following,
    }
