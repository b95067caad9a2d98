from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter
from django.views.decorators.cache import cache_page

from caching.pagecache import cache_page_tags
from infra.siteurl import site_request

from . import feeds, views
from .sitemaps import SITEMAPS


def lists_page(view):
    """A function view whose output depends on the article listings (and
    whose absolute links are made at the site's address)."""

    def wrapped(request, *args, **kwargs):
        cache_page_tags(request, "lists")
        return view(site_request(request), *args, **kwargs)

    return wrapped


class TwoDigits:
    regex = "[0-9]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):02d}"


register_converter(TwoDigits, "dd")


class UnicodeSlug:
    """Slugs in any script (SlugField(allow_unicode=True)): letters, digits,
    "_" and "-". Django decodes the percent-encoded request path first, so
    either hex case reaches the page; reverse() encodes it again."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlug, "uslug")

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "<int:year>/<dd:month>/<dd:day>/<uslug:slug>/",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path("breaking/", views.breaking_banner, name="breaking_banner"),
    path("live/<int:pk>/", views.live_updates, name="live"),
    path("section/<uslug:slug>/", views.SectionView.as_view(), name="section"),
    path("section/<uslug:slug>/feed/", feeds.SectionFeed(), name="section_rss"),
    path("section/<uslug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    path("tag/<uslug:slug>/", views.TagView.as_view(), name="tag"),
    path("authors/<uslug:slug>/", views.AuthorView.as_view(), name="author"),
    path("authors/<uslug:slug>/feed/", feeds.AuthorFeed(), name="author_rss"),
    path("authors/<uslug:slug>/atom/", feeds.AuthorAtomFeed(), name="author_atom"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed(), name="corrections_rss"),
    path("feed/", feeds.LatestArticlesFeed(), name="rss"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="atom"),
    path(
        "sitemap.xml",
        lists_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        lists_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("news-sitemap.xml", views.news_sitemap, name="news_sitemap"),
    path("robots.txt", cache_page(3600)(views.robots_txt), name="robots"),
]
