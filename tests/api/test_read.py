"""The read API (/api/v1/): published stories only (the visibility grid),
cursor pages, filters, tombstones, comments without personal data,
conditional requests, the page cache's invalidation, problem documents and
a valid OpenAPI document."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from articles import services
from articles.models import Article, ArticleAuthor, Correction
from comments.models import Comment
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def get(path, client=None, **headers):
    return (client or Client()).get(path, headers=headers)


def ids(response) -> list[int]:
    return [story["id"] for story in response.json()["results"]]


# -- visibility -------------------------------------------------------------


@pytest.fixture
def grid(roles):
    """Each state a story can be in, as the pages' tests have it."""
    return {
        "published": ArticleFactory(
            title="Out", published_at=NOW - datetime.timedelta(hours=1)
        ),
        "scheduled": ArticleFactory(
            title="Embargoed", published_at=NOW + datetime.timedelta(hours=3)
        ),
        "draft": ArticleFactory(title="Draft", draft=True),
        "in_review": ArticleFactory(title="In review", in_review=True),
        "taken_down": ArticleFactory(
            title="Taken down",
            status=Article.Status.DRAFT,
            published_at=NOW - datetime.timedelta(days=1),
        ),
    }


def test_only_published_stories_are_listed_or_answered(grid):
    assert ids(get("/api/v1/stories")) == [grid["published"].pk]
    expected = {
        "published": 200,
        "scheduled": 404,  # an embargo says nothing, not even "gone"
        "draft": 404,
        "in_review": 404,
        "taken_down": 410,
    }
    for state, status in expected.items():
        article = grid[state]
        response = get(f"/api/v1/stories/{article.pk}")
        assert response.status_code == status, state
        if status != 200:
            assert response["Content-Type"] == "application/problem+json"
            assert article.title not in response.content.decode()
        comments = get(f"/api/v1/stories/{article.pk}/comments")
        assert comments.status_code == (200 if status == 200 else 404), state
    # Every one's body says "gadgets": the search finds the published one.
    found = get("/api/v1/search?q=gadgets").json()
    assert [s["id"] for s in found["results"]] == [grid["published"].pk]
    assert found["count"] == 1


def test_a_story_with_everything_readers_see(roles, media_root):
    from tests.articles.test_library import add_item

    editor = UserFactory(username="ed", groups="Editor")
    item = add_item(editor, alt="A rocket", credit="Ana Ruiz")
    ana = AuthorProfileFactory(display_name="Ana", job_title="Reporter")
    ben = AuthorProfileFactory(display_name="Ben")
    story = ArticleFactory(
        title="Launch",
        body="<p>Lift-off at <strong>six</strong>.</p>",
        source_name="Tec Mundo",
        source_url="https://tecmundo.example/launch",
        language="pt-br",
    )
    story.tags.add(TagFactory(name="Space"))
    ArticleAuthor.objects.create(article=story, author=ben, position=1)
    ArticleAuthor.objects.create(article=story, author=ana, position=0)
    Article.objects.filter(pk=story.pk).update(
        featured_item=item,
        featured_image=item.file.name,
        featured_image_alt="A rocket on the pad",
        featured_image_caption="Before launch",
        featured_image_credit="Ana Ruiz",
        featured_image_renditions=item.renditions,
    )
    Correction.objects.create(article=story, note="The time was six, not five.")
    data = get(f"/api/v1/stories/{story.pk}").json()
    assert data["title"] == "Launch" and data["language"] == "pt-br"
    assert data["body_html"] == "<p>Lift-off at <strong>six</strong>.</p>"
    assert [a["name"] for a in data["authors"]] == ["Ana", "Ben"]
    assert data["authors"][0]["job_title"] == "Reporter"
    assert [t["name"] for t in data["tags"]] == ["Space"]
    assert data["source"] == {
        "name": "Tec Mundo",
        "url": "https://tecmundo.example/launch",
    }
    assert data["corrections"][0]["note"] == "The time was six, not five."
    image = data["image"]
    assert image["alt"] == "A rocket on the pad" and image["credit"] == "Ana Ruiz"
    assert image["url"].startswith("http://testserver/media/renditions/")
    assert set(image["crops"]) == {"card", "social"}
    assert (image["crops"]["social"]["width"], image["crops"]["social"]["height"]) == (
        1200,
        630,
    )
    assert item.file.name not in str(data)  # never the original (EXIF, GPS)
    assert data["url"] == f"http://testserver{story.get_absolute_url()}"


