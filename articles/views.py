import hashlib
import json
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from django.views.static import serve

from caching import fragments, pagecache
from caching.pagecache import cache_page_tags
from infra import sqlcache
from infra.siteurl import site_request, site_url

from .front import front_at
from .html import html_to_text
from .images import PUBLIC_FOLDERS
from .invalidation import (
    BREAKING_TAG,
    COMMENT_COUNTS_TAG,
    CORRECTIONS_TAG,
    FRONT_TAG,
    article_tag,
)
from .live import live_page
from .models import (
    CARD_FIELDS,
    SEARCH_CANDIDATES,
    Article,
    AuthorProfile,
    BreakingNews,
    Correction,
    SearchTooSlow,
    Section,
    Tag,
)
from .pagination import window_page
from .sitemaps import news_sitemap_articles

PAGE_SIZE = 12
SECTION_BLOCK_SIZE = 4
RELATED_COUNT = 4
SEARCH_MAX_QUERY = 200
# The page a response shows, for counting its views ("article:<id>",
# "section:<id>"): read by audience/ (the app's middleware or the edge's log),
# never sent to the reader.
AUDIENCE_HEADER = "X-Audience"


class PublishedArticlesMixin:
    """Every reader listing starts from `Article.objects.published()`."""

    paginate_by = PAGE_SIZE
    # The cards' comment counts have a tag of their own (refreshed every few
    # minutes), so that comments leave the listings cached.
    page_tags = ("lists", COMMENT_COUNTS_TAG)
    # The moment the page shows (None: now; the front page's preview sets it).
    at = None

    def get(self, request, *args, **kwargs):
        cache_page_tags(request, *self.page_tags)
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        """Page without COUNT(*) (see articles/pagination.py)."""
        page = window_page(queryset, self.request.GET.get("page"), page_size)
        return None, page, page.object_list, page.has_other_pages()

    def published(self):
        return Article.objects.published(self.at).for_listing().latest_first()


class HomeView(PublishedArticlesMixin, ListView):
    """Front page: the lead story and top stories editors chose (articles/
    front.py; without a chosen lead, the newest story leads), the latest
    stories (paginated), and a block per section with its pinned stories
    first."""

    template_name = "articles/home.html"
    context_object_name = "articles"
    page_tags = (*PublishedArticlesMixin.page_tags, FRONT_TAG)

    def request_sections(self):
        """The sections the navigation already loaded (no second query)."""
        from .context_processors import navigation

        return navigation(self.request)["nav_sections"]

    def get_queryset(self):
        return self.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        items = list(page.object_list)
        if page.number == 1:
            front = front_at(self.at)
            lead = front.lead or (items[0] if items else None)
            placed = front.placed_ids | ({lead.pk} if lead else set())
            context["lead"] = lead
            context["top_stories"] = front.top
            context["latest"] = [a for a in items if a.pk not in placed]
            context["section_blocks"] = section_blocks(
                self.request_sections(), pins=front.pins, at=self.at
            )
        else:
            context["latest"] = items
        return context


def section_blocks(sections, *, pins=None, at=None) -> list[tuple[Section, list]]:
    """(section, its stories) for every section that has any: the stories
    pinned to its top (`pins`: {section id: [article]}), then its newest,
    SECTION_BLOCK_SIZE in all; the newest in one query."""
    sections, pins = list(sections), pins or {}
    rows = Article.objects.published(at).latest_per_section(
        sections, SECTION_BLOCK_SIZE
    )
    by_section: dict[int, list[Article]] = {}
    for article in rows:
        by_section.setdefault(article.section_id, []).append(article)
    blocks = []
    for section in sections:
        pinned = pins.get(section.pk, [])[:SECTION_BLOCK_SIZE]
        newest = sorted(
            (a for a in by_section.get(section.pk, []) if a not in pinned),
            key=lambda a: (a.published_at, a.pk),
            reverse=True,
        )
        items = [*pinned, *newest][:SECTION_BLOCK_SIZE]
        for item in items:
            item.section = section
        if items:
            blocks.append((section, items))
    return blocks


