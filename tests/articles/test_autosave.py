"""Autosave of the article form: unsaved changes kept per user and article
(never a revision), offered back, restored into the form, discarded, and
gone once the article is saved."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from articles.models import ArticleDraftCopy, ArticleRevision
from tests.articles.test_admin import change_data
from tests.factories import ArticleFactory, SectionFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db
AUTOSAVE = "/admin/articles/article/autosave/"


@pytest.fixture
def editor(client, roles):
    user = UserFactory(username="ed", groups="Editor")
    client.force_login(user)
    return user


def autosave(client, article, **fields):
    form = urlencode({"csrfmiddlewaretoken": "x", **fields}, doseq=True)
    return client.post(
        AUTOSAVE, {"article": article.pk if article else "", "form": form}
    )


def test_unsaved_changes_are_kept_and_offered_back(client, editor):
    article = ArticleFactory(draft=True, title="Stored title")
    tag = TagFactory(name="Leica")
    response = autosave(
        client, article, title="Typed title", standfirst="Typed dek",
        tags=[tag.pk], comments_open="on", published_at_0="2026-12-01",
        published_at_1="09:30:00", website="ignored",
    )  # fmt: skip
    assert response.status_code == 200 and "saved_at" in response.json()
    copy = ArticleDraftCopy.objects.get(user=editor, article=article)
    assert copy.data["title"] == ["Typed title"] and "website" not in copy.data
    assert "csrfmiddlewaretoken" not in copy.data
    assert not ArticleRevision.objects.filter(article=article).exists()
    url = reverse("admin:articles_article_change", args=[article.pk])
    page = client.get(url).content.decode()
    assert "You have unsaved changes to this article from" in page
    restored = client.get(url, {"restore": "1"}).content.decode()
    assert 'value="Typed title"' in restored and "Typed dek" in restored
    assert re.search(rf'<option value="{tag.pk}" selected>Leica', restored)
    assert 'value="2026-12-01"' in restored and 'value="09:30:00"' in restored
    assert "Restored your unsaved changes" in restored


def test_saving_the_article_ends_the_copy(client, editor):
    article = ArticleFactory(draft=True)
    autosave(client, article, title="Typed")
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert client.post(url, change_data(article, title="Saved")).status_code == 302
    assert not ArticleDraftCopy.objects.exists()
    assert "You have unsaved changes" not in client.get(url).content.decode()


def test_a_copy_older_than_the_stored_article_is_not_offered(client, editor):
    article = ArticleFactory(draft=True)
    autosave(client, article, title="Old typing")
    article.title = "Saved later by someone"
    article.save()
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert "You have unsaved changes" not in client.get(url).content.decode()


def test_a_new_article_is_kept_and_discarded(client, editor):
    section = SectionFactory()
    autosave(client, None, title="Breaking: chips", section=section.pk)
    add = client.get("/admin/articles/article/add/").content.decode()
    assert "You have unsaved changes" in add
    restored = client.get("/admin/articles/article/add/", {"restore": "1"})
    assert 'value="Breaking: chips"' in restored.content.decode()
    gone = client.post(AUTOSAVE, {"article": "", "discard": "1"})
    assert gone.status_code == 302 and gone["Location"].endswith("/add/")
    assert not ArticleDraftCopy.objects.exists()


def test_only_those_who_may_edit_it_can_keep_a_copy(client, roles):
    article = ArticleFactory(draft=True)
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    assert autosave(client, article, title="Not mine").status_code == 403
    client.force_login(UserFactory(username="mo", groups="Moderator"))
    assert autosave(client, None, title="No").status_code == 403
    client.logout()
    assert autosave(client, None, title="No").status_code == 302  # to the login
    assert not ArticleDraftCopy.objects.exists()