def test_comments_come_without_email_or_address(roles):
    story = ArticleFactory()
    shown = Comment.objects.create(
        article=story,
        name="Reader",
        email="reader@example.com",
        ip="203.0.113.9",
        body="Good story.",
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        article=story, name="Held", email="h@example.com", body="Spam?"
    )
    response = get(f"/api/v1/stories/{story.pk}/comments")
    [only] = response.json()["results"]
    shown_at = datetime.datetime.fromisoformat(only.pop("created_at"))
    assert abs(shown_at - shown.created_at) < datetime.timedelta(milliseconds=1)
    assert only == {
        "id": shown.pk,
        "parent_id": None,
        "name": "Reader",
        "body": "Good story.",
        "editors_pick": False,
    }
    text = response.content.decode()
    assert "reader@example.com" not in text and "203.0.113.9" not in text


# -- pages and filters --------------------------------------------------------


def test_cursor_pages_walk_every_story_once_in_order(
    roles, django_assert_max_num_queries
):
    stories = [
        ArticleFactory(published_at=NOW - datetime.timedelta(minutes=n))
        for n in range(45)
    ]
    # Two stories at the same moment: the id breaks the tie.
    ArticleFactory(published_at=stories[10].published_at)
    seen, url, pages = [], "/api/v1/stories", 0
    while url:
        with django_assert_max_num_queries(4):  # stories, bylines; no count
            page = get(url).json()
        seen += [s["id"] for s in page["results"]]
        url, pages = page["next"], pages + 1
    expected = list(
        Article.objects.published()
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 46 and pages == 3


def test_a_made_up_cursor_is_refused(roles):
    ArticleFactory()
    for cursor in ("abc", '["2020-01-01T00:00:00+00:00", 5]'):
        response = get(f"/api/v1/stories?cursor={cursor}")
        assert response.status_code == 400
        assert response.json()["title"] == "Bad cursor"


def test_filters(roles):
    phones, space = SectionFactory(slug="phones"), SectionFactory(slug="space")
    tag = TagFactory(slug="leica")
    ana = AuthorProfileFactory(slug="ana")
    old = ArticleFactory(section=phones, language="es")
    tagged = ArticleFactory(section=space)
    tagged.tags.add(tag)
    by_ana = ArticleFactory(section=space)
    ArticleAuthor.objects.create(article=by_ana, author=ana)
    Article.objects.filter(pk=old.pk).update(
        updated_at=NOW - datetime.timedelta(days=3)
    )
    assert ids(get("/api/v1/stories?section=phones")) == [old.pk]
    assert ids(get("/api/v1/stories?tag=leica")) == [tagged.pk]
    assert ids(get("/api/v1/stories?author=ana")) == [by_ana.pk]
    assert ids(get("/api/v1/stories?language=es")) == [old.pk]
    since = (NOW - datetime.timedelta(days=1)).isoformat()
    response = Client().get("/api/v1/stories", {"updated_since": since})
    assert set(ids(response)) == {tagged.pk, by_ana.pk}
    bad = get("/api/v1/stories?updated_since=yesterday")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "updated_since"]
    for odd in ("section=%00", "tag=a%27b", "author=" + "a" * 81, "language=%00"):
        assert get(f"/api/v1/stories?{odd}").status_code == 422, odd
    assert get("/api/v1/search?q=x&page=0").status_code == 422


def test_removed_stories_and_comments_are_listed_since_a_moment(roles):
    editor = UserFactory(username="ed", groups="Editor")
    story = ArticleFactory(title="Will go")
    kept = ArticleFactory(title="Stays")
    comment = Comment.objects.create(
        article=kept, name="R", email="r@example.com", body="x", status="approved"
    )
    before = timezone.now()
    services.article_unpublish(article=story, user=editor)
    from comments.services import comment_reject

    comment_reject(comment=comment, moderator=editor)
    data = Client().get("/api/v1/removed", {"since": before.isoformat()}).json()
    assert [s["id"] for s in data["stories"]] == [story.pk]
    assert [(c["id"], c["story_id"]) for c in data["comments"]] == [
        (comment.pk, kept.pk)
    ]
    assert get(f"/api/v1/stories/{story.pk}").status_code == 410
    later = Client().get("/api/v1/removed", {"since": timezone.now().isoformat()})
    assert later.json() == {"stories": [], "comments": []}


