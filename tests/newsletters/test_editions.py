"""#32 part 3: the morning briefing composed from the front page and the
most read, reordered and introduced by an editor, previewed, scheduled;
breaking alerts from a story with the recipients named first, at most N a
day per list, audited. Mail-client HTML with a text part, in the site's
language."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from articles import front
from articles.models import AuditEntry
from audience.models import ViewCount
from newsletters import editions, services
from newsletters.models import Send
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(roles):
    user = UserFactory(is_staff=True, email="editor@example.com")
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def stories(roles):
    section = SectionFactory(name="Hot News", slug="hot-news")
    now = timezone.now()
    return [
        ArticleFactory(
            title=f"Story {n}",
            standfirst=f"Standfirst {n} <b>bold</b>",
            section=section,
            published_at=now - datetime.timedelta(hours=n + 1),
        )
        for n in range(6)
    ]


def test_the_briefing_takes_the_front_then_the_most_read(lists, stories, editor):
    front.front_place(user=editor, kind="lead", article=stories[3])
    front.front_place(user=editor, kind="top", article=stories[5])
    ViewCount.objects.create(
        period=timezone.now().replace(second=0, microsecond=0),
        article=stories[1],
        source="direct",
        views=40,
    )
    send = editions.briefing_compose(newsletter=lists["morning-briefing"])
    assert send.story_ids[:3] == [stories[3].pk, stories[5].pk, stories[1].pk]
    assert send.status == "draft"
    assert "Story 3" in send.html and "Story 3" in send.text
    assert "Standfirst 3 &lt;b&gt;bold&lt;/b&gt;" in send.html  # escaped
    assert "<table" in send.html and 'lang="en"' in send.html
    assert "<script" not in send.html
    # Once a day: asked again, the same draft.
    assert editions.briefing_compose(newsletter=lists["morning-briefing"]) == send


def test_an_empty_front_falls_back_to_the_newest(lists, stories):
    send = editions.briefing_compose(newsletter=lists["morning-briefing"])
    assert send.story_ids[0] == stories[0].pk


def test_the_briefing_is_composed_at_its_time_and_sent_when_scheduled(
    lists, stories, settings, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_BRIEFING_TIME = "06:30"
    services.subscriptions_set(
        email="a@example.com", newsletters=[lists["morning-briefing"]]
    )
    day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0)
    with time_machine.travel(day, tick=False):
        assert editions.briefings_due() == []  # not yet
    with time_machine.travel(day.replace(minute=31), tick=False):
        (draft,) = editions.briefings_due()
        assert not mail.outbox  # a draft, for an editor
        draft.scheduled_for = day.replace(hour=7)
        draft.save()
    with time_machine.travel(day.replace(hour=7, minute=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            editions.briefings_due()
    (message,) = mail.outbox
    assert message.to == ["a@example.com"] and "Story 0" in message.body
    draft.refresh_from_db()
    assert draft.status == "done"


def test_an_editor_reorders_adds_an_intro_and_previews(lists, stories, editor):
    send = editions.briefing_compose(newsletter=lists["morning-briefing"])
    client = Client()
    client.force_login(editor)
    page = client.get(f"/admin/newsletters/send/{send.pk}/change/").content.decode()
    assert f"{stories[0].pk} · Story 0" in page
    lines = f"{stories[2].pk} · Story 2\n{stories[0].pk}\n"
    response = client.post(
        f"/admin/newsletters/send/{send.pk}/change/",
        {
            "newsletter": lists["morning-briefing"].pk,
            "subject": send.subject,
            "intro": "Good morning. <script>x</script>",
            "stories": lines,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    send.refresh_from_db()
    assert send.story_ids == [stories[2].pk, stories[0].pk]
    assert send.html.index("Story 2") < send.html.index("Story 0")
    assert "Good morning. &lt;script&gt;" in send.html
    preview = client.get(f"/admin/newsletters/send/{send.pk}/preview/")
    assert "Story 2" in preview.content.decode()
    assert preview["Content-Security-Policy"].startswith("sandbox")
    bad = client.post(
        f"/admin/newsletters/send/{send.pk}/change/",
        {
            "newsletter": lists["morning-briefing"].pk,
            "subject": "x",
            "stories": "999999",
        },
    )
    assert "No published story has the number 999999" in bad.content.decode()
    # A test send to oneself.
    client.post(
        "/admin/newsletters/send/",
        {"action": "send_test", "_selected_action": [send.pk]},
    )
    assert [m.to for m in mail.outbox] == [["editor@example.com"]]


def test_a_breaking_alert_names_its_recipients_and_is_limited_and_audited(
    lists, stories, editor, settings, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_ALERTS_PER_DAY = 2
    alerts = lists["breaking-news"]
    for n in range(3):
        services.subscriptions_set(email=f"r{n}@example.com", newsletters=[alerts])
    client = Client()
    client.force_login(editor)
    story = stories[0]
    page = client.get(f"/admin/articles/article/{story.pk}/change/").content.decode()
    assert "Send a breaking alert" in page
    confirm = client.get(f"/admin/newsletters/send/alert/{story.pk}/").content.decode()
    assert "3 subscribers" in confirm and "0 of 2 alerts sent today" in confirm
    assert not mail.outbox  # a GET sends nothing
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/admin/newsletters/send/alert/{story.pk}/",
                {"newsletter": alerts.pk, "note": "Just in"},
            )
    assert len(mail.outbox) == 6
    assert mail.outbox[0].subject == "Story 0" and "Just in" in mail.outbox[0].body
    third = client.post(
        f"/admin/newsletters/send/alert/{story.pk}/",
        {"newsletter": alerts.pk},
        follow=True,
    )
    assert "2 alerts today, the most a day" in third.content.decode()
    assert len(mail.outbox) == 6
    entry = AuditEntry.objects.filter(action="breaking alert").first()
    assert entry.actor == editor and entry.detail["recipients"] == 3


def test_journalists_send_no_alerts(lists, stories, roles):
    journalist = UserFactory(is_staff=True)
    journalist.groups.add(Group.objects.get(name="Journalist"))
    client = Client()
    client.force_login(journalist)
    assert (
        client.get(f"/admin/newsletters/send/alert/{stories[0].pk}/").status_code == 403
    )
    assert not Send.objects.exists()
