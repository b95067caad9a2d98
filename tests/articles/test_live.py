"""Live blogs (#29 item 4): entries as their own rows, posted by several
journalists at once; the story's page and its update resource (what open
pages poll through the edge) show new, edited, removed and pinned entries;
older ones paginated by a cursor; schema.org LiveBlogPosting; one action ends
the coverage."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import live
from articles.models import Article, AuditEntry, LiveEntry
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(roles):
    return {
        "ed": UserFactory(username="ed", groups="Editor"),
        "jo": UserFactory(username="jo", groups="Journalist"),
        "ana": UserFactory(
            username="ana", first_name="Ana", last_name="Lima", groups="Journalist"
        ),
    }


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def story(people):
    article = ArticleFactory(title="Election night", created_by=people["ed"])
    live.live_start(user=people["ed"], article=article)
    return Article.objects.get(pk=article.pk)


def entry_texts(html: str) -> list[str]:
    return re.findall(r'<div class="live-body article-body"><p>([^<]+)</p>', html)


def updates(client, article, **headers):
    return client.get(f"/live/{article.pk}/", **headers)


def test_entries_show_on_the_page_and_in_the_update_resource(
    client, story, people, commit
):
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Live updates" in page and "No updates yet." in page
    assert 'data-live-url="/live/' in page and "js/live.js" in page
    first = updates(client, story)
    assert first.json() == {"html": first.json()["html"], "on": True}
    etag = first["ETag"]
    assert updates(client, story, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with commit():
        live.live_post(user=people["jo"], article=story, body="<p>Polls close.</p>")
        live.live_post(user=people["ana"], article=story, body="<p>First results.</p>")
    fresh = updates(client, story, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert entry_texts(fresh.json()["html"]) == ["First results.", "Polls close."]
    page = client.get(story.get_absolute_url()).content.decode()
    assert entry_texts(page.split('id="live"')[1]) == ["First results.", "Polls close."]
    entry = LiveEntry.objects.get(body="<p>Polls close.</p>")
    assert f'id="entry-{entry.pk}"' in page
    assert f'href="?before={entry.pk + 1}#entry-{entry.pk}"' in page  # shareable


def test_edits_removals_and_the_pinned_entry_reach_readers(
    client, story, people, commit
):
    with commit():
        one = live.live_post(user=people["jo"], article=story, body="<p>One</p>")
        two = live.live_post(user=people["ana"], article=story, body="<p>Two</p>")
    updates(client, story)
    with commit():
        live.live_edit(user=people["jo"], entry=one, body="<p>One, corrected</p>")
        live.live_pin(user=people["ed"], entry=one)
        live.live_delete(user=people["ana"], entry=two)
    html = updates(client, story).json()["html"]
    assert "Key update" in html and "Two" not in html
    assert entry_texts(html) == ["One, corrected", "One, corrected"]  # pinned + list
    assert "edited" in html
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"live-post", "live-edit", "live-pin", "live-delete"} <= actions


def test_who_may_do_what(story, people):
    entry = live.live_post(user=people["jo"], article=story, body="<p>Mine</p>")
    with pytest.raises(PermissionDenied):  # another journalist's entry
        live.live_edit(user=people["ana"], entry=entry, body="<p>Not yours</p>")
    with pytest.raises(PermissionDenied):  # pinning is the editors'
        live.live_pin(user=people["jo"], entry=entry)
    with pytest.raises(PermissionDenied):  # another's story's coverage
        live.live_end(user=people["jo"], article=story)
    live.live_edit(user=people["ed"], entry=entry, body="<p>Edited by the desk</p>")
    with pytest.raises(Exception, match="Write the update"):
        live.live_post(user=people["jo"], article=story, body="<script>x</script>")


def test_800_entries_paginate_by_cursor_at_the_same_cost(
    client, story, people, settings
):
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_FRAGMENT_CACHE = False
    LiveEntry.objects.bulk_create(
        LiveEntry(article=story, body=f"<p>Entry {n}</p>", author=people["jo"])
        for n in range(800)
    )
    page = client.get(story.get_absolute_url()).content.decode()
    section = page.split('id="live"')[1]
    assert len(entry_texts(section)) == live.PAGE_SIZE
    assert entry_texts(section)[0] == "Entry 799"
    cursor = re.search(r'href="\?before=(\d+)#live"', section)[1]
    counts = []
    for before in (None, cursor, LiveEntry.objects.order_by("pk")[25].pk):
        url = story.get_absolute_url() + (f"?before={before}" if before else "")
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        counts.append(len(queries))
        if before == cursor:
            assert entry_texts(html.split('id="live"')[1])[0] == "Entry 779"
            assert "data-live-url" not in html  # older pages are not refreshed
    assert counts[1] == counts[2] <= counts[0]
    assert len(updates(client, story).content) < 20_000  # the update stays small


def test_only_a_published_live_story_has_an_update_resource(client, people):
    draft = ArticleFactory(draft=True, created_by=people["ed"])
    live.live_start(user=people["ed"], article=draft)
    assert updates(client, draft).status_code == 404
    assert updates(client, ArticleFactory()).status_code == 404  # not live
    assert client.get("/live/999999/").status_code == 404


def test_the_page_is_a_live_blog_posting_and_one_action_ends_it(
    client, story, people, commit
):
    with commit():
        live.live_post(user=people["jo"], article=story, body="<p>Polls close.</p>")
    page = client.get(story.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'ld\+json">(.+?)</script>', page, re.S)[1])
    assert data["@type"] == "LiveBlogPosting" and "coverageStartTime" in data
    assert "coverageEndTime" not in data
    assert data["liveBlogUpdate"][0]["articleBody"] == "Polls close."
    assert data["liveBlogUpdate"][0]["url"].startswith("http")
    with commit():
        live.live_end(user=people["ed"], article=story)
    page = client.get(story.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'ld\+json">(.+?)</script>', page, re.S)[1])
    assert "coverageEndTime" in data
    assert "Live coverage ended" in page and "js/live.js" not in page
    assert updates(client, story).json()["on"] is False
    with pytest.raises(Exception, match="not running"):
        live.live_post(user=people["jo"], article=story, body="<p>Too late</p>")


def test_the_desk_page_posts_without_the_stories_edit_lock(client, story, people):
    url = f"/admin/articles/article/{story.pk}/live/"
    client.force_login(people["ana"])  # a journalist on the editor's story
    response = client.post(url, {"action": "post", "body": "<p>From the desk</p>"})
    assert response.status_code == 302
    assert LiveEntry.objects.get().byline == "Ana Lima"  # named for readers
    response = client.post(url, {"action": "post", "body": ""})
    assert "Write the update first" in response.content.decode()
    entry = LiveEntry.objects.get()
    assert client.post(url, {"action": "pin", "entry": entry.pk}).status_code == 403
    assert client.post(url, {"action": "end"}).status_code == 403
    edit = f"/admin/articles/article/{story.pk}/live/{entry.pk}/"
    client.post(edit, {"body": "<p>Fixed</p>"})
    assert LiveEntry.objects.get().body == "<p>Fixed</p>"
    client.force_login(UserFactory(username="reader"))
    assert client.get(url).status_code in (302, 403)
