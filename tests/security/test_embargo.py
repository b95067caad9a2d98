"""Embargoes hold inside the newsroom: role × status × owner over every
admin URL that shows an article's title or text.

A journalist sees and opens only their own unpublished stories (drafts, in
review, scheduled) and what readers already see; editors and admins see
all; moderators and readers none of the back office's articles.
"""

import pytest
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Article, ArticleAuthor
from tests.factories import ArticleFactory, AuthorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

STATES = ["draft", "in_review", "scheduled", "published"]
VIEWERS = ["owner", "co-author", "other journalist", "Editor", "admin", "Moderator"]


def may_see(viewer: str, state: str) -> bool:
    if viewer in {"owner", "co-author", "Editor", "admin"}:
        return True
    if viewer == "other journalist":
        return state == "published"  # readers see it already
    return False  # moderators have no article pages


@pytest.fixture
def newsroom(roles):
    owner = UserFactory(username="owner", groups="Journalist")
    coauthor = UserFactory(username="coauthor", groups="Journalist")
    people = {
        "owner": owner,
        "co-author": coauthor,
        "other journalist": UserFactory(username="other", groups="Journalist"),
        "Editor": UserFactory(username="ed", groups="Editor"),
        "admin": UserFactory(username="root", groups="admin"),
        "Moderator": UserFactory(username="mod", groups="Moderator"),
    }
    profile = AuthorProfileFactory(user=coauthor)
    stories = {}
    for state in STATES:
        article = ArticleFactory(
            **({state: True} if state != "published" else {}),
            title=f"Embargoed {state} headline",
            body=f"<p>Secret body of the {state} story.</p>",
            created_by=owner,
        )
        ArticleAuthor.objects.create(article=article, author=profile)
        services.article_record_revision(article=article, user=owner)
        Article.objects.filter(pk=article.pk).update(
            body=f"<p>Secret body of the {state} story, second version.</p>"
        )
        article.refresh_from_db()
        services.article_record_revision(article=article, user=owner)
        stories[state] = article
    return people, stories


def secrets(article) -> tuple[str, str]:
    return article.title, f"Secret body of the {article.title.split()[1]} story"


def pages(article) -> dict[str, str]:
    pk = article.pk
    revisions = list(article.revisions.order_by("pk").values_list("pk", flat=True))
    base = "/admin/articles/article/"
    return {
        "change list": base,
        "search": f"{base}?q=Embargoed",
        "change": f"{base}{pk}/change/",
        "history": f"{base}{pk}/history/",
        "revisions": f"{base}{pk}/revisions/",
        "compare": f"{base}{pk}/revisions/?a={revisions[0]}&b={revisions[1]}",
        "preview": f"/preview/{pk}/",
        "desk": "/admin/",
        "audit log": "/admin/articles/auditentry/?q=Embargoed",
        "autocomplete": "/admin/autocomplete/?app_label=comments&model_name=comment"
        f"&field_name=article&term={article.title.split()[1]}",
    }


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("state", STATES)
def test_what_each_role_sees_of_each_story(newsroom, viewer, state):
    people, stories = newsroom
    article = stories[state]
    client = Client()
    client.force_login(people[viewer])
    title, body = secrets(article)
    for page, url in pages(article).items():
        response = client.get(url, follow=page in {"history"})
        assert response.status_code < 500, (page, response.status_code)
        content = response.content.decode()
        shown = title in content or body in content
        if page == "preview" and state in {"scheduled", "published"}:
            # Previews are for stories still being written (their owners and
            # editors); a scheduled or live story is previewed by editors.
            expected = viewer in {"Editor", "admin"}
        elif page in {"desk", "audit log"} and viewer in {"Editor", "admin"}:
            expected = None  # every story, in lists of bounded length
        elif page == "desk":
            expected = viewer in {"owner", "co-author"}  # "My stories"
        elif page == "audit log":
            # Moderators read the log (their decisions are in it), but no
            # entry about a story readers cannot see; journalists have none.
            expected = viewer == "Moderator" and state == "published"
        else:
            expected = may_see(viewer, state)
        if expected is not None:
            assert shown is expected, (viewer, state, page, response.status_code)


ACTIONS = ["restore", "autosave", "lock", "unlock", "delete"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", ["draft", "in_review", "scheduled"])
def test_another_journalist_cannot_act_on_an_unpublished_story(newsroom, action, state):
    people, stories = newsroom
    article = stories[state]
    client = Client()
    client.force_login(people["other journalist"])
    pk = article.pk
    revision = article.revisions.order_by("pk").first().pk
    base = f"/admin/articles/article/{pk}/"
    response = {
        "restore": lambda: client.post(f"{base}revisions/{revision}/restore/"),
        "autosave": lambda: client.post(
            reverse("admin:articles_article_autosave"),
            {"article": pk, "form": "title=Overwritten"},
        ),
        "lock": lambda: client.post(f"{base}lock/", {"take_over": "1"}),
        "unlock": lambda: client.post(f"{base}unlock/"),
        "delete": lambda: client.post(f"{base}delete/", {"post": "yes"}),
    }[action]()
    assert response.status_code in (302, 403, 404), response.status_code
    if response.status_code == 302:
        assert f"/{pk}/" not in response["Location"]  # not into the story
    article.refresh_from_db()
    assert article.title == f"Embargoed {state} headline"
    assert "second version" in article.body
    assert Article.objects.filter(pk=pk).exists()
