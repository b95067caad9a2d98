"""The content API's desk (`/api/v1/desk/`): the newsroom's own tools read
and write stories in any state with an API key (api/middleware.py).

A key acts as its account, under the newsroom's rules: a journalist's key
opens the published stories and its own, edits its own drafts and stories
in review, and never publishes; an editor's key opens, edits and publishes
every story. A partner's key reads only what readers see (the public
routes). Every write goes through the admin's services (articles/services.py):
the same validation, sanitizer, workflow, versions, audit entries naming the
key, and the one invalidation point. Answers are private (never cached)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import HttpBearer

from articles import services
from articles.models import Article, AuthorProfile, Section, language_code
from infra.siteurl import site_url

from . import cursor
from .schemas import DeskPage, DeskStory, Problem

PAGE_SIZE = 20
ERRORS = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    412: Problem,
    422: Problem,
}


class KeyAuth(HttpBearer):
    """The key api/middleware.py found and checked (this declares it in
    the OpenAPI document, and lets the documentation page send one)."""

    def authenticate(self, request, token):
        return request.api_key


router = Router(tags=["desk"], auth=KeyAuth())


class Invalid(Exception):
    """A write the model's validation refused: the fields and their errors."""

    def __init__(self, errors: dict):
        super().__init__("invalid")
        self.errors = errors


def _key(request):
    key = request.api_key
    if key is None:
        raise HttpError(401, "The desk needs an API key.")
    if not key.writes:
        raise HttpError(403, "This key reads only what readers see.")
    return key


def _openable(key):
    return Article.objects.openable_by(key.user)


def _etag(article: Article) -> str:
    return f'"{article.pk}-{article.updated_at.timestamp():.6f}"'


def _out(article: Article, request, response: HttpResponse) -> dict:
    response["ETag"] = _etag(article)
    return {
        "id": article.pk,
        "status": article.status,
        "public": article.is_published,
        "url": site_url(article.get_absolute_url(), request),
        "admin_url": site_url(
            reverse("admin:articles_article_change", args=[article.pk]), request
        ),
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body_html": article.body,
        "section": article.section.slug if article.section_id else None,
        "tags": [t.name for t in article.tags.all()],
        "authors": [line.author.slug for line in article.bylines.all()],
        "language": article.language,
        "source": (
            {"name": article.source_name, "url": article.source_url or None}
            if article.source_name
            else None
        ),
        "external_id": article.external_id or None,
        "published_at": article.published_at,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def _load(key, story_id: int) -> Article:
    return get_object_or_404(
        _openable(key)
        .select_related("section")
        .prefetch_related("tags", "bylines__author"),
        pk=story_id,
    )


class Source(Schema):
    name: str = Field(max_length=120)
    url: str | None = Field(None, max_length=500)


class StoryFields(Schema):
    title: str | None = Field(None, max_length=200)
    slug: str | None = Field(None, max_length=200)
    standfirst: str | None = Field(None, max_length=500)
    body_html: str | None = None
    section: str | None = Field(None, max_length=80, description="A section's slug.")
    tags: list[str] | None = Field(None, max_length=50, description="Tag names.")
    authors: list[str] | None = Field(
        None, max_length=20, description="Author profiles' slugs, in byline order."
    )
    language: str | None = Field(None, max_length=15)
    source: Source | None = None
    comments_open: bool | None = None
    status: str | None = Field(
        None,
        description="draft, in_review; with an editor's key also published "
        "(with `published_at` in the future: scheduled).",
    )
    published_at: datetime | None = None


class NewStory(StoryFields):
    title: str = Field(max_length=200)
    external_id: str | None = Field(
        None,
        max_length=300,
        description="The agency's id of this item: a second story with the same "
        "id is not made (the first one is answered, with 200).",
    )


def _write(key, article: Article, data: StoryFields, request) -> Article:
    given = data.model_dump(exclude_unset=True)
    fields = {}
    for name in ("title", "slug", "standfirst", "comments_open"):
        if name in given and given[name] is not None:
            fields[name] = given[name]
    if given.get("language"):
        code = language_code(given["language"])
        if code is None:
            raise Invalid(
                {"language": [f"Not a language this site knows: {given['language']}."]}
            )
        fields["language"] = code
    if "body_html" in given:
        fields["body"] = given["body_html"] or ""
    if "source" in given:
        source = given["source"] or {}
        fields["source_name"] = source.get("name", "")
        fields["source_url"] = source.get("url") or ""
    section = None
    if given.get("section"):
        section = Section.objects.filter(slug=given["section"]).first()
        if section is None:
            raise Invalid({"section": ["No section has this slug."]})
    authors = None
    if given.get("authors") is not None:
        found = {p.slug: p for p in AuthorProfile.objects.filter(slug__in=data.authors)}
        missing = [slug for slug in data.authors if slug not in found]
        if missing:
            raise Invalid({"authors": [f"No author profile “{s}”." for s in missing]})
        authors = [found[slug] for slug in dict.fromkeys(data.authors)]
    status = given.get("status")
    if status is not None and status not in Article.Status.values:
        raise Invalid({"status": [f"One of {', '.join(Article.Status.values)}."]})
    try:
        return services.article_write(
            article=article,
            user=key.user,
            fields=fields,
            section=section,
            tags=data.tags if "tags" in given else None,
            authors=authors,
            status=status,
            at=given.get("published_at"),
            via=f"API key “{key.name}” ({key.prefix})",
        )
    except ValidationError as error:
        raise Invalid(
            error.message_dict
            if hasattr(error, "error_dict")
            else {"story": error.messages}
        ) from None
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "This key may not do that.") from None


