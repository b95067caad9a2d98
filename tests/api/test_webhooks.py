"""Webhooks against a real local receiver (an HTTP server in a thread):
events recorded with the change and sent after its commit, Standard
Webhooks signatures, retries with backoff and exactly one delivery per
event and hook (through downtime and concurrent workers), disabling after
repeated failures, scheduled stories, secrets shown once and encrypted, and
the refusal of private, loopback and link-local targets."""

import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from api import secrets, services, webhooks
from api.models import Webhook, WebhookDelivery
from articles import services as article_services
from articles.models import Article
from comments.models import Comment
from comments.services import comments_moderate
from tests.factories import ArticleFactory, CommentFactory, SectionFactory, UserFactory

ALL = [e.value for e in Webhook.Event]


class Receiver:
    """A partner's endpoint on 127.0.0.1: records what it is sent; can
    answer an error, be slow, or be down (its port closed)."""

    def __init__(self):
        self.received = []
        self.status = 200
        self.delay = 0.0
        self.lock = threading.Lock()
        self.server = None
        self.port = None
        self.up()

    def up(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/newsroom"

    def events(self):
        return [json.loads(body) for _, body in self.received]

    def ids(self):
        return [headers["webhook-id"] for headers, _ in self.received]


@pytest.fixture
def receiver(settings):
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NEWSROOM_BASE_URL = "https://news.example.com"
    made = Receiver()
    yield made
    made.down()


@pytest.fixture
def hook(db, roles, receiver):
    editor = UserFactory(is_staff=True)
    made, secret = services.webhook_register(
        name="Partner", url=receiver.url, events=ALL, by=editor
    )
    made.plain_secret = secret
    return made


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block as a committed transaction: its on-commit work (the
    worker's job, with the immediate backend) runs at its end."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def editor(roles):
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


# -- targets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6081/purge",  # the edge's purge port
        "http://localhost:6379/",  # Redis
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.5/",
        "http://192.168.1.10:9000/bucket",  # an object store
        "http://172.16.0.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://0.0.0.0/",
        "ftp://example.com/",
        "http://no-such-host.invalid/",
        "javascript:alert(1)",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(url, db, roles):
    with pytest.raises(webhooks.Blocked):
        services.webhook_register(name="x", url=url, events=ALL, by=None)
    assert not Webhook.objects.exists()


def test_the_admin_form_refuses_a_private_target_and_keeps_what_was_typed(
    client, editor
):
    client.force_login(editor)
    response = client.post(
        "/admin/api/webhook/add/",
        {"name": "Sneaky", "url": "http://169.254.169.254/", "events": ALL},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "link-local" in page
    assert 'value="Sneaky"' in page
    assert not Webhook.objects.exists()


def test_a_target_checked_again_at_each_send(hook, receiver, settings):
    # Allowed when registered; the exception is withdrawn since.
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = []
    delivery = WebhookDelivery.objects.create(
        hook=hook,
        event_id="00000000-0000-4000-8000-000000000001",
        event="story.updated",
        payload={"data": {}},
    )
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "loopback" in delivery.last_error
    assert receiver.received == []


# -- secrets ----------------------------------------------------------------


def test_the_secret_is_shown_once_and_stored_encrypted(client, editor, receiver):
    client.force_login(editor)
    response = client.post(
        "/admin/api/webhook/add/",
        {"name": "Partner", "url": receiver.url, "events": ["story.published"]},
    )
    page = response.content.decode()
    secret = page.split('id="hook-secret" type="text" readonly value="')[1].split('"')[
        0
    ]
    assert secret.startswith("whsec_")
    hook = Webhook.objects.get()
    assert secret not in hook.secret and secrets.decrypt(hook.secret) == secret
    assert (
        secret
        not in client.get(f"/admin/api/webhook/{hook.pk}/change/").content.decode()
    )
    # Rotated: a new one, shown once; the old one no longer signs.
    rotated = client.post(
        "/admin/api/webhook/",
        {"action": "rotate_secret", "_selected_action": [hook.pk]},
    ).content.decode()
    new = rotated.split('readonly value="')[1].split('"')[0]
    assert new != secret and secrets.decrypt(Webhook.objects.get().secret) == new


def test_a_secret_under_another_key_is_unreadable(settings):
    token = secrets.encrypt("whsec_x")
    settings.NEWSROOM_SECRETS_KEYS = [secrets.new_key()]
    with pytest.raises(secrets.Unreadable):
        secrets.decrypt(token)
    # Rotation: the new key first, the old one still reads.
    old = secrets.new_key()
    settings.NEWSROOM_SECRETS_KEYS = [old]
    sealed = secrets.encrypt("whsec_y")
    settings.NEWSROOM_SECRETS_KEYS = [secrets.new_key(), old]
    assert secrets.decrypt(sealed) == "whsec_y"


# -- events -----------------------------------------------------------------


def test_each_event_is_sent_signed_after_the_commit(hook, receiver, committed, editor):
    SectionFactory(slug="tech")
    article = ArticleFactory(draft=True, title="Chips")
    with committed():
        article_services.article_publish(article=article, user=editor)
        assert receiver.received == []  # nothing before the commit
    with committed():
        article.title = "Chips, updated"
        article.save()
        article_services.article_record_revision(article=article, user=editor)
    revision = article.revisions.order_by("-pk").first()
    with committed():
        article_services.article_correct(revision=revision, note="Fixed", user=editor)
    comment = CommentFactory(article=article, status=Comment.Status.PENDING)
    with committed():
        comments_moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=Comment.Status.APPROVED,
            moderator=editor,
        )
    with committed():
        article_services.article_unpublish(article=article, user=editor)

    events = receiver.events()
    assert [e["type"] for e in events] == [
        "story.published",
        "story.updated",
        "story.corrected",
        "comment.approved",
        "story.unpublished",
    ]
    assert events[0]["data"]["id"] == article.pk
    assert events[0]["data"]["api_url"] == (
        f"https://news.example.com/api/v1/stories/{article.pk}"
    )
    assert events[1]["data"]["title"] == "Chips, updated"
    assert events[2]["data"]["note"] == "Fixed"
    assert events[3]["data"]["story_id"] == article.pk
    assert "email" not in json.dumps(events[3]) and "ip" not in events[3]["data"]
    for headers, body in receiver.received:
        assert webhooks.verify(hook.plain_secret, headers, body)
        assert headers["webhook-id"] == json.loads(body)["id"]
        assert headers["Idempotency-Key"] == headers["webhook-id"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        "delivered"
    }


def test_a_forged_replayed_or_altered_delivery_fails_verification(
    hook, receiver, committed, editor
):
    SectionFactory()
    with committed():
        article_services.article_publish(
            article=ArticleFactory(draft=True), user=editor
        )
    headers, body = receiver.received[0]
    assert webhooks.verify(hook.plain_secret, headers, body)
    assert not webhooks.verify(hook.plain_secret, headers, body.replace(b"1", b"2"))
    assert not webhooks.verify(webhooks.new_secret(), headers, body)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        assert not webhooks.verify(hook.plain_secret, headers, body)  # a replay


def test_a_change_that_rolls_back_tells_no_one(hook, receiver, editor):
    SectionFactory()
    article = ArticleFactory(draft=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        article_services.article_publish(article=article, user=editor)
        raise RuntimeError("the save fails after the publish")
    assert not WebhookDelivery.objects.exists()


def test_hooks_hear_only_their_events(hook, receiver, committed, editor):
    other = Receiver()
    try:
        services.webhook_register(
            name="Comments only", url=other.url, events=["comment.approved"], by=None
        )
        SectionFactory()
        with committed():
            article_services.article_publish(
                article=ArticleFactory(draft=True), user=editor
            )
        assert len(receiver.received) == 1 and other.received == []
    finally:
        other.down()


def test_a_scheduled_story_is_told_when_it_goes_live_and_only_if_it_does(
    hook, receiver, committed, editor
):
    SectionFactory()
    now = timezone.now()
    later = ArticleFactory(draft=True)
    called_off = ArticleFactory(draft=True)
    with committed():
        for article in (later, called_off):
            article_services.article_publish(
                article=article, user=editor, at=now + datetime.timedelta(hours=2)
            )
    webhooks.deliver_due()
    assert receiver.received == []
    with committed():
        article_services.article_unpublish(article=called_off, user=editor)
    with time_machine.travel(now + datetime.timedelta(hours=2, minutes=1)):
        webhooks.deliver_due()
    assert [e["data"]["id"] for e in receiver.events()] == [later.pk]
    assert WebhookDelivery.objects.get(payload__data__id=called_off.pk).status == (
        "cancelled"
    )


# -- retries and once -------------------------------------------------------


def test_a_receiver_down_for_ten_minutes_gets_every_event_once(
    hook, receiver, committed, editor
):
    SectionFactory()
    start = timezone.now()
    receiver.down()
    stories = [ArticleFactory(draft=True, title=f"Story {n}") for n in range(5)]
    with time_machine.travel(start, tick=True) as clock:
        for article in stories:
            with committed():
                article_services.article_publish(article=article, user=editor)
        # Ten minutes down: each retry (the schedule runs every minute) fails.
        for _ in range(10):
            clock.shift(datetime.timedelta(minutes=1))
            webhooks.deliver_due()
        waiting = WebhookDelivery.objects.filter(status="pending")
        assert waiting.count() == 5
        assert all(d.attempts >= 3 for d in waiting)
        assert all(d.due_at > timezone.now() for d in waiting)  # backing off
        hook.refresh_from_db()
        assert hook.active and hook.failures >= 15 and hook.failing_since

        receiver.up()
        # The schedule's runs, a minute apart: the first delivery due after
        # the return succeeds, and the others waiting go with it.
        minutes = 0
        while not receiver.received:
            minutes += 1
            clock.shift(datetime.timedelta(minutes=1))
            webhooks.deliver_due()
        assert minutes <= 10  # the longest wait so far
        assert len(receiver.received) == 5
        webhooks.deliver_due()  # another run finds nothing more to send
    titles = sorted(e["data"]["title"] for e in receiver.events())
    assert titles == sorted(a.title for a in stories)
    assert len(set(receiver.ids())) == len(receiver.ids()) == 5
    hook.refresh_from_db()
    assert hook.failures == 0 and hook.failing_since is None


def test_backoff_grows_and_gives_up_after_three_days(hook, receiver, editor):
    assert [webhooks.wait_after(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
    receiver.status = 500
    delivery = WebhookDelivery.objects.create(
        hook=hook,
        event_id="00000000-0000-4000-8000-000000000002",
        event="story.updated",
        payload={"data": {}},
    )
    webhooks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status == 500
    assert "HTTP 500" in delivery.last_error
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        webhooks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2


def test_a_hook_failing_for_a_day_is_disabled_and_enabled_again(
    hook, receiver, committed, editor
):
    receiver.status = 503
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(12):
            WebhookDelivery.objects.create(
                hook=hook,
                event_id=f"00000000-0000-4000-8000-{n:012d}",
                event="story.updated",
                payload={"data": {"n": n}},
                created_at=start,
                due_at=start,
            )
        webhooks.deliver_due()
        clock.shift(datetime.timedelta(hours=25))
        webhooks.deliver_due()
    hook.refresh_from_db()
    assert not hook.active and "503" in hook.disabled_reason
    sent_while_failing = len(receiver.received)
    # Disabled: nothing is sent, nothing new recorded.
    webhooks.deliver_due()
    assert len(receiver.received) == sent_while_failing
    receiver.status = 200
    with committed():
        services.webhook_enable(hook=hook, by=editor)
    delivered = WebhookDelivery.objects.filter(status="delivered").count()
    assert delivered == 12


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_event_once(roles, receiver):
    hook, _ = services.webhook_register(
        name="Partner", url=receiver.url, events=ALL, by=None
    )
    receiver.delay = 0.05
    for n in range(20):
        WebhookDelivery.objects.create(
            hook=hook,
            event_id=f"00000000-0000-4000-8000-{n:012d}",
            event="story.updated",
            payload={"data": {"n": n}},
        )

    def worker():
        try:
            webhooks.deliver_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.ids()) == 20 and len(set(receiver.ids())) == 20
    assert WebhookDelivery.objects.filter(status="delivered").count() == 20


def test_the_delivery_log_sends_again_with_the_same_id(
    client, hook, receiver, committed, editor
):
    SectionFactory()
    with committed():
        article_services.article_publish(
            article=ArticleFactory(draft=True), user=editor
        )
    delivery = WebhookDelivery.objects.get()
    client.force_login(editor)
    page = client.get("/admin/api/webhookdelivery/").content.decode()
    assert "story.published" in page and "Delivered" in page
    with committed():
        client.post(
            "/admin/api/webhookdelivery/",
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )
    assert receiver.ids() == [str(delivery.event_id)] * 2
    # Journalists see no hooks.
    journalist = UserFactory(is_staff=True)
    from django.contrib.auth.models import Group

    journalist.groups.add(Group.objects.get(name="Journalist"))
    client.force_login(journalist)
    assert client.get("/admin/api/webhook/").status_code == 403


def test_deleting_a_public_story_tells_the_hooks(client, hook, receiver, committed):
    admin = UserFactory(is_staff=True, is_superuser=True)
    story = ArticleFactory()
    client.force_login(admin)
    with committed():
        client.post(f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"})
    assert not Article.objects.filter(pk=story.pk).exists()
    event = receiver.events()[-1]
    assert event["type"] == "story.unpublished" and event["data"]["deleted"] is True


def test_the_example_receiver_checks_signatures(db, roles, committed, editor, settings):
    """scripts/webhook_receiver.py, as docs/api.md runs it: a delivery is
    printed; a forged one is refused with 400."""
    import socket
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    from pathlib import Path

    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook, secret = services.webhook_register(
        name="Example", url=f"http://127.0.0.1:{port}/", events=ALL, by=editor
    )
    script = Path(__file__).resolve().parents[2] / "scripts" / "webhook_receiver.py"
    process = subprocess.Popen(
        [sys.executable, str(script), "--secret", secret, "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in process.stdout.readline()
        SectionFactory()
        article = ArticleFactory(draft=True, title="Receiver test")
        with committed():
            article_services.article_publish(article=article, user=editor)
        assert process.stdout.readline().split()[:2] == [
            "story.published",
            str(article.pk),
        ]
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            data=b'{"type":"story.published","data":{}}',
            headers={
                "webhook-id": "x",
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": "v1,AAAA",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 400
    finally:
        process.kill()
        process.wait()