# -- caching ----------------------------------------------------------------


def test_conditional_requests_answer_304(roles):
    story = ArticleFactory()
    first = get(f"/api/v1/stories/{story.pk}")
    assert first["ETag"] and first["Last-Modified"]
    assert first["Access-Control-Allow-Origin"] == "*"
    again = get(f"/api/v1/stories/{story.pk}", **{"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = get(
        f"/api/v1/stories/{story.pk}", **{"If-Modified-Since": first["Last-Modified"]}
    )
    assert since.status_code == 304


def test_an_edit_shows_on_the_next_request_through_the_page_cache(
    roles, settings, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()
    story = ArticleFactory(title="Before")
    first = get(f"/api/v1/stories/{story.pk}")
    assert "s-maxage=" in first["Cache-Control"] and "article:" in first["xkey"]
    assert first.json()["title"] == "Before"
    listed = get("/api/v1/stories").json()["results"][0]["title"]
    assert listed == "Before"
    story.title = "After"
    with django_capture_on_commit_callbacks(execute=True):
        story.save()  # the one invalidation point
    assert get(f"/api/v1/stories/{story.pk}").json()["title"] == "After"
    assert get("/api/v1/stories").json()["results"][0]["title"] == "After"


# -- errors and the schema --------------------------------------------------------


def test_errors_are_problem_documents(roles):
    for path, status in (
        ("/api/v1/nothing-here", 404),
        ("/api/v2/stories", 404),
        ("/api/v1/stories/999999", 404),
        ("/api/v1/authors/nobody", 404),
        ("/api/v1/search", 422),
        ("/api/v1/search?q=%20", 400),
        ("/api/v1/removed", 422),
    ):
        response = get(path)
        assert response.status_code == status, path
        assert response["Content-Type"] == "application/problem+json", path
        body = response.json()
        assert body["status"] == status and body["title"], path
        assert "Traceback" not in response.content.decode()


def test_the_openapi_document_is_valid_and_documented(roles):
    schema = get("/api/v1/openapi.json").json()
    validate(schema)
    assert {"/api/v1/stories", "/api/v1/stories/{story_id}", "/api/v1/removed"} <= set(
        schema["paths"]
    )
    docs = get("/api/v1/docs/").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn." not in docs  # first-party: no third-party script


def test_a_repeat_without_the_page_cache_runs_no_query(
    roles, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Like the article page's fragments: the answer's JSON is kept under
    its tags' versions, so a repeat reads no database, and an edit shows."""
    settings.NEWSROOM_PAGE_CACHE = False
    cache.clear()
    story = ArticleFactory(title="Kept")
    for path in (f"/api/v1/stories/{story.pk}", "/api/v1/stories"):
        get(path)
        with django_assert_num_queries(0):
            assert get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        story.title = "Changed"
        story.save()
    assert get(f"/api/v1/stories/{story.pk}").json()["title"] == "Changed"
    assert get("/api/v1/stories").json()["results"][0]["title"] == "Changed"


def test_a_deleted_story_readers_had_seen_is_gone_a_deleted_draft_unknown(roles):
    """Deleting through the admin writes the audit entry that is also the
    story's tombstone: 410 and listed as removed once readers had seen it;
    a draft nobody saw stays unknown."""
    editor = UserFactory(username="ed", groups="Editor", is_superuser=True)
    seen = ArticleFactory(title="Seen")
    unseen = ArticleFactory(title="Unseen draft", draft=True)
    scheduled = ArticleFactory(
        title="Pulled before its time", published_at=NOW + datetime.timedelta(hours=2)
    )
    before = timezone.now()
    client = Client()
    client.force_login(editor)
    for article in (seen, unseen):
        response = client.post(
            f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 302
    client.post(
        "/admin/articles/article/",
        {
            "action": "delete_selected",
            "_selected_action": [scheduled.pk],
            "post": "yes",
        },
    )
    assert not Article.objects.filter(
        pk__in=[seen.pk, unseen.pk, scheduled.pk]
    ).exists()
    assert get(f"/api/v1/stories/{seen.pk}").status_code == 410
    assert get(f"/api/v1/stories/{unseen.pk}").status_code == 404
    assert get(f"/api/v1/stories/{scheduled.pk}").status_code == 404
    removed = Client().get("/api/v1/removed", {"since": before.isoformat()}).json()
    assert [s["id"] for s in removed["stories"]] == [seen.pk]
