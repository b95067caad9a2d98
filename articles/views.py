import json

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Value
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from .models import Article, ArticleAuthor, AuthorProfile, Section, Tag
from .pagecache import article_tag, cache_page_tags
from .pagination import window_page
from .sitemaps import news_sitemap_articles

PAGE_SIZE = 12
SECTION_BLOCK_SIZE = 4
RELATED_COUNT = 4
SEARCH_MAX_QUERY = 200

CARD_FIELDS = [
    "id",
    "title",
    "slug",
    "standfirst",
    "pub_date",
    "published_at",
    "featured_image",
    "featured_image_width",
    "featured_image_height",
    "featured_image_renditions",
    "featured_image_alt",
    "section_id",
]


class PublishedArticlesMixin:
    """Every reader listing starts from `Article.objects.published()`."""

    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        cache_page_tags(request, "lists")
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        """Page without COUNT(*) (see articles/pagination.py)."""
        page = window_page(queryset, self.request.GET.get("page"), page_size)
        return None, page, page.object_list, page.has_other_pages()

    def published(self):
        return Article.objects.published().for_listing().latest_first()


class HomeView(PublishedArticlesMixin, ListView):
    """Front page: lead story, latest articles (paginated), a block per section."""

    template_name = "articles/home.html"
    context_object_name = "articles"

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
            lead = self.published().filter(is_featured=True).first()
            lead = lead or (items[0] if items else None)
            context["lead"] = lead
            context["latest"] = [a for a in items if lead is None or a.pk != lead.pk]
            context["section_blocks"] = section_blocks(self.request_sections())
        else:
            context["latest"] = items
        return context


def section_blocks(sections) -> list[tuple[Section, list[Article]]]:
    """The newest few published articles of every section, in one query: a
    UNION ALL of one small index scan per section (a window over every
    published article would read them all)."""
    sections = list(sections)
    if not sections:
        return []
    base = (
        Article.objects.published().only(*CARD_FIELDS).order_by("-published_at", "-pk")
    )
    parts = [base.filter(section_id=s.pk)[:SECTION_BLOCK_SIZE] for s in sections]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    by_section: dict[int, list[Article]] = {}
    for article in rows:
        by_section.setdefault(article.section_id, []).append(article)
    blocks = []
    for section in sections:
        items = sorted(
            by_section.get(section.pk, []),
            key=lambda a: (a.published_at, a.pk),
            reverse=True,
        )
        for item in items:
            item.section = section
        if items:
            blocks.append((section, items))
    return blocks


class ArticleDetailView(DetailView):
    """The article page: every element of the model news page."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def base_queryset(self):
        return Article.objects.published()

    def get_queryset(self):
        bylines = ArticleAuthor.objects.select_related("author")
        return (
            self.base_queryset()
            .select_related("section")
            .prefetch_related("tags", Prefetch("bylines", queryset=bylines))
        )

    def get_object(self, queryset=None):
        kwargs = self.kwargs
        try:
            return self.get_queryset().get(
                pub_date__year=int(kwargs["year"]),
                pub_date__month=int(kwargs["month"]),
                pub_date__day=int(kwargs["day"]),
                slug=kwargs["slug"],
            )
        except (Article.DoesNotExist, ValueError):
            raise Http404("No such article") from None

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The page holds the comment form (a per-visitor CSRF token): the
        # server-side cache keeps it, shared caches must not.
        cache_page_tags(request, article_tag(self.object.pk), private=True)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["authors"] = [byline.author for byline in article.bylines.all()]
        context["tags"] = list(article.tags.all())
        context.update(neighbours(article, tag_ids=[t.pk for t in context["tags"]]))
        context["jsonld"] = news_article_jsonld(
            article, context["authors"], self.request
        )
        context["canonical_url"] = self.request.build_absolute_uri(
            article.get_absolute_url()
        )
        return context


@method_decorator(never_cache, name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """Drafts and scheduled articles as readers will see them.

    Only for users allowed to change the article; everyone else gets 404 (not
    403, so the existence of an embargoed story is not revealed). Never cached.
    """

    template_name = "articles/article_detail.html"

    def base_queryset(self):
        user = self.request.user
        if not (user.is_authenticated and user.is_staff):
            return Article.objects.none()
        return Article.objects.editable_by(user)

    def get(self, request, *args, **kwargs):
        return DetailView.get(self, request, *args, **kwargs)  # never cached

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = True
        return context


def neighbours(article: Article, *, tag_ids: list[int]) -> dict:
    """Previous/next articles (publication order) and related ones, one query."""
    if article.published_at is None:
        return {"previous": None, "next": None, "related": []}
    base = (
        Article.objects.published()
        .only(*CARD_FIELDS)
        .annotate(section_name=F("section__name"), section_slug=F("section__slug"))
    )
    at, pk = article.published_at, article.pk
    previous = (
        # The plain range lets the index bound the scan; the OR breaks ties.
        base.filter(published_at__lte=at)
        .filter(Q(published_at__lt=at) | Q(pk__lt=pk))
        .annotate(kind=Value("previous"))
        .order_by("-published_at", "-pk")[:1]
    )
    following = (
        base.filter(published_at__gte=at)
        .filter(Q(published_at__gt=at) | Q(pk__gt=pk))
        .annotate(kind=Value("next"))
        .order_by("published_at", "pk")[:1]
    )
    shares_tag = Exists(
        Article.tags.through.objects.filter(
            article_id=OuterRef("pk"), tag_id__in=tag_ids
        )
    )
    related = (
        base.exclude(pk=pk)
        .filter(Q(section_id=article.section_id) | shares_tag)
        .annotate(kind=Value("related"))
        .order_by("-published_at", "-pk")[:RELATED_COUNT]
    )
    result = {"previous": None, "next": None, "related": []}
    for item in previous.union(following, related, all=True):
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


def news_article_jsonld(article, authors, request) -> str:
    """schema.org NewsArticle for search engines."""
    absolute = request.build_absolute_uri
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
        "articleSection": article.section.name,
        "publisher": {
            "@type": "Organization",
            "name": settings.NEWSROOM_SITE_NAME,
            "url": absolute("/"),
        },
    }
    if article.featured_image:
        data["image"] = [absolute(article.share_image_url)]
    if article.source_url:
        data["isBasedOn"] = article.source_url
    return _json_ld(data)


class SectionView(PublishedArticlesMixin, ListView):
    """A section's page: its published articles, newest first."""

    template_name = "articles/section_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return self.published().in_section(self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


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

    def get(self, request, *args, **kwargs):
        return ListView.get(self, request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        # Results are few (a GIN index match): show their count.
        return ListView.paginate_queryset(self, queryset, page_size)

    template_name = "articles/search.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        if not self.query:
            return Article.objects.none()
        search = SearchQuery(self.query, search_type="websearch", config="english")
        return (
            Article.objects.published()
            .for_listing()
            .filter(search_vector=search)
            .annotate(
                rank=SearchRank(F("search_vector"), search),
                snippet=SearchHeadline(
                    "body_text",
                    search,
                    config="english",
                    start_sel="\x02",
                    stop_sel="\x03",
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                ),
            )
            .order_by("-rank", "-published_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
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
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        f"Sitemap: {request.build_absolute_uri('/news-sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def news_sitemap(request):
    """Google News sitemap: published articles of the last 48 hours."""
    cache_page_tags(request, "lists")
    return render(
        request,
        "articles/news_sitemap.xml",
        {"articles": news_sitemap_articles()},
        content_type="application/xml",
    )
