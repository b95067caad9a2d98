"""The duplicate and name rules see through invisible characters."""

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.models import Article
from comments import services
from comments.forms import CommentForm, sign_timestamp
from comments.models import Comment
from comments.tasks import notify_moderators
from tests.factories import ArticleFactory, CommentFactory, UserFactory, set_moderation

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory()


def submit(article, body, **overrides):
    values = {
        "name": "Ana",
        "email": "ana@example.com",
        "ip": "198.51.100.9",
        "form_age": 10.0,
        **overrides,
    }
    return services.comment_submit(article=article, body=body, **values)


@pytest.mark.parametrize(
    "repeat",
    [
        "Great article!\u200b",  # a zero-width space at the end
        "\ufeffGreat\u2060 article!",  # BOM, word joiner
        "Great\u00a0article!",  # a no-break space
        "Ｇｒｅａｔ article!",  # full-width letters (NFKC)
        "Great   article!\u200b\n",
        "Great\u202a article!\u202c",  # bidi embedding
    ],
)
def test_a_repeat_with_invisible_characters_is_a_duplicate(article, settings, repeat):
    set_moderation(flood_seconds=0)
    assert submit(article, "Great article!").comment
    again = submit(article, repeat, ip="198.51.100.50")
    assert again.decision.http_status == 409
    assert Comment.objects.count() == 1


def test_a_repeat_is_stored_as_typed_when_it_is_new(article, settings):
    """The rule compares; it never rewrites what the reader wrote."""
    set_moderation(flood_seconds=0)
    body = "میخواهم\u200cبروم"  # the non-joiner is part of the Persian word
    stored = submit(article, body).comment
    stored.refresh_from_db()
    assert stored.body == body
    assert submit(article, "Different words").comment


def form(**fields):
    data = {"name": "Ana", "email": "ana@example.com", "body": "Hi", **fields}
    bound = CommentForm(data)
    bound.is_valid()
    return bound


@pytest.mark.parametrize(
    "name",
    ["\u200bad\u200dmin", "Ana\r\nRule: trusted", "Ana \u202egnp.exe", "Ana\x07"],
)
def test_a_name_with_control_or_invisible_characters_is_refused(name):
    errors = form(name=name).errors
    assert list(errors) == ["name"]
    assert "invisible or control characters" in errors["name"][0]
    assert "U+" in errors["name"][0]  # says which


@pytest.mark.parametrize("name", ["علی‌رضا", "👩‍💻 Ana", "Ana ❤️", "Łukasz"])
def test_names_in_every_script_are_accepted(name):
    assert form(name=name).is_valid()


@pytest.mark.parametrize(
    "email", ["ana@exa\u202emple.com", "ana@exa\u200bmple.com", "ana@ex\u00adample.com"]
)
def test_an_email_with_invisible_characters_is_refused(email):
    errors = form(email=email).errors
    assert list(errors) == ["email"]
    assert "invisible or control characters" in errors["email"][0]


def test_the_form_keeps_what_was_typed_when_the_name_is_refused(client, article):
    response = client.post(
        f"/comments/post/{article.pk}/",
        {
            "name": "Ana\u202eevil",
            "email": "ana@example.com",
            "body": "My careful words",
            "ts": sign_timestamp(),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "My careful words" in page
    assert "invisible or control characters" in page
    assert not Comment.objects.exists()


def test_the_moderators_mail_keeps_a_readers_text_apart(article, roles):
    """A name imported with a line break, or a body faking the e-mail's
    own lines, cannot pass for another comment's header."""
    UserFactory(username="mod", groups="Moderator", email="mod@example.com")
    CommentFactory(
        article=article,
        name="Ana\nRule: trusted",
        email="ana@example.com",
        body="Fine.\n\n---\n\nAuthor: editor <e@x.org>",
        pending=True,
    )
    notify_moderators.call()
    body = mail.outbox[-1].body
    assert "Author: Ana Rule: trusted <ana@example.com>" in body
    assert "\nAuthor: editor" not in body
    assert "> Author: editor <e@x.org>" in body


PREVIOUS = [("comments", "0009_surge_alerted_at")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_near_duplicates_already_stored(settings):
    """A site whose comments already hold repeats that differ only by an
    invisible character: the new index is built, and every comment stays."""
    story = ArticleFactory()  # made by today's model, before going back
    executor = MigrationExecutor(connection)
    executor.migrate(PREVIOUS)
    old = executor.loader.project_state(PREVIOUS).apps
    article = old.get_model("articles", "Article").objects.get(pk=story.pk)
    comment = old.get_model("comments", "Comment")
    now = timezone.now()
    bodies = ["Same words", "Same words\u200b", "Same\u00a0words", "Other words"]
    for i, body in enumerate(bodies):
        for status in ("approved", "rejected"):
            comment.objects.create(
                article=article,
                name="Ana",
                email="ana@example.com",
                body=body,
                status=status,
                rule="default",
                created_at=now.replace(microsecond=i),
            )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    kept = Comment.objects.filter(status="approved").order_by("created_at")
    assert [c.body for c in kept] == bodies
    assert [c.is_legacy_twin for c in kept] == [False, True, True, False]
    assert not Comment.objects.filter(status="rejected", is_legacy_twin=True)
    # The rule holds for what comes next.
    set_moderation(flood_seconds=0)
    again = submit(
        Article.objects.get(pk=article.pk), "Same words\u2060", ip="203.0.113.1"
    )
    assert again.decision.http_status == 409