def _authors(*, article):
    return AuthorProfile.objects.filter(bylines__article=article).order_by(
        "bylines__position", "bylines__pk"
    )


def _tags(*, article):
    return Tag.objects.filter(articles=article)


class ArticleParts:
    """What the article page shows besides the article row: bylines, tags,
    neighbours, JSON-LD. Each part is queried only when a template fragment
    that shows it has to be rendered, so a page whose fragments are cached
    runs one query (the article)."""

    def __init__(self, article: Article, request, *, cacheable: bool):
        self.article = article
        self.request = request
        # The tags the page's fragments depend on: the article and the site;
        # the neighbour links also on every listing (a newly published story
        # changes "next" and "related"). Empty: not cached (previews).
        tag = article_tag(article.pk)
        self.fragment_tags = f"{tag},site" if cacheable else ""
        self.neighbour_tags = f"{tag},lists,site" if cacheable else ""

    @cached_property
    def authors(self) -> list:
        return sqlcache.fetch(
            _authors,
            model=AuthorProfile,
            columns=sqlcache.columns_of(AuthorProfile),
            article=self.article.pk,
        )

    @cached_property
    def tags(self) -> list:
        return sqlcache.fetch(
            _tags, model=Tag, columns=sqlcache.columns_of(Tag), article=self.article.pk
        )

    @cached_property
    def neighbours(self) -> dict:
        return neighbours(self.article, tag_ids=[t.pk for t in self.tags])

    @property
    def previous(self):
        return self.neighbours["previous"]

    @property
    def next(self):
        return self.neighbours["next"]

    @property
    def related(self):
        return self.neighbours["related"]

    @cached_property
    def corrections(self) -> list:
        # The article row says whether there are any (published_article):
        # most stories have none, and then this costs no query.
        if not getattr(self.article, "has_corrections", True):
            return []
        return list(self.article.corrections.all())

    @cached_property
    def updated(self):
        """When the byline says "Updated": the story's last noticeable change
        (articles.models.Article.was_updated), and always after a correction,
        however soon after publication (at the latest of the two)."""
        times = [self.corrections[0].created_at] if self.corrections else []
        if self.article.was_updated or times:
            times.append(self.article.updated_at)
        return max(times) if times else None

    @cached_property
    def live_before(self) -> int | None:
        """The live blog's page: entries older than this one (None: the
        latest, which open pages refresh)."""
        raw = self.request.GET.get("before", "")
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    @cached_property
    def live(self):
        return live_page(self.article, self.live_before)

    @cached_property
    def jsonld(self) -> str:
        latest = live_page(self.article) if self.article.is_live_blog else None
        return news_article_jsonld(self.article, self.authors, self.request, latest)


def _article_row(*, now, **where):
    """The published article at `where` (its pk, or its day and slug), with
    whether it has corrections (the page's first query)."""
    return (
        Article.objects.published(at=now)
        .annotate(
            has_corrections=Exists(Correction.objects.filter(article=OuterRef("pk")))
        )
        .filter(**where)
    )


def _first_article(**where) -> Article | None:
    """The row of _article_row with its section."""
    rows = sqlcache.fetch(
        _article_row,
        model=Article,
        columns=[
            *sqlcache.columns_of(Article),
            *sqlcache.columns_of(Section, "section__"),
            "has_corrections",
        ],
        related={"section": Section},
        now=timezone.now(),
        **where,
    )
    return rows[0] if rows else None


def published_article(pk: int) -> Article | None:
    """The published article `pk` with its section, or None. Kept in the
    cache under the article's version: publishing, editing, unpublishing and
    deleting all bump it, so a warm read runs no query."""
    key = fragments.fragment_key("article-row", [article_tag(pk)], pk)
    return fragments.get_or_load(key, lambda: _first_article(pk=pk))


