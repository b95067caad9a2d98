"""The publishing workflow table (articles/workflow.py) as the admin, its
buttons, its read-only fields, its messages and the services read it."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles import services, workflow
from articles.models import Article
from tests.factories import ArticleFactory, UserFactory

from .test_admin import change_data

pytestmark = pytest.mark.django_db


def buttons(html: str) -> list[str]:
    """The workflow row's controls, in order: a submit button's value, or
    `confirm:<action>` for a step that is asked first."""
    if 'aria-label="Workflow"' not in html:
        return []  # no step open to this user: no workflow group at all
    row = html.split('aria-label="Workflow"', 1)[1].split("</span>", 1)[0]
    found = re.findall(
        r'name="_workflow" value="(\w+)"|href="[^"]*/workflow/\?action=(\w+)"', row
    )
    return [value or f"confirm:{asked}" for value, asked in found]


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.mark.parametrize(
    ("state", "role", "expected"),
    [
        ("draft", "Journalist", ["draft", "review"]),
        ("in_review", "Journalist", ["draft", "review"]),
        ("draft", "Editor", ["draft", "review", "schedule", "publish"]),
        ("scheduled", "Editor", ["schedule", "publish", "unschedule"]),
        ("live", "Editor", ["update", "confirm:unpublish"]),
        # Read-only pages offer nothing (before: buttons that answered 403).
        ("live", "Journalist", []),
    ],
)
def test_the_buttons_are_the_table_row_for_the_state_and_the_role(
    client, people, state, role, expected
):
    traits = {
        "draft": {"draft": True},
        "in_review": {"in_review": True},
        "scheduled": {"published_at": timezone.now() + timedelta(days=1)},
        "live": {},
    }[state]
    article = ArticleFactory(created_by=people["Journalist"], **traits)
    assert workflow.state_of(article.status, article.published_at) == state
    client.force_login(people[role])
    response = client.get(change_url(article))
    assert response.status_code == 200
    assert buttons(response.content.decode()) == expected
    # The Status menu offers the same statuses as the buttons.
    form = response.context["adminform"].form
    if "status" in form.fields and not expected == []:
        menu = {value for value, _ in form.fields["status"].choices}
        wanted = {t.status for t in workflow.available(people[role], state)}
        assert menu == wanted


def test_a_journalist_may_not_edit_the_time_an_editor_may(client, people):
    article = ArticleFactory(draft=True, created_by=people["Journalist"])
    client.force_login(people["Journalist"])
    form = client.get(change_url(article)).context["adminform"].form
    assert "published_at" not in form.fields  # shown read-only
    assert sorted(form.fields["status"].choices) == sorted(
        [("draft", "Draft"), ("in_review", "In review")]
    )
    client.force_login(people["Editor"])
    form = client.get(change_url(article)).context["adminform"].form
    assert "published_at" in form.fields


def test_update_keeps_a_live_story_live_and_says_so(client, people):
    article = ArticleFactory(title="Chip plant opens")
    published_at = article.published_at
    client.force_login(people["Editor"])
    response = client.post(
        change_url(article),
        {
            **change_data(article, title="Chip plant opens today"),
            "published_at_0": timezone.localtime(published_at).strftime("%Y-%m-%d"),
            "published_at_1": timezone.localtime(published_at).strftime("%H:%M:%S"),
            "_workflow": "update",
        },
        follow=True,
    )
    article.refresh_from_db()
    assert article.is_published and article.title == "Chip plant opens today"
    assert article.published_at.replace(microsecond=0) == published_at.replace(
        microsecond=0
    )
    html = response.content.decode()
    assert "“Chip plant opens today” is updated" in html
    assert f'<a href="{article.get_absolute_url()}">view it on the site</a>' in html
    assert "was changed successfully" not in html


def test_unpublish_is_asked_first_and_then_says_the_story_is_offline(
    client, people, django_capture_on_commit_callbacks
):
    from django.test import Client

    reader = Client()
    article = ArticleFactory(title="Senate vote")
    public = article.get_absolute_url()
    confirm = reverse("admin:articles_article_workflow", args=[article.pk])
    client.force_login(people["Editor"])
    asked = client.get(confirm, {"action": "unpublish"})
    assert asked.status_code == 200
    assert "takes it off the site at once" in asked.content.decode()
    article.refresh_from_db()
    assert article.is_published  # asking changed nothing
    assert reader.get(public).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(confirm, {"action": "unpublish"}, follow=True)
    html = done.content.decode()
    assert "“Senate vote” is now offline" in html
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert reader.get(public).status_code == 404
    assert article.revisions.count() == 1  # recorded as a version
    # Asked again on a draft: nothing to unpublish, said so, nothing done.
    again = client.post(confirm, {"action": "unpublish"}, follow=True)
    assert "not open to you on this story now" in again.content.decode()


def test_the_confirmation_step_checks_the_user_on_the_server(client, people):
    article = ArticleFactory(created_by=people["Journalist"])
    confirm = reverse("admin:articles_article_workflow", args=[article.pk])
    client.force_login(people["Journalist"])
    assert client.post(confirm, {"action": "unpublish"}).status_code == 403
    article.refresh_from_db()
    assert article.is_published


def test_schedule_and_publish_messages_say_what_happened(client, people):
    article = ArticleFactory(draft=True, title="Launch")
    client.force_login(people["Editor"])
    later = timezone.localtime() + timedelta(days=1)
    scheduled = client.post(
        change_url(article),
        {
            **change_data(article),
            "published_at_0": later.strftime("%Y-%m-%d"),
            "published_at_1": later.strftime("%H:%M:%S"),
            "_workflow": "schedule",
        },
        follow=True,
    )
    assert f"“Launch” is scheduled for {later:%Y-%m-%d %H:%M} (UTC)." in (
        scheduled.content.decode()
    )
    article.refresh_from_db()
    published = client.post(
        change_url(article),
        {**change_data(article), "_workflow": "publish"},
        follow=True,
    )
    article.refresh_from_db()
    assert "“Launch” is published" in published.content.decode()
    assert article.is_published


def test_a_button_not_in_the_table_for_the_user_is_refused(client, people):
    article = ArticleFactory(draft=True, created_by=people["Journalist"])
    client.force_login(people["Journalist"])
    for action in ("publish", "schedule", "update", "unpublish", "nonsense"):
        refused = client.post(
            change_url(article), {**change_data(article), "_workflow": action}
        )
        assert refused.status_code == 200
        assert "That action is not open to you on this story." in (
            refused.content.decode()
        )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_the_services_apply_the_same_table(people):
    live = ArticleFactory()
    with pytest.raises(PermissionDenied, match="Only editors"):
        services.article_unpublish(article=live, user=people["Journalist"])
    # Even an editor moves a live story only along the table.
    with pytest.raises(PermissionDenied, match="This story is live"):
        services.article_move(
            article=live, user=people["Editor"], status=Article.Status.IN_REVIEW
        )
    live.refresh_from_db()
    assert live.is_published
    draft = ArticleFactory(draft=True)
    services.article_move(
        article=draft, user=people["Journalist"], status=Article.Status.IN_REVIEW
    )
    draft.refresh_from_db()
    assert draft.status == Article.Status.IN_REVIEW


def test_every_state_has_a_row_and_every_step_a_message():
    user = UserFactory(is_superuser=True)
    for state in (
        workflow.NEW,
        workflow.DRAFT,
        workflow.IN_REVIEW,
        workflow.SCHEDULED,
        workflow.LIVE,
    ):
        steps = workflow.available(user, state)
        assert steps, state
        assert len({t.action for t in steps}) == len(steps)
        for step in steps:
            article = ArticleFactory(
                title="T", status=step.status, published_at=timezone.now()
            )
            assert "“T”" in workflow.done_message(step.action, article)


def test_a_read_only_page_shows_the_body_as_readers_see_it(client, people):
    article = ArticleFactory(
        body="<p>Chips <strong>made</strong> here.</p><script>alert(1)</script>"
    )
    client.force_login(people["Journalist"])  # not theirs, and live
    html = client.get(change_url(article)).content.decode()
    assert "<p>Chips <strong>made</strong> here.</p>" in html
    assert "&lt;p&gt;" not in html
    assert "<script>alert(1)" not in html
    assert buttons(html) == []


def test_what_a_journalist_may_edit_agrees_with_the_table(people):
    """Article.objects.editable_by (whose stories, in which statuses) and the
    table (which steps) must agree: a journalist may open for editing exactly
    the states in which the table gives them a step."""
    journalist = people["Journalist"]
    for state, traits in {
        workflow.DRAFT: {"draft": True},
        workflow.IN_REVIEW: {"in_review": True},
        workflow.SCHEDULED: {"published_at": timezone.now() + timedelta(hours=1)},
        workflow.LIVE: {},
    }.items():
        article = ArticleFactory(created_by=journalist, **traits)
        editable = Article.objects.editable_by(journalist).filter(pk=article.pk)
        assert editable.exists() == bool(workflow.available(journalist, state)), state


def test_the_revisions_list_says_statuses_in_words(client, people):
    article = ArticleFactory(draft=True, created_by=people["Journalist"])
    client.force_login(people["Editor"])
    url = change_url(article)
    client.post(url, {**change_data(article), "_workflow": "review"})
    later = timezone.localtime() + timedelta(days=1)
    client.post(
        url,
        {
            **change_data(article),
            "_workflow": "schedule",
            "published_at_0": later.strftime("%Y-%m-%d"),
            "published_at_1": later.strftime("%H:%M:%S"),
        },
    )
    html = client.get(
        reverse("admin:articles_article_revisions", args=[article.pk])
    ).content.decode()
    assert "<td>In review</td>" in html
    assert f"<td>Scheduled for {later:%Y-%m-%d %H:%M} (UTC)</td>" in html
    assert "<td>in_review</td>" not in html and "<td>published</td>" not in html
    newer, older = article.revisions.all()[:2]
    diff = client.get(
        reverse("admin:articles_article_revisions", args=[article.pk]),
        {"a": older.pk, "b": newer.pk},
    ).content.decode()
    assert "<del>In review</del> → <ins>Published</ins>" in diff
