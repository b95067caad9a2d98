"""The front page editors arrange (#29 item 1 and the front's part of item
3): lead, top stories and pins, each with optional times; what readers see
when, the admin page (without JavaScript), the audit log, the invalidation
and the page and edge lifetimes the clock limits."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from articles import front
from articles.models import AuditEntry, FrontSlot
from caching import tagversions
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/articles/frontslot/"
Kind = FrontSlot.Kind


@pytest.fixture
def editor(roles):
    return UserFactory(username="ed", groups="Editor")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def lead_title(html: str) -> str:
    return re.search(r'<h2 id="lead-title"[^>]*><a[^>]*>([^<]+)</a>', html)[1]


def test_the_lead_an_editor_chose_leads_and_the_newest_leads_otherwise(
    client, editor, commit
):
    chosen = ArticleFactory(title="The chosen lead")
    ArticleFactory(title="The newest story")
    assert lead_title(client.get("/").content.decode()) == "The newest story"
    with commit():
        front.front_place(user=editor, kind=Kind.LEAD, article=chosen)
    html = client.get("/").content.decode()
    assert lead_title(html) == "The chosen lead"
    latest = html.split('id="latest-title"')[1].split("</section>")[0]
    assert "The chosen lead" not in latest and "The newest story" in latest


def test_of_several_leads_the_one_that_started_last_leads(editor):
    first, second, later = ArticleFactory(), ArticleFactory(), ArticleFactory()
    front.front_place(user=editor, kind=Kind.LEAD, article=first)
    front.front_place(user=editor, kind=Kind.LEAD, article=second)
    assert front.front_at().lead == second
    noon = timezone.now() + timedelta(hours=1)
    front.front_place(user=editor, kind=Kind.LEAD, article=later, starts_at=noon)
    assert front.front_at().lead == second
    assert front.front_at(noon + timedelta(seconds=1)).lead == later


def test_an_unpublished_story_never_shows_even_placed(client, editor):
    ArticleFactory(title="The newest story")
    draft = ArticleFactory(title="A draft", draft=True)
    scheduled = ArticleFactory(title="Scheduled", scheduled=True)
    for kind in Kind.values:
        for article in (draft, scheduled):
            front.front_place(user=editor, kind=kind, article=article)
    html = client.get("/").content.decode()
    assert lead_title(html) == "The newest story"
    assert "A draft" not in html and "Scheduled" not in html
    section_page = client.get(draft.section.get_absolute_url()).content.decode()
    assert "A draft" not in section_page
    assert front.front_at().lead is None


def test_top_stories_in_the_editors_order_and_pins_top_their_section(client, editor):
    hot = SectionFactory(name="Hot News", slug="hot-news")
    old_pinned = ArticleFactory(title="Old but pinned", section=hot)
    for n in range(5):
        ArticleFactory(title=f"Hot story {n}", section=hot)
    first = ArticleFactory(title="First top")
    second = ArticleFactory(title="Second top")
    ArticleFactory(title="The newest story")  # leads
    front.front_place(user=editor, kind=Kind.TOP, article=second)
    front.front_place(user=editor, kind=Kind.TOP, article=first)
    front.front_place(user=editor, kind=Kind.PIN, article=old_pinned)
    top = front.front_at().top
    assert [a.title for a in top] == ["Second top", "First top"]
    slot = FrontSlot.objects.get(kind=Kind.TOP, article=first)
    front.front_move(user=editor, slot=slot, step=-1)
    assert [a.title for a in front.front_at().top] == ["First top", "Second top"]
    html = client.get("/").content.decode()
    top = html.split('id="top-title"')[1].split("</section>")[0]
    assert top.index("First top") < top.index("Second top")
    hot_block = html.split('id="section-hot-news"')[1].split("</section>")[0]
    assert hot_block.index("Old but pinned") < hot_block.index("Hot story 4")
    section = client.get(hot.get_absolute_url()).content.decode()
    assert section.index("Old but pinned") < section.index("Hot story 4")
    # Placed twice, shown once: a top story keeps one place.
    front.front_place(user=editor, kind=Kind.TOP, article=first)
    assert FrontSlot.objects.filter(kind=Kind.TOP).count() == 2


def test_times_in_the_past_or_backwards_are_refused(editor):
    article = ArticleFactory()
    now = timezone.now()
    with pytest.raises(Exception, match="already past"):
        front.front_place(
            user=editor, kind=Kind.LEAD, article=article, ends_at=now - timedelta(1)
        )
    with pytest.raises(Exception, match="after the start"):
        front.front_place(
            user=editor,
            kind=Kind.LEAD,
            article=article,
            starts_at=now + timedelta(hours=2),
            ends_at=now + timedelta(hours=1),
        )
    assert not FrontSlot.objects.exists()


def test_scheduled_and_expiring_places_change_the_page_with_no_save(client, editor):
    morning = ArticleFactory(title="The morning lead")
    pinned = ArticleFactory(title="Pinned for an hour")
    ArticleFactory(title="The newest story")
    now = timezone.now()
    six = now + timedelta(minutes=30)
    front.front_place(user=editor, kind=Kind.LEAD, article=morning, starts_at=six)
    front.front_place(
        user=editor, kind=Kind.TOP, article=pinned, ends_at=now + timedelta(minutes=60)
    )
    html = client.get("/").content.decode()
    assert lead_title(html) == "The newest story"
    assert (
        "Pinned for an hour" in html.split('id="top-title"')[1].split("</section>")[0]
    )
    assert client.get("/")["X-Page-Cache"] == "hit"
    stored = cache.get(tagversions.VERSION_PREFIX + "front")
    with time_machine.travel(six + timedelta(seconds=1), tick=False):
        html = client.get("/").content.decode()
        assert lead_title(html) == "The morning lead"
    with time_machine.travel(now + timedelta(minutes=61), tick=False):
        assert 'id="top-title"' not in client.get("/").content.decode()
    assert cache.get(tagversions.VERSION_PREFIX + "front") == stored  # no write


def test_the_edge_keeps_the_home_page_only_until_the_next_front_change(
    client, editor, settings
):
    settings.NEWSROOM_CDN_MAX_AGE = 3600
    article = ArticleFactory()
    front.front_place(
        user=editor,
        kind=Kind.TOP,
        article=article,
        ends_at=timezone.now() + timedelta(seconds=300),
    )
    home = client.get("/")
    assert home["xkey"] == "comment-counts front lists site"
    assert 295 <= int(re.search(r"s-maxage=(\d+)", home["Cache-Control"])[1]) <= 301
    # An article page does not show the front: its lifetime is not cut.
    page = client.get(article.get_absolute_url())
    assert "front" not in page["xkey"]
    assert "s-maxage=3600" in page["Cache-Control"]


def test_a_change_reaches_the_cached_home_and_leaves_article_pages(
    client, editor, commit
):
    article = ArticleFactory(title="Soon the lead")
    ArticleFactory(title="The newest story")
    client.get("/"), client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    with commit():
        front.front_place(user=editor, kind=Kind.LEAD, article=article)
    assert lead_title(client.get("/").content.decode()) == "Soon the lead"
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"


def test_the_arrangement_page_without_javascript(client, editor):
    client.force_login(editor)
    a, b, c = (ArticleFactory(title=t) for t in ("Alpha", "Bravo", "Charlie"))
    for article in (a, b, c):
        response = client.post(
            URL,
            {"action": "place", "place": "top", "top-article": article.pk},
        )
        assert response.status_code == 302
    page = client.get(URL).content.decode()
    assert page.index("Alpha") < page.index("Bravo") < page.index("Charlie")
    charlie = FrontSlot.objects.get(article=c)
    client.post(URL, {"action": "up", "slot": charlie.pk})
    order = list(
        FrontSlot.objects.filter(kind=Kind.TOP)
        .order_by("position")
        .values_list("article__title", flat=True)
    )
    assert order == ["Alpha", "Charlie", "Bravo"]
    bravo = FrontSlot.objects.get(article=b)
    client.post(
        URL,
        {"action": "reorder", "slot": bravo.pk, "order": f"{bravo.pk},{charlie.pk}"},
    )
    order = list(
        FrontSlot.objects.filter(kind=Kind.TOP)
        .order_by("position")
        .values_list("article__title", flat=True)
    )
    assert order == ["Bravo", "Charlie", "Alpha"]
    response = client.post(URL, {"action": "remove", "slot": bravo.pk}, follow=True)
    assert "Removed from the front page" in response.content.decode()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("front-top") == 3
    assert {"front-reorder", "front-remove"} <= set(actions)


def test_a_refused_place_keeps_what_was_typed(client, editor):
    client.force_login(editor)
    article = ArticleFactory(title="Alpha")
    response = client.post(
        URL,
        {
            "action": "place",
            "place": "lead",
            "lead-article": article.pk,
            "lead-starts_at": "2099-01-02T06:00",
            "lead-ends_at": "2099-01-02T05:00",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "The end must come after the start" in html
    assert 'value="2099-01-02T06:00"' in html and 'value="2099-01-02T05:00"' in html
    assert not FrontSlot.objects.exists()


def test_only_editors_arrange_the_front(client, roles):
    article = ArticleFactory()
    journalist = UserFactory(username="jo", groups="Journalist")
    client.force_login(journalist)
    assert client.get(URL).status_code == 403
    post = {"action": "place", "place": "lead", "lead-article": article.pk}
    assert client.post(URL, post).status_code == 403
    assert client.get(URL + "preview/").status_code == 403
    assert not FrontSlot.objects.exists()


def test_the_preview_shows_the_home_page_at_a_later_moment(client, editor):
    client.force_login(editor)
    later = ArticleFactory(title="Tomorrow's lead")
    ArticleFactory(title="The newest story")
    tomorrow = timezone.localtime() + timedelta(days=1)
    front.front_place(user=editor, kind=Kind.LEAD, article=later, starts_at=tomorrow)
    now = client.get(URL + "preview/").content.decode()
    assert lead_title(now) == "The newest story" and "Preview: the home page" in now
    at = (tomorrow + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    then = client.get(URL + "preview/", {"at": at}).content.decode()
    assert lead_title(then) == "Tomorrow&#x27;s lead"
    assert client.get("/").status_code == 200
    assert lead_title(client.get("/").content.decode()) == "The newest story"


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_lead_story_marks_into_front_places(roles):
    """One mechanism, not two: the newest published story marked "lead
    story" leads, the other marked ones become top stories, newest first."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    older, newer, draft = (
        ArticleFactory(title="Older featured"),
        ArticleFactory(title="Newer featured"),
        ArticleFactory(title="Featured draft", draft=True),
    )
    before = [("articles", "0027_section_required_to_publish")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("articles", "Article").objects.filter(
        pk__in=[older.pk, newer.pk, draft.pk]
    ).update(is_featured=True)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    slots = list(FrontSlot.objects.order_by("kind", "position"))
    assert [(s.kind, s.article_id) for s in slots] == [
        ("lead", newer.pk),
        ("top", older.pk),
    ]
    assert front.front_at().lead == newer