class ArticleDetailView(DetailView):
    """The article page: every element of the model news page."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"
    cacheable_fragments = True

    def get_object(self, queryset=None):
        kwargs = self.kwargs
        try:
            year, month, day = (
                int(kwargs["year"]),
                int(kwargs["month"]),
                int(kwargs["day"]),
            )
            day_published = date(year, month, day)
        except (ValueError, OverflowError):  # no such day in any calendar
            raise Http404("No such article") from None
        slug = kwargs["slug"]
        # The row is kept under the article's version, found through an
        # address → id hint that is checked against the row. (Previews have
        # their own get_object and never come here.)
        address = f"{day_published}/{slug}".encode()
        address_key = "article-address:" + hashlib.sha256(address).hexdigest()
        pk = fragments.recall(address_key)
        article = self._row(pk) if pk is not None else None
        if article is None or (article.pub_date, article.slug) != (
            day_published,
            slug,
        ):
            # One query: the row at the address. When something will be kept
            # under the article's version (a fragment, the page), it is read
            # again by _row, after that version: never older than it.
            article = _first_article(pub_date=day_published, slug=slug)
            if article is None:
                raise Http404("No such article")
            fragments.remember(address_key, article.pk)
            if fragments.enabled() or pagecache.eligible(self.request):
                article = self._row(article.pk)
                if article is None:
                    raise Http404("No such article")
        return article

    def _row(self, pk):
        """The published article `pk` (or None), from the cache while its
        version has not moved (publishing, editing, unpublishing and deleting
        all bump it). The page is tagged, so the versions read, first."""
        # Not "lists":
        # editing one story must not drop every article page, so the
        # previous/next and related links may lag NEWSROOM_PAGE_CACHE_SECONDS.
        cache_page_tags(self.request, article_tag(pk))
        return published_article(pk)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.cacheable_fragments:  # a reader's page, not a preview
            response[AUDIENCE_HEADER] = f"article:{self.object.pk}"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["page"] = ArticleParts(
            article, self.request, cacheable=self.cacheable_fragments
        )
        context["canonical_url"] = site_url(article.get_absolute_url(), self.request)
        return context


@method_decorator(never_cache, name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """Drafts and scheduled articles as readers will see them.

    Only for users allowed to change the article; everyone else gets 404 (not
    403, so the existence of an embargoed story is not revealed). Never cached.
    """

    template_name = "articles/article_detail.html"
    cacheable_fragments = False  # drafts change without a version bump

    def get_queryset(self):
        user = self.request.user
        if not (user.is_authenticated and user.is_staff):
            return Article.objects.none()
        return Article.objects.editable_by(user).select_related("section")

    def get(self, request, *args, **kwargs):
        return DetailView.get(self, request, *args, **kwargs)  # never cached

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = True
        return context


def _neighbours(*, now, at, pk, section_id, tag_ids):
    return Article.objects.published(at=now).neighbours_of(
        at=at, pk=pk, section_id=section_id, tag_ids=tag_ids, related=RELATED_COUNT
    )


def neighbours(article: Article, *, tag_ids: list[int]) -> dict:
    """Previous/next articles (publication order) and related ones, one query."""
    if article.published_at is None:
        return {"previous": None, "next": None, "related": []}
    result = {"previous": None, "next": None, "related": []}
    rows = sqlcache.fetch(
        _neighbours,
        model=Article,
        columns=[*CARD_FIELDS, "section_name", "section_slug", "kind"],
        now=timezone.now(),
        at=article.published_at,
        pk=article.pk,
        section_id=article.section_id,
        tag_ids=tag_ids,
    )
    for item in rows:
        if item.kind == "related":
            result["related"].append(item)
        else:
            result[item.kind] = item
    result["related"].sort(key=lambda a: a.published_at, reverse=True)
    return result


def _json_ld(data: dict) -> str:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    # Inside <script>, "<", ">" and "&" must not close the element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)


def publisher_logo_url() -> str:
    """NEWSROOM_PUBLISHER_LOGO: a static file's address, or the URL given."""
    logo = settings.NEWSROOM_PUBLISHER_LOGO
    return logo if urlsplit(logo).netloc else static(logo)


