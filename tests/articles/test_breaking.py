"""The breaking-news banner (#29 item 2 and its part of item 3): marked in
one step from a story by an editor, shown on every reader page as an edge
include (filled in by Varnish, or by the page cache without it), so a banner
change leaves every cached page cached; its end needs no save."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles import front
from articles.models import AuditEntry, BreakingNews
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
ESI = {"HTTP_SURROGATE_CAPABILITY": 'newsroom="ESI/1.0"'}


@pytest.fixture
def editor(roles):
    return UserFactory(username="ed", groups="Editor")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def banner_of(html: str) -> str | None:
    found = re.search(r'<aside class="breaking-banner".*?<a [^>]*>([^<]+)</a>', html)
    return found[1] if found else None


def test_no_banner_until_one_is_marked_then_on_every_reader_page(
    client, editor, commit
):
    story = ArticleFactory(title="Quake hits the coast")
    other = ArticleFactory(title="Another story")
    pages = ["/", other.get_absolute_url(), story.section.get_absolute_url()]
    for url in pages:
        assert banner_of(client.get(url).content.decode()) is None
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    with commit():
        front.breaking_mark(user=editor, article=story)
    for url in pages:
        html = client.get(url).content.decode()
        assert banner_of(html) == "Quake hits the coast", url
        assert "esi:include" not in html
    # The article page was not dropped from the page cache: the banner was
    # filled into the cached copy.
    response = client.get(other.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
    assert "Surrogate-Control" not in response and "X-Include-Tags" not in response
    with commit():
        front.breaking_end(user=editor)
    assert banner_of(client.get(other.get_absolute_url()).content.decode()) is None


def test_an_edge_that_fills_includes_gets_the_include(client, editor):
    story = ArticleFactory(title="Quake hits the coast")
    front.breaking_mark(user=editor, article=story)
    response = client.get(story.get_absolute_url(), **ESI)
    html = response.content.decode()
    assert '<esi:include src="/breaking/"/>' in html and banner_of(html) is None
    assert response["Surrogate-Control"] == 'content="ESI/1.0"'
    part = client.get("/breaking/")
    assert banner_of(part.content.decode()) == "Quake hits the coast"
    assert part["xkey"] == "breaking site" and part["X-Robots-Tag"] == "noindex"


def test_a_browsers_copy_is_stale_once_the_banner_changes(client, editor, commit):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    etag = first["ETag"]
    assert (
        client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )
    with commit():
        front.breaking_mark(user=editor, article=ArticleFactory(title="Breaking"))
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag
    assert banner_of(again.content.decode()) == "Breaking"


def test_the_banner_ends_at_its_time_with_no_save(client, editor, settings):
    settings.NEWSROOM_CDN_MAX_AGE = 3600
    story = ArticleFactory(title="Storm warning")
    ends = timezone.now() + timedelta(minutes=10)
    front.breaking_mark(user=editor, article=story, ends_at=ends)
    assert banner_of(client.get("/").content.decode()) == "Storm warning"
    part = client.get("/breaking/")
    assert int(re.search(r"s-maxage=(\d+)", part["Cache-Control"])[1]) <= 601
    page = client.get(story.get_absolute_url())
    assert "s-maxage=3600" in page["Cache-Control"]  # pages keep their lifetime
    with time_machine.travel(ends + timedelta(seconds=1), tick=False):
        assert banner_of(client.get("/").content.decode()) is None
        assert banner_of(client.get("/breaking/").content.decode()) is None


def test_one_banner_at_a_time_and_only_for_a_published_story(client, editor):
    scheduled = ArticleFactory(title="Embargoed", scheduled=True)
    front.breaking_mark(user=editor, article=scheduled)
    assert banner_of(client.get("/breaking/").content.decode()) is None
    live = ArticleFactory(title="Live now")
    front.breaking_mark(user=editor, article=live, headline="  Live: the count  ")
    assert BreakingNews.objects.get(article=scheduled).ends_at is not None
    assert BreakingNews.objects.current().text == "Live: the count"


def test_editors_mark_in_one_step_from_the_story_and_end_it(client, editor):
    story = ArticleFactory(title="Quake hits the coast")
    journalist = UserFactory(username="jo", groups="Journalist")
    url = f"/admin/articles/frontslot/breaking/{story.pk}/"
    client.force_login(journalist)
    assert client.post(url, {"ends_at": ""}).status_code == 403
    assert (
        "Mark as breaking"
        not in client.get(
            f"/admin/articles/article/{story.pk}/change/"
        ).content.decode()
    )
    client.force_login(editor)
    change = client.get(f"/admin/articles/article/{story.pk}/change/").content.decode()
    assert "Mark as breaking" in change and f'action="{url}"' in change
    response = client.post(url, {"ends_at": "2099-01-01T10:00"}, follow=True)
    assert "is on every page now, until 2099-01-01 10:00" in response.content.decode()
    assert BreakingNews.objects.current().article == story
    refused = client.post(url, {"ends_at": "2000-01-01T10:00"}, follow=True)
    assert "Not marked as breaking (2000-01-01T10:00)" in refused.content.decode()
    response = client.post("/admin/articles/frontslot/breaking/end/", follow=True)
    assert "banner is down" in response.content.decode()
    assert BreakingNews.objects.current() is None
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("breaking-mark") == 1 and actions.count("breaking-end") == 1


def test_a_story_taken_down_takes_its_banner_down(client, editor, commit):
    story = ArticleFactory(title="Quake hits the coast")
    other = ArticleFactory()
    with commit():
        front.breaking_mark(user=editor, article=story)
    assert banner_of(client.get(other.get_absolute_url()).content.decode())
    with commit():
        story.status = story.Status.DRAFT
        story.save()
    assert banner_of(client.get(other.get_absolute_url()).content.decode()) is None
    assert banner_of(client.get("/breaking/").content.decode()) is None
