"""The article edit lock (WordPress's post lock): who is editing, since when,
take over, kept alive by the open form, released on leave, lapsing after
NEWSROOM_EDIT_LOCK_SECONDS."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import ArticleLock
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(roles):
    ana = UserFactory(
        username="ana", first_name="Ana", last_name="Souza", groups="Editor"
    )
    ben = UserFactory(username="ben", groups="Editor")
    return ana, ben, ArticleFactory(draft=True)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_second_editor_sees_who_and_since_when(desk):
    ana, ben, article = desk
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert browser(ana).get(url).status_code == 200
    html = browser(ben).get(url).content.decode()
    assert "Ana Souza</strong> is editing this article" in html
    assert 'data-held="no"' in html
    assert ArticleLock.objects.get(article=article).user == ana


def test_take_over_release_and_lapse(desk, settings):
    ana, ben, article = desk
    settings.NEWSROOM_EDIT_LOCK_SECONDS = 60
    lock_url = reverse("admin:articles_article_lock", args=[article.pk])
    a, b = browser(ana), browser(ben)
    a.get(reverse("admin:articles_article_change", args=[article.pk]))
    # Ben's heartbeat does not take a fresh lock.
    state = b.post(lock_url, headers={"accept": "application/json"}).json()
    assert state["held"] is False and state["by"] == "Ana Souza"
    # Taking over moves it; Ana's next heartbeat learns it.
    assert b.post(lock_url, {"take_over": "1"}).status_code == 302
    state = a.post(lock_url, headers={"accept": "application/json"}).json()
    assert state == {**state, "held": False, "by": "ben"}
    # Ana leaving does not release Ben's lock; Ben leaving does.
    a.post(reverse("admin:articles_article_unlock", args=[article.pk]))
    assert ArticleLock.objects.get(article=article).user == ben
    b.post(reverse("admin:articles_article_unlock", args=[article.pk]))
    assert not ArticleLock.objects.filter(article=article).exists()
    # A lock not renewed for its lifetime lapses: the next opener gets it.
    services.article_lock(article=article, user=ana)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        lock = services.article_lock(article=article, user=ben)
    assert lock.user == ben


def test_only_those_who_may_edit_can_lock(desk, roles):
    _, _, article = desk
    moderator = browser(UserFactory(username="mo", groups="Moderator"))
    lock_url = reverse("admin:articles_article_lock", args=[article.pk])
    assert moderator.post(lock_url).status_code == 403
    assert (
        browser(UserFactory(username="jo", groups="Journalist"))
        .post(lock_url)
        .status_code
        == 403
    )  # someone else's draft
