"""The public corrections log: an editor marks a revision as a correction
with a note; the story shows it with its time; a site-wide page and feed
list them."""

import pytest
from django.urls import reverse

from articles.models import ArticleRevision, Correction
from articles.services import article_record_revision
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corrected(client, roles, django_capture_on_commit_callbacks):
    editor = UserFactory(username="ed", groups="Editor")
    article = ArticleFactory(title="Chip plant opens", body="<p>It opens in May.</p>")
    client.get(article.get_absolute_url())  # cached before the correction
    article.body = "<p>It opens in June.</p>"
    article.save()
    revision = article_record_revision(article=article, user=editor)
    client.force_login(editor)
    url = reverse("admin:articles_article_correction", args=[article.pk, revision.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"note": "An earlier version said May <b>."})
    assert response.status_code == 302
    client.logout()
    return article


def test_the_story_shows_its_correction(client, corrected):
    html = client.get(corrected.get_absolute_url()).content.decode()
    assert "Corrections" in html
    assert "An earlier version said May &lt;b&gt;." in html
    assert Correction.objects.get().revision == ArticleRevision.objects.get()


def test_the_corrections_page_and_feed(client, corrected):
    page = client.get("/corrections/").content.decode()
    assert "Chip plant opens" in page and "An earlier version said May" in page
    feed = client.get("/corrections/feed/").content.decode()
    assert "<title>Correction: Chip plant opens</title>" in feed
    assert "An earlier version said May &amp;lt;b&amp;gt;." in feed
    assert 'href="/corrections/"' in client.get("/").content.decode()  # footer


def test_only_editors_publish_corrections_and_a_note_is_needed(client, roles):
    article = ArticleFactory()
    revision = article_record_revision(article=article, user=None)
    url = reverse("admin:articles_article_correction", args=[article.pk, revision.pk])
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    assert client.post(url, {"note": "No"}).status_code == 403
    client.force_login(UserFactory(username="ed", groups="Editor"))
    client.post(url, {"note": "   "})
    assert not Correction.objects.exists()


def test_a_correction_soon_after_publication_shows_updated_with_its_time(
    client, roles, django_capture_on_commit_callbacks
):
    """The "Updated" line hides changes in the first 10 minutes (typos
    fixed at once), but never a correction: 20 s after publication it shows,
    with the correction's time."""
    from datetime import timedelta

    from django.utils import timezone

    editor = UserFactory(username="ed", groups="Editor")
    published = timezone.now() - timedelta(seconds=20)
    article = ArticleFactory(title="Senate vote", published_at=published)
    type(article).objects.filter(pk=article.pk).update(updated_at=published)
    url = article.get_absolute_url()
    assert "Updated" not in client.get(url).content.decode()
    revision = article_record_revision(article=article, user=editor)
    client.force_login(editor)
    correction = reverse(
        "admin:articles_article_correction", args=[article.pk, revision.pk]
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(correction, {"note": "The vote was 41 to 39, not 39 to 41."})
    client.logout()
    html = client.get(url).content.decode()
    byline = html[html.index('class="byline') :][:800]
    made = timezone.localtime(Correction.objects.get().created_at)
    assert "Updated" in byline
    assert made.isoformat(timespec="minutes")[:16] in byline  # its <time datetime>
