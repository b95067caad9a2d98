import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.invalidation import article_tags
from caching import tagversions
from caching.invalidation import invalidate
from comments import services as comment_services
from comments.forms import sign_timestamp
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Invalidation runs when the transaction commits: `with commit():`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def get(client, url):
    response = client.get(url)
    return response, response.get("X-Page-Cache")


def test_second_anonymous_request_is_a_hit_with_no_queries(
    client, django_assert_num_queries
):
    article = ArticleFactory()
    for url in ["/", article.get_absolute_url(), "/feed/", "/sitemap.xml"]:
        assert get(client, url)[1] == "miss"
        with django_assert_num_queries(0):
            response, state = get(client, url)
        assert state == "hit" and response.status_code == 200


def test_cache_headers(client):
    article = ArticleFactory()
    home = client.get("/")
    assert home["Cache-Control"] == (
        "public, max-age=0, s-maxage=60, stale-while-revalidate=300"
    )
    assert "Cookie" in home["Vary"]
    page = client.get(article.get_absolute_url())
    # No per-visitor part: shared caches (the edge) may keep it too.
    assert page["Cache-Control"] == home["Cache-Control"]


def test_publish_edit_unpublish_invalidate(client, commit):
    editor = UserFactory(username="ed", groups="Editor")
    visible = ArticleFactory(title="Visible story")
    draft = ArticleFactory(draft=True, title="Fresh story")
    client.get("/")
    assert get(client, "/")[1] == "hit"
    with commit():
        services.article_publish(article=draft, user=editor)
    response, state = get(client, "/")
    assert state == "miss" and "Fresh story" in response.content.decode()
    client.get(visible.get_absolute_url())
    visible.title = "Visible story, corrected"
    visible.save()
    with commit():
        invalidate(*article_tags(visible.pk))
    assert "corrected" in client.get(visible.get_absolute_url()).content.decode()
    with commit():
        services.article_unpublish(article=visible, user=editor)
    assert "corrected" not in client.get("/").content.decode()
    assert client.get(visible.get_absolute_url()).status_code == 404


def test_invalidation_is_precise(client, commit):
    a, b = ArticleFactory(), ArticleFactory()
    client.get(a.get_absolute_url())
    client.get(b.get_absolute_url())
    with commit():
        invalidate(*article_tags(a.pk))
    assert get(client, a.get_absolute_url())[1] == "miss"
    assert get(client, b.get_absolute_url())[1] == "hit"


def test_comment_approval_and_removal_invalidate(client, commit):
    moderator = UserFactory(username="mod", groups="Moderator")
    article = ArticleFactory()
    comment = CommentFactory(article=article, pending=True, body="Worth reading")
    assert (
        "Worth reading" not in client.get(article.get_absolute_url()).content.decode()
    )
    with commit():
        comment_services.comment_approve(comment=comment, moderator=moderator)
    assert "Worth reading" in client.get(article.get_absolute_url()).content.decode()
    with commit():
        comment_services.comment_mark_spam(comment=comment, moderator=moderator)
    assert (
        "Worth reading" not in client.get(article.get_absolute_url()).content.decode()
    )