@router.get("/stories", response={200: DeskPage, **ERRORS})
def desk_stories(
    request,
    response: HttpResponse,
    status: str | None = Query(None, pattern=r"^(draft|in_review|published)$"),
    cursor_: str | None = Query(None, alias="cursor", max_length=200),
):
    """The stories this key may open, last changed first (20 a page):
    `status` narrows them (a journalist's key: its own and the published)."""
    key = _key(request)
    queryset = (
        _openable(key)
        .select_related("section")
        .prefetch_related("tags", "bylines__author")
        .order_by("-updated_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    if cursor_:
        queryset = cursor.after(queryset, cursor_, field="updated_at")
    items = list(queryset[: PAGE_SIZE + 1])
    more, items = len(items) > PAGE_SIZE, items[:PAGE_SIZE]
    following = None
    if more:
        params = request.GET.copy()
        params["cursor"] = cursor.make(items[-1].updated_at, items[-1].pk)
        following = site_url(request.path, request, query=params.urlencode())
    return {
        "results": [_out(a, request, HttpResponse()) for a in items],
        "next": following,
    }


@router.get("/stories/{int:story_id}", response={200: DeskStory, **ERRORS})
def desk_story(request, response: HttpResponse, story_id: int):
    """One story in any state this key may open, with its ETag (send it as
    If-Match with a change, so that a colleague's edit is not overwritten)."""
    key = _key(request)
    return _out(_load(key, story_id), request, response)


@router.post("/stories", response={200: DeskStory, 201: DeskStory, **ERRORS})
def desk_create(request, response: HttpResponse, data: NewStory):
    """A new story, a draft unless `status` says otherwise (what the key's
    role may do). With `external_id`, idempotent: the story made before
    with it is answered instead (200), unchanged."""
    key = _key(request)
    external_id = (data.external_id or "").strip()
    if external_id:
        existing = Article.objects.filter(external_id=external_id).first()
        if existing is not None:
            return Status(200, _out(_load(key, existing.pk), request, response))
    article = Article(external_id=external_id)
    try:
        with transaction.atomic():
            article = _write(key, article, data, request)
    except IntegrityError:
        # The same item sent twice at once: the other request made it.
        existing = Article.objects.filter(external_id=external_id).first()
        if not external_id or existing is None:
            raise
        return Status(200, _out(_load(key, existing.pk), request, response))
    response["Location"] = site_url(
        reverse("api-v1:desk_story", args=[article.pk]), request
    )
    return Status(201, _out(_load(key, article.pk), request, response))


def _changeable(request, story_id: int):
    key = _key(request)
    article = _load(key, story_id)
    expected = request.headers.get("If-Match")
    if expected and expected.strip() not in ("*", _etag(article)):
        raise HttpError(
            412, "The story changed since you read it: read it again, then send."
        )
    return key, article


@router.patch("/stories/{int:story_id}", response={200: DeskStory, **ERRORS})
def desk_update(request, response: HttpResponse, story_id: int, data: StoryFields):
    """Change the fields sent; the others stay. A journalist's key changes
    only its own drafts and stories in review."""
    key, article = _changeable(request, story_id)
    _write(key, article, data, request)
    return _out(_load(key, story_id), request, response)


class PublishIn(Schema):
    at: datetime | None = Field(
        None, description="A future time schedules the story; none: now."
    )


@router.post("/stories/{int:story_id}/publish", response={200: DeskStory, **ERRORS})
def desk_publish(request, response: HttpResponse, story_id: int, data: PublishIn):
    """Publish now, or schedule for `at` (an editor's key)."""
    key, article = _changeable(request, story_id)
    _write(
        key,
        article,
        StoryFields(status=Article.Status.PUBLISHED, published_at=data.at),
        request,
    )
    return _out(_load(key, story_id), request, response)


@router.post("/stories/{int:story_id}/unpublish", response={200: DeskStory, **ERRORS})
def desk_unpublish(request, response: HttpResponse, story_id: int):
    """Take the story off the site, back to draft (an editor's key); its
    address is kept, and the public API answers 410 for it."""
    key, article = _changeable(request, story_id)
    _write(key, article, StoryFields(status=Article.Status.DRAFT), request)
    return _out(_load(key, story_id), request, response)


class CorrectionIn(Schema):
    note: str = Field(min_length=1, max_length=1000)


@router.post("/stories/{int:story_id}/corrections", response={201: DeskStory, **ERRORS})
def desk_correct(request, response: HttpResponse, story_id: int, data: CorrectionIn):
    """Mark the story's current version as a correction, with the note
    readers see under it (an editor's key; a published story)."""
    key, article = _changeable(request, story_id)
    if not article.is_published:
        raise HttpError(409, "Only a published story carries corrections.")
    revision = article.revisions.order_by("-created_at", "-pk").first()
    if revision is None:
        services.article_record_revision(article=article, user=key.user)
        revision = article.revisions.order_by("-created_at", "-pk").first()
    try:
        services.article_correct(revision=revision, note=data.note, user=key.user)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    except ValueError as error:
        raise Invalid({"note": [str(error)]}) from None
    return Status(201, _out(_load(key, story_id), request, response))
