"""RSS 2.0 and Atom feeds: whole site, per section, per author. The feed is
in the site's language; each entry says its story's own (Atom's xml:lang,
Dublin Core's dc:language in RSS)."""

from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from caching.pagecache import cache_page_tags
from infra.siteurl import site_request

from .images import public_storage
from .invalidation import CORRECTIONS_TAG
from .models import Article, AuthorProfile, Section

FEED_SIZE = 30


def _stored_size(url: str) -> int | None:
    """The size of a rendition made before sizes were recorded, asked of the
    storage (the feed is cached: asked once per feed change)."""
    storage = public_storage()
    prefix = storage.url("")
    if not url.startswith(prefix):
        return None
    try:
        return storage.size(url.removeprefix(prefix))
    except (OSError, NotImplementedError, ValueError):
        return None


class StoryLanguageRssFeed(Rss201rev2Feed):
    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("dc:language", item["language"])


class StoryLanguageAtomFeed(Atom1Feed):
    def item_attributes(self, item):
        return {**super().item_attributes(item), "xml:lang": item["language"]}


class SiteFeed(Feed):
    """A feed whose absolute links are the site's configured address."""

    def get_feed(self, obj, request):
        # Django makes a feed's absolute links from the request's host; the
        # feed is cached for every reader (infra/siteurl.py).
        request = site_request(request)
        feed = super().get_feed(obj, request)
        # Django leaves enclosures and GUIDs as given: make them absolute
        # the same way as the links.
        domain, secure = get_current_site(request).domain, request.is_secure()
        for item in feed.items:
            item["enclosures"] = [
                Enclosure(add_domain(domain, e.url, secure), e.length, e.mime_type)
                for e in item["enclosures"] or ()
            ]
            if (item.get("unique_id") or "").startswith("/"):
                item["unique_id"] = add_domain(domain, item["unique_id"], secure)
        return feed


class LatestArticlesFeed(SiteFeed):
    """Newest published articles of the whole site."""

    description_template = None
    feed_type = StoryLanguageRssFeed

    def __call__(self, request, *args, **kwargs):
        cache_page_tags(request, "lists")
        return super().__call__(request, *args, **kwargs)

    def title(self, obj=None):
        return settings.NEWSROOM_SITE_NAME

    def link(self, obj=None):
        return "/"

    def description(self, obj=None):
        return _("Latest news from %(site)s") % {"site": settings.NEWSROOM_SITE_NAME}

    def articles(self, obj):
        return (
            Article.objects.published()
            .latest_first()
            .prefetch_related("bylines__author")
        )

    def items(self, obj=None):
        return self.articles(obj).select_related("section")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # RSS and Atom descriptions are HTML; the standfirst is text (an
        # imported one may hold markup, which must stay words).
        return escape(item.standfirst or item.body_text[:300])

    def item_enclosures(self, item):
        """The featured image (its largest rendition), with type and size."""
        image = item.share_image_file
        if image is None:
            return []
        url, mime, size = image
        if size is None:
            size = _stored_size(url)
        return [Enclosure(url, str(size or 0), mime)]

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return ", ".join(b.author.display_name for b in item.bylines.all()) or None

    def item_categories(self, item):
        return [item.section.name]

    def item_extra_kwargs(self, item):
        return {"language": item.language}


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = StoryLanguageAtomFeed
    subtitle = LatestArticlesFeed.description


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj=None):
        return f"{obj.name} · {settings.NEWSROOM_SITE_NAME}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return obj.description or _("Latest %(section)s articles") % {
            "section": obj.name
        }

    def articles(self, obj):
        return super().articles(obj).in_section(obj)


class SectionAtomFeed(SectionFeed):
    feed_type = StoryLanguageAtomFeed
    subtitle = SectionFeed.description


class AuthorFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(AuthorProfile.objects.active(), slug=slug)

    def title(self, obj=None):
        return f"{obj.display_name} · {settings.NEWSROOM_SITE_NAME}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return _("Articles by %(name)s") % {"name": obj.display_name}

    def articles(self, obj):
        return super().articles(obj).by_author(obj)


class AuthorAtomFeed(AuthorFeed):
    feed_type = StoryLanguageAtomFeed
    subtitle = AuthorFeed.description


class CorrectionsFeed(SiteFeed):
    """The corrections log as RSS."""

    feed_type = StoryLanguageRssFeed
    description_template = None

    def __call__(self, request, *args, **kwargs):
        cache_page_tags(request, CORRECTIONS_TAG, "lists")
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return _("Corrections · %(site)s") % {"site": settings.NEWSROOM_SITE_NAME}

    def link(self):
        return reverse("articles:corrections")

    def description(self):
        return _("Every correction %(site)s has made to its stories.") % {
            "site": settings.NEWSROOM_SITE_NAME
        }

    def items(self):
        from .views import recent_corrections

        return recent_corrections()[:FEED_SIZE]

    def item_title(self, item):
        return _("Correction: %(title)s") % {"title": item.article.title}

    def item_description(self, item):
        return escape(item.note)  # RSS descriptions are HTML; the note is text

    def item_link(self, item):
        return item.article.get_absolute_url()

    def item_guid(self, item):
        return f"{item.article.get_absolute_url()}#correction-{item.pk}"

    def item_guid_is_permalink(self, item):
        return False  # an id; the correction's own link is item_link

    def item_pubdate(self, item):
        return item.created_at

    def item_extra_kwargs(self, item):
        return {"language": item.article.language}
