"""The desk on the admin's front page: drafts, in review with age, scheduled
with times, recently published; editors see everyone's; counts beside
Articles in the navigation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom(roles):
    jo = UserFactory(username="jo", groups="Journalist")
    other = UserFactory(username="kim", groups="Journalist")
    editor = UserFactory(username="ed", groups="Editor")
    ArticleFactory(title="Jo's draft", draft=True, created_by=jo)
    ArticleFactory(title="Jo's review", in_review=True, created_by=jo)
    ArticleFactory(title="Kim's review", in_review=True, created_by=other)
    ArticleFactory(
        title="Embargoed", created_by=other,
        published_at=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    ArticleFactory(title="Out already", created_by=other)
    return jo, editor


def test_an_editor_sees_the_whole_desk(client, newsroom):
    _, editor = newsroom
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    desk = html.split('id="desk-title"')[1].split("</section>")[0]
    for title in ["Jo&#x27;s review", "Kim&#x27;s review", "Embargoed",
                  "Jo&#x27;s draft", "Out already"]:  # fmt: skip
        assert title in desk, title
    assert 'In review <span class="desk-count">(2)</span>' in desk
    assert "waiting" in desk and "(UTC)" in desk
    assert "(2 in review, 1 scheduled)" in html  # beside Articles


def test_a_journalist_sees_their_own(client, newsroom):
    jo, _ = newsroom
    client.force_login(jo)
    html = client.get("/admin/").content.decode()
    desk = html.split('id="desk-title"')[1].split("</section>")[0]
    assert "Jo&#x27;s review" in desk and "My drafts" in desk
    assert "Kim&#x27;s review" not in desk and "Embargoed" not in desk
    assert "(1 in review, 0 scheduled)" in html


def test_a_moderator_gets_no_desk(client, roles):
    client.force_login(UserFactory(username="mo", groups="Moderator"))
    assert 'id="desk-title"' not in client.get("/admin/").content.decode()
