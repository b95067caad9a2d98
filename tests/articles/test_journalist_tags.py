"""Journalists create tags (as WordPress authors may), not sections; the
article form's tag search finds tags for them; help texts show their words."""

import pytest

from articles.models import Tag
from tests.factories import TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def journalist(client, roles):
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    return client


def test_a_journalist_creates_a_tag_but_not_a_section(journalist):
    response = journalist.post(
        "/admin/articles/tag/add/", {"name": "Semiconductors", "slug": "semiconductors"}
    )
    assert response.status_code == 302
    assert Tag.objects.filter(slug="semiconductors").exists()
    assert journalist.get("/admin/articles/section/add/").status_code == 403


def test_the_article_forms_tag_search_finds_tags_for_a_journalist(journalist):
    TagFactory(name="Xiaomi", slug="xiaomi")
    response = journalist.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "tags",
         "term": "xiao"},
    )  # fmt: skip
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Xiaomi"]
    form = journalist.get("/admin/articles/article/add/").content.decode()
    assert 'id="add_id_tags"' in form  # the "+" to create one from the form


def test_the_source_help_text_shows_its_words(journalist):
    form = journalist.get("/admin/articles/article/add/").content.decode()
    assert "followed by this name" in form
