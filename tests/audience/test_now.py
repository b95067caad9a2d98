""" "Now" for editors (#35 item 3): the top stories of the last 5 and 60
minutes, views per minute as a server-drawn line, the sources' shares;
journalists see their own stories' figures, editors all."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audience.models import ViewCount
from audience.now import now_figures
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/audience/viewcount/"


def read(article, views, minutes_ago, source="direct"):
    ViewCount.objects.create(
        period=(timezone.now() - timedelta(minutes=minutes_ago)).replace(
            second=0, microsecond=0
        ),
        article=article,
        source=source,
        views=views,
    )


@pytest.fixture
def newsroom(roles):
    jo = UserFactory(username="jo", groups="Journalist")
    mine = ArticleFactory(title="Jo's story", created_by=jo)
    other = ArticleFactory(title="Someone else's story")
    read(mine, 5, 2, "search"), read(mine, 7, 30, "social")
    read(other, 50, 40, "direct"), read(other, 1, 1, "search")
    read(other, 999, 200)  # more than an hour ago: not in "now"
    return {"jo": jo, "ed": UserFactory(username="ed", groups="Editor"),
            "mine": mine, "other": other}  # fmt: skip


def test_editors_see_every_story_in_order(newsroom):
    figures = now_figures(newsroom["ed"])
    assert [(r.article.title, r.last60) for r in figures.rows] == [
        ("Someone else's story", 51),
        ("Jo's story", 12),
    ]
    assert [(r.article.title, r.last5) for r in figures.top5] == [
        ("Jo's story", 5),
        ("Someone else's story", 1),
    ]
    assert figures.total5 == 6 and figures.total60 == 63
    shares = {s["label"]: (s["views"], s["share"]) for s in figures.sources}
    assert shares["Search"] == (6, 10) and shares["Direct"] == (50, 79)
    line = figures.rows[0]
    assert len(line.per_minute) == 60 and sum(line.per_minute) == 51
    assert len(line.points.split()) == 60


def test_journalists_see_their_own_stories_only(newsroom):
    figures = now_figures(newsroom["jo"])
    assert [r.article.title for r in figures.rows] == ["Jo's story"]
    assert figures.total60 == 12


def test_the_page_costs_the_same_queries_whatever_the_data(client, newsroom):
    client.force_login(newsroom["ed"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(30):
        story = ArticleFactory()
        for minute in range(0, 60, 3):
            read(story, n + 1, minute)
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert len(many) == len(few)
    assert len(re.findall(r"<polyline ", html)) == 10  # the top ten, each a line
    assert 'id="now-auto"' in html  # refreshes itself, the editor can stop it


def test_readers_and_moderators_get_no_figures(client, newsroom):
    client.force_login(UserFactory(username="mod", is_staff=True, groups="Moderator"))
    assert client.get(URL).status_code == 403
    client.force_login(newsroom["jo"])
    html = client.get(URL).content.decode()
    assert "Jo&#x27;s story" in html and "Someone else" not in html