def news_article_jsonld(article, authors, request, live=None) -> str:
    """schema.org NewsArticle for search engines; LiveBlogPosting, with its
    coverage times and latest updates, for a live blog (`live`)."""

    def absolute(path):
        return site_url(path, request)

    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "mainEntityOfPage": absolute(article.get_absolute_url()),
        "datePublished": article.published_at,
        "dateModified": article.updated_at,
        "author": [
            {
                "@type": "Person",
                "name": author.display_name,
                "url": absolute(author.get_absolute_url()),
            }
            for author in authors
        ],
        "inLanguage": article.language,
        "publisher": {
            "@type": "Organization",
            "name": settings.NEWSROOM_SITE_NAME,
            "url": absolute("/"),
            "logo": {
                "@type": "ImageObject",
                "url": absolute(publisher_logo_url()),
            },
        },
    }
    if article.section_id:  # a draft's preview may have none yet
        data["articleSection"] = article.section.name
    if article.share_image_url:
        data["image"] = [absolute(article.share_image_url)]
    if article.source_url:
        data["isBasedOn"] = article.source_url
    if live is not None:
        data["@type"] = "LiveBlogPosting"
        data["coverageStartTime"] = article.live_started_at
        if article.live_ended_at:
            data["coverageEndTime"] = article.live_ended_at
        page = absolute(article.get_absolute_url())
        data["liveBlogUpdate"] = [
            {
                "@type": "BlogPosting",
                "headline": Truncator(text).chars(110),
                "articleBody": text,
                "datePublished": entry.created_at,
                "url": f"{page}?before={entry.pk + 1}#entry-{entry.pk}",
                **({"dateModified": entry.edited_at} if entry.edited_at else {}),
            }
            for entry in live.entries
            if (text := html_to_text(entry.body).replace("\n", " "))
        ]
    return _json_ld(data)


class SectionView(PublishedArticlesMixin, ListView):
    """A section's page: its published articles, newest first."""

    template_name = "articles/section_detail.html"
    context_object_name = "articles"

    page_tags = (*PublishedArticlesMixin.page_tags, FRONT_TAG)

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return self.published().in_section(self.section)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response[AUDIENCE_HEADER] = f"section:{self.section.pk}"
        return response

    def get_context_data(self, **kwargs):
        """The stories pinned to the section's top lead its first page."""
        context = super().get_context_data(section=self.section, **kwargs)
        if context["page_obj"].number == 1:
            pinned = front_at(self.at).pins.get(self.section.pk, [])
            rest = [a for a in context["articles"] if a not in pinned]
            context["articles"] = [*pinned, *rest]
            context["pinned_ids"] = {a.pk for a in pinned}
        return context