def test_pending_commenter_bypasses_the_cache(client, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory()
    client.get(article.get_absolute_url())
    Client().get(article.get_absolute_url())
    client.post(
        f"/comments/post/{article.pk}/",
        {
            "name": "Ana",
            "email": "ana@example.com",
            "body": "Mine!",
            "ts": sign_timestamp(),
        },
    )
    response, state = get(client, article.get_absolute_url())
    assert state is None
    assert "Your comment is awaiting moderation." in response.content.decode()
    other, other_state = get(Client(), article.get_absolute_url())
    assert other_state == "hit" and "Mine!" not in other.content.decode()


def test_logged_in_users_bypass_the_cache(client):
    article = ArticleFactory()
    Client().get(article.get_absolute_url())
    client.force_login(UserFactory(username="ed", groups="Editor"))
    assert get(client, article.get_absolute_url())[1] is None
    assert get(client, "/")[1] is None


def test_previews_searches_and_posts_are_never_cached(client, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    editor = UserFactory(username="ed", groups="Editor")
    draft = ArticleFactory(draft=True)
    client.force_login(editor)
    client.get(reverse("articles:preview", args=[draft.pk]))
    anonymous = Client()
    assert (
        anonymous.get(reverse("articles:preview", args=[draft.pk])).status_code == 404
    )
    anonymous.get("/search/?q=story")
    assert get(anonymous, "/search/?q=story")[1] is None
    article = ArticleFactory()
    response = anonymous.post(
        f"/comments/post/{article.pk}/",
        {"name": "A", "email": "a@example.com", "body": "x", "ts": sign_timestamp()},
    )
    assert "X-Page-Cache" not in response


def test_a_cached_article_page_is_the_same_for_everyone_and_still_posts(settings):
    """No token, no nonce, no cookie: the stored bytes are what every
    visitor gets (an edge may keep them), and the form still posts as a
    browser sends it."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    article = ArticleFactory()
    url = article.get_absolute_url()
    miss = Client().get(url)
    assert miss["X-Page-Cache"] == "miss"
    assert not miss.cookies and "'nonce-" not in miss["Content-Security-Policy"]
    client = Client(enforce_csrf_checks=True)
    hit = client.get(url)
    assert hit["X-Page-Cache"] == "hit"
    assert hit.content == miss.content and not hit.cookies
    assert "csrfmiddlewaretoken" not in hit.content.decode()
    posted = client.post(
        f"/comments/post/{article.pk}/",
        {"name": "A", "email": "a@example.com", "body": "From cache",
         "ts": sign_timestamp()},
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
    )  # fmt: skip
    assert posted.status_code == 303
    assert Comment.objects.filter(body="From cache").exists()


def test_a_response_with_a_cookie_or_a_nonce_is_never_stored(client, settings):
    from caching.pagecache import PageCacheMiddleware

    ok = HttpResponse("page")
    ok["Content-Security-Policy"] = "script-src 'self'"
    assert PageCacheMiddleware._storable(ok)
    with_cookie = HttpResponse("page")
    with_cookie.set_cookie("csrftoken", "x")
    assert not PageCacheMiddleware._storable(with_cookie)
    with_nonce = HttpResponse("page")
    with_nonce["Content-Security-Policy"] = "script-src 'self' 'nonce-abc'"
    assert not PageCacheMiddleware._storable(with_nonce)


def test_scheduled_story_appears_on_time(client):
    ArticleFactory(title="Old news")
    due = timezone.now() + timedelta(seconds=60)  # well inside the cache TTLs
    ArticleFactory(title="Embargoed story", published_at=due)
    assert "Embargoed story" not in client.get("/").content.decode()
    assert get(client, "/")[1] == "hit"
    with time_machine.travel(due - timedelta(seconds=1), tick=False):
        assert "Embargoed story" not in client.get("/").content.decode()
    stored = cache.get(tagversions.VERSION_PREFIX + "lists")
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert "Embargoed story" in client.get("/").content.decode()
    # Reads never write: the story showed with no version moved.
    assert cache.get(tagversions.VERSION_PREFIX + "lists") == stored


def test_page_cache_can_be_switched_off(client, settings):
    settings.NEWSROOM_PAGE_CACHE = False
    client.get("/")
    assert get(client, "/")[1] is None


def test_thread_fragment_cache_follows_moderation_with_page_cache_off(
    client, settings, commit
):
    settings.NEWSROOM_PAGE_CACHE = False
    moderator = UserFactory(username="mod", groups="Moderator")
    article = ArticleFactory()
    comment = CommentFactory(article=article, pending=True, body="Fragment check")
    assert (
        "Fragment check" not in client.get(article.get_absolute_url()).content.decode()
    )
    with commit():
        comment_services.comment_approve(comment=comment, moderator=moderator)
    assert "Fragment check" in client.get(article.get_absolute_url()).content.decode()
    with commit():
        comment_services.comment_reject(comment=comment, moderator=moderator)
    assert (
        "Fragment check" not in client.get(article.get_absolute_url()).content.decode()
    )


def test_a_hit_keeps_every_security_header_and_sets_no_cookie():
    article = ArticleFactory()
    miss = Client().get(article.get_absolute_url())
    assert miss["X-Page-Cache"] == "miss"
    hit = Client().get(article.get_absolute_url())
    assert hit["X-Page-Cache"] == "hit"
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Vary",
        "Content-Type",
        "Cache-Control",
    ):
        assert hit[header] == miss[header], header
    assert not hit.cookies
    assert int(hit["Content-Length"]) == len(hit.content)


def test_a_cached_page_is_not_served_to_a_host_outside_allowed_hosts():
    article = ArticleFactory()
    Client().get(article.get_absolute_url())
    response = Client().get(article.get_absolute_url(), HTTP_HOST="evil.example")
    assert response.status_code == 400 and "X-Page-Cache" not in response


def test_a_page_that_sets_another_cookie_is_not_shared(client, settings):
    from django.http import HttpResponse

    from caching.pagecache import PageCacheMiddleware, cache_page_tags

    def view(request):
        cache_page_tags(request, "lists")
        response = HttpResponse("personal")
        response.set_cookie("seen", "1")
        return response

    from django.test import RequestFactory

    middleware = PageCacheMiddleware(view)
    first = middleware(RequestFactory().get("/personal/"))
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in middleware(RequestFactory().get("/personal/"))


# Fragments (page cache off): the parts of the article page are kept under
# the article's version, so every change through the services shows at once.


@pytest.fixture
def fragments_only(settings):
    settings.NEWSROOM_PAGE_CACHE = False


def test_fragment_cached_article_page_runs_one_query(
    client, fragments_only, django_assert_num_queries
):
    article = ArticleFactory(title="Fragment story")
    CommentFactory(article=article, body="Kept in the thread fragment")
    first = client.get(article.get_absolute_url()).content.decode()
    with django_assert_num_queries(0):
        again = client.get(article.get_absolute_url()).content.decode()
    assert "Fragment story" in again and "Kept in the thread fragment" in again

    def tokens(html):
        return re.findall(r'name="(?:csrfmiddlewaretoken|ts)" value="([^"]+)"', html)

    # The blank form is shared (no token); its signed render time is not.
    assert len(tokens(again)) == 1 and tokens(again) != tokens(first)
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", first) == strip.sub("", again)


def test_fragments_follow_edit_unpublish_and_delete(client, fragments_only, commit):
    editor = UserFactory(username="ed", groups="Editor")
    article = ArticleFactory(title="Before the edit")
    url = article.get_absolute_url()
    client.get(url)
    article.title = "After the edit"
    article.save()
    with commit():
        invalidate(*article_tags(article.pk))
    assert "After the edit" in client.get(url).content.decode()
    with commit():
        services.article_unpublish(article=article, user=editor)
    assert client.get(url).status_code == 404
    with commit():
        services.article_publish(article=article, user=editor)
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200
    pk = article.pk
    with commit():
        article.delete()
        invalidate(*article_tags(pk))
    assert client.get(url).status_code == 404


def test_a_moved_address_is_checked_not_trusted(client, fragments_only, commit):
    article = ArticleFactory(slug="old-slug")
    old_url = article.get_absolute_url()
    assert client.get(old_url).status_code == 200
    article.slug = "new-slug"
    article.save()
    with commit():
        invalidate(*article_tags(article.pk))
    assert client.get(old_url).status_code == 404
    assert client.get(article.get_absolute_url()).status_code == 200
    # Another story takes the old address: it is found, not the first one.
    newcomer = ArticleFactory(slug="old-slug", published_at=article.published_at)
    assert newcomer.get_absolute_url() == old_url
    assert newcomer.title in client.get(old_url).content.decode()


def test_previews_never_use_fragments(client, fragments_only):
    editor = UserFactory(username="ed", groups="Editor", is_staff=True)
    draft = ArticleFactory(draft=True, title="Draft one")
    client.force_login(editor)
    preview = reverse("articles:preview", args=[draft.pk])
    assert "Draft one" in client.get(preview).content.decode()
    draft.title = "Draft two"
    draft.save()  # no bump: drafts are not cached anywhere
    assert "Draft two" in client.get(preview).content.decode()


def test_fragments_can_be_switched_off(client, settings, django_assert_num_queries):
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_FRAGMENT_CACHE = False
    article = ArticleFactory(title="Always rendered")
    client.get(article.get_absolute_url())
    # Everything read again, the article by its address in one query, and
    # the parts filled into the page: the breaking-news banner (one query)
    # and "most read" (one: no story was read yet).
    with django_assert_num_queries(9):
        page = client.get(article.get_absolute_url())
    assert "Always rendered" in page.content.decode()


def test_a_scheduled_story_joins_cached_neighbour_links_when_due(
    client, fragments_only
):
    older = ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    due = timezone.now() + timedelta(seconds=60)  # well inside the cache TTLs
    ArticleFactory(title="Scheduled neighbour", published_at=due)
    assert (
        "Scheduled neighbour"
        not in client.get(older.get_absolute_url()).content.decode()
    )
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        page = client.get(older.get_absolute_url()).content.decode()
    assert "Scheduled neighbour" in page  # "Next article" and related, on time


def test_a_version_copy_expiring_mid_read_is_read_again(settings):
    """A local copy may expire between two looks at it; the read must then
    fetch the version again, never fail (a KeyError would answer 500)."""
    from cachetools import TTLCache

    from caching import tagversions

    clock = {"now": 0.0}

    def ticking():  # every look at the clock moves it on by 0.3 s
        clock["now"] += 0.3
        return clock["now"]

    settings.NEWSROOM_VERSION_SECONDS = 0.5
    first = tagversions.versions(["site"])
    copies = TTLCache(maxsize=10, ttl=0.5, timer=ticking)
    copies.update(tagversions._current(["site", tagversions.EPOCH]))
    tagversions._local["copies"] = copies
    for _ in range(5):
        assert tagversions.versions(["site"]) == first