class TagView(PublishedArticlesMixin, ListView):
    """A tag's page: published articles carrying the tag."""

    template_name = "articles/tag_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return self.published().tagged(self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorView(PublishedArticlesMixin, ListView):
    """An author's page: profile and their published articles."""

    template_name = "articles/author_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.author = get_object_or_404(
            AuthorProfile.objects.active(), slug=self.kwargs["slug"]
        )
        return self.published().by_author(self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


def clean_query(raw: str) -> str:
    """Search text made safe for PostgreSQL: no NULs, bounded length."""
    text = "".join(ch for ch in raw if ch == " " or ch.isprintable())
    return " ".join(text.split())[:SEARCH_MAX_QUERY]


class SearchView(PublishedArticlesMixin, ListView):
    """Full-text search over published articles, ranked, with snippets.
    Not page-cached: queries are too varied to be worth keeping."""

    too_slow = False  # the search ran past NEWSROOM_SEARCH_TIMEOUT_MS

    def get(self, request, *args, **kwargs):
        return ListView.get(self, request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        """Page through the ranked ids (at most SEARCH_CANDIDATES, so their
        count is shown), then load only the page's stories, with snippets."""
        try:
            ranking = queryset.search_ranking(self.query) if self.query else []
        except SearchTooSlow:
            self.too_slow, ranking = True, []
        paginator, page, ids, is_paginated = ListView.paginate_queryset(
            self, ranking, page_size
        )
        rows = queryset.for_listing().with_snippets(self.query).in_bulk(ids)
        # A story unpublished between the two queries is left out.
        page.object_list = [rows[pk] for pk in ids if pk in rows]
        return paginator, page, page.object_list, is_paginated

    template_name = "articles/search.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        return Article.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        paginator = context.get("paginator")
        context["capped"] = bool(paginator) and paginator.count >= SEARCH_CANDIDATES
        context["too_slow"] = self.too_slow
        for article in context["articles"]:
            article.snippet_html = highlight(article.snippet)
        return context


def highlight(snippet: str) -> str:
    """Escape a search snippet, then turn its match markers into <mark>."""
    text = escape(snippet or "").replace("\x02", "<mark>").replace("\x03", "</mark>")
    return mark_safe(text)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        f"Sitemap: {site_url('/sitemap.xml', request)}",
        f"Sitemap: {site_url('/news-sitemap.xml', request)}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def news_sitemap(request):
    """Google News sitemap: published articles of the last 48 hours."""
    cache_page_tags(request, "lists")
    return render(
        site_request(request),
        "articles/news_sitemap.xml",
        {"articles": news_sitemap_articles()},
        content_type="application/xml",
    )


CORRECTIONS_SHOWN = 100


def recent_corrections():
    """The newest corrections of stories readers can see."""
    return (
        Correction.objects.filter(article__in=Article.objects.published())
        .select_related("article")
        .order_by("-created_at", "-pk")[:CORRECTIONS_SHOWN]
    )


@require_GET
def corrections(request):
    """Every correction, newest first (a public log of what we got wrong)."""
    cache_page_tags(request, CORRECTIONS_TAG, "lists")
    return render(
        request, "articles/corrections.html", {"corrections": recent_corrections()}
    )


def serve_media(request, path):
    """The public media (renditions, body images, author squares) for the
    dev runner, `make serve` and app servers without an object store: only
    the public folders; an upload itself is never served here."""
    if path.split("/", 1)[0] not in PUBLIC_FOLDERS:
        raise Http404("Not a public file")
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@require_GET
def breaking_banner(request):
    """The breaking-news banner alone (empty when none is in force): what
    every reader page includes (caching/includes.py), kept by the edge and
    the page cache under its own tag, so a banner change purges this and
    nothing else."""
    cache_page_tags(request, BREAKING_TAG)
    response = HttpResponse(breaking_banner_html(request))
    response["X-Robots-Tag"] = "noindex"
    return response


def breaking_banner_html(request) -> str:
    """The banner's HTML (settings.CACHING_INCLUDES: the page cache fills a
    page's include with it when no edge does)."""
    key = fragments.fragment_key("breaking-banner", [BREAKING_TAG, "site"])
    return fragments.get_or_render(
        key,
        lambda: render_to_string(
            "articles/includes/breaking_banner.html",
            {"banner": BreakingNews.objects.current()},
        ),
    )


@require_GET
def live_updates(request, pk):
    """A live blog's latest entries, for the pages open on it: the same for
    every reader, kept by the edge and the page cache under the story's tag
    (purged by each new, edited or deleted entry), and answered 304 while
    unchanged. Only a published live story has one."""
    cache_page_tags(request, article_tag(pk))
    article = published_article(pk)
    if article is None or not article.is_live_blog:
        raise Http404("No such live blog")
    live = live_page(article)
    html = render_to_string(
        "articles/includes/live_entries.html",
        {"live": live, "article": article},
        request=request,
    )
    response = JsonResponse({"html": html, "on": live.on})
    response["X-Robots-Tag"] = "noindex"
    return response
