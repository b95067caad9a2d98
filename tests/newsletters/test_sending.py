"""The send pipeline (#32 part 2) against a real SMTP server in this
process (aiosmtpd): every confirmed subscriber exactly once, with the
list headers; a 5xx refusal suppresses the address; an unsubscribe during
the send is honoured; a worker stopped between the server's acceptance
and the row's update is settled by the MTA's log, never sending twice
and never missing anyone."""

import datetime
import email
import email.policy
import io
import threading

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from comments.models import MailAddress
from comments.services import mail_address_suppress
from newsletters import sending, services
from newsletters.models import Delivery, Send, Subscription
from tests.processes import free_port

pytestmark = pytest.mark.django_db


class Server:
    """An SMTP server that keeps what it accepts and refuses one address
    with 550."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.refuse_sender = False

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.refuse_sender:
            return "501 5.1.7 Bad sender address syntax"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("refused@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                (
                    envelope.mail_from,
                    envelope.rcpt_tos,
                    email.message_from_bytes(envelope.content),
                )
            )
        return "250 Queued"

    def ids(self):
        return [m["Message-ID"] for _, _, m in self.messages]


@pytest.fixture
def smtp(settings):
    handler = Server()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.NEWSROOM_BASE_URL = "https://news.example.com"
    settings.DEFAULT_FROM_EMAIL = "Newsroom <newsletters@news.example.com>"
    yield handler
    controller.stop()


@pytest.fixture
def edition(lists):
    briefing = lists["morning-briefing"]
    for n in range(30):
        services.subscriptions_set(
            email=f"reader{n}@example.com", newsletters=[briefing]
        )
    services.subscriptions_set(email="refused@example.com", newsletters=[briefing])
    services.newsletter_signup(  # never confirmed: not a recipient
        email="pending@example.com", newsletters=[briefing], ip=None
    )
    services.subscriptions_set(email="gone@example.com", newsletters=[briefing])
    mail_address_suppress(email="gone@example.com")
    return Send.objects.create(
        newsletter=briefing,
        subject="Tuesday: the chip plant",
        text="The day's top stories.",
        html=(
            "<html><body><table><tr><td>The day's top stories.</td></tr>"
            "</table></body></html>"
        ),
    )


def start(send, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return sending.send_start(send=send)


def test_every_confirmed_subscriber_gets_it_once_with_the_list_headers(
    smtp, edition, django_capture_on_commit_callbacks
):
    assert start(edition, django_capture_on_commit_callbacks) == 31
    got = sorted(rcpt[0] for _, rcpt, _ in smtp.messages)
    assert got == sorted(f"reader{n}@example.com" for n in range(30))
    assert len(set(smtp.ids())) == 30
    mail_from, _, message = smtp.messages[0]
    delivery = Delivery.objects.get(message_id=message["Message-ID"])
    assert mail_from == f"bounces+{delivery.pk}@news.example.com"  # VERP
    assert message["List-Id"] == "Morning briefing <morning-briefing.news.example.com>"
    assert message["List-Unsubscribe"].startswith(
        "<https://news.example.com/newsletters/unsubscribe/"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert "The day's top stories." in parts["text/plain"]
    assert "Unsubscribe from Morning briefing" in parts["text/html"]
    assert "<img" not in parts["text/html"]  # no tracking pixel
    edition.refresh_from_db()
    assert edition.status == "done"
    assert sending.progress(edition) == {
        "queued": 0,
        "sending": 0,
        "sent": 30,
        "failed": 1,
        "skipped": 0,
    }
    # A second start sends nothing again.
    start(edition, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 30


def test_a_5xx_refusal_suppresses_the_address_at_once(
    smtp, edition, django_capture_on_commit_callbacks
):
    start(edition, django_capture_on_commit_callbacks)
    refused = Delivery.objects.get(email="refused@example.com")
    assert refused.status == "failed" and refused.error.startswith("550")
    assert MailAddress.objects.of("refused@example.com").suppressed().exists()


def test_an_unsubscribe_during_the_send_is_never_lost(
    smtp, edition, monkeypatch, django_capture_on_commit_callbacks
):
    handed = sending._hand_over

    def and_someone_leaves(mta, message):
        handed(mta, message)
        services.unsubscribe(
            email="reader29@example.com", newsletter_id=edition.newsletter_id
        )

    monkeypatch.setattr(sending, "_hand_over", and_someone_leaves)
    # Rows are claimed (and their subscriptions read) a chunk at a time: the
    # reader leaves while an earlier chunk is sent.
    monkeypatch.setattr(sending, "CHUNK", 5)
    start(edition, django_capture_on_commit_callbacks)
    assert Delivery.objects.get(email="reader29@example.com").status == "skipped"
    assert "reader29@example.com" not in [r[0] for _, r, _ in smtp.messages]
    assert not Subscription.objects.filter(
        subscriber__email="reader29@example.com"
    ).exists()


class Killed(BaseException):
    """The worker process dies (not an error the job could catch)."""


@pytest.mark.parametrize("accepted", [True, False])
def test_a_worker_killed_mid_send_misses_no_one_and_repeats_no_one(
    smtp,
    edition,
    monkeypatch,
    tmp_path,
    settings,
    accepted,
    django_capture_on_commit_callbacks,
):
    """Killed right after the MTA accepted the 5th message (`accepted`), or
    right before it did: the row is left `sending`; once its claim is old,
    the MTA's log decides."""
    log = tmp_path / "mta.log"
    settings.NEWSROOM_MTA_LOG = str(log)
    handed, count, fifth = sending._hand_over, [0], []

    def dies_on_the_fifth(mta, message):
        count[0] += 1
        if count[0] == 5:
            fifth.append(message.extra_headers["Message-ID"])
            if accepted:
                handed(mta, message)
                # Postfix's cleanup logs the Message-ID as it takes it.
                log.write_text(
                    "Dec  7 00:01:02 newsroom postfix/cleanup[77]: 4F2A1: "
                    f"message-id={message.extra_headers['Message-ID']}\n"
                )
            raise Killed
        handed(mta, message)

    monkeypatch.setattr(sending, "_hand_over", dies_on_the_fifth)
    sending.send_start(send=edition)  # its batches not queued: run here
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    with pytest.raises(Killed):
        sending.send_batch.call(edition.pk, ids[0], ids[-1])
    stuck = Delivery.objects.get(message_id=fifth[0])
    assert stuck.status == "sending"
    assert len(smtp.messages) == (5 if accepted else 4)

    monkeypatch.setattr(sending, "_hand_over", handed)
    # Too early: a live worker may still be sending it; nothing moves.
    assert sending.reconcile() == {"sent": 0, "queued": 0}
    later = timezone.now() + datetime.timedelta(
        seconds=settings.NEWSROOM_NEWSLETTER_CLAIM_SECONDS + 1
    )
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        settled = sending.reconcile()
    # The message the MTA took is sent; the rest of its chunk (all 31 rows
    # were claimed together), never handed over, is queued again.
    assert settled["sent"] == (1 if accepted else 0)
    assert settled["queued"] == 27 - settled["sent"]
    with django_capture_on_commit_callbacks(execute=True):
        sending.queue_batches(edition.pk)
    recipients = [r[0] for _, r, _ in smtp.messages]
    assert sorted(recipients) == sorted(f"reader{n}@example.com" for n in range(30))
    assert len(recipients) == len(set(recipients)) == 30  # none twice
    stuck.refresh_from_db()
    assert stuck.status == "sent"


def test_a_test_send_goes_to_the_editor_only(lists):
    send = Send.objects.create(
        newsletter=lists["breaking-news"],
        subject="Alert",
        text="Big news.",
        html="<p>Big news.</p>",
    )
    sending.send_test(send=send, email="editor@example.com")
    (message,) = mail.outbox
    assert message.to == ["editor@example.com"] and message.subject == "[Test] Alert"
    assert not Delivery.objects.exists()


def test_delivery_rows_are_kept_thirty_days(lists):
    send = Send.objects.create(
        newsletter=lists["breaking-news"],
        subject="x",
        text="x",
        html="x",
        status="done",
        finished_at=timezone.now() - datetime.timedelta(days=31),
    )
    Delivery.objects.create(
        send=send, email="a@example.com", message_id="<a@x>", status="sent"
    )
    recent = Send.objects.create(
        newsletter=lists["breaking-news"],
        subject="y",
        text="y",
        html="y",
        status="done",
        finished_at=timezone.now(),
    )
    Delivery.objects.create(
        send=recent, email="a@example.com", message_id="<b@x>", status="sent"
    )
    assert sending.deliveries_forget() == 1
    assert list(Delivery.objects.values_list("message_id", flat=True)) == ["<b@x>"]


def test_the_unsubscribe_header_reaches_mail_clients_unencoded(smtp, edition):
    """A long List-Unsubscribe address is not folded into RFC 2047 encoded
    words (mail clients would not find the address); comments' mail too."""
    from comments.mail import confirmation_message

    sending.send_start(send=edition)
    delivery = Delivery.objects.filter(status="queued").first()
    for message in (
        sending.message_for(edition, delivery),
        confirmation_message("someone.with.a.long.address@example.com"),
    ):
        raw = message.message(policy=email.policy.SMTP).as_bytes()
        header = [
            line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:")
        ]
        assert header and b"=?utf-8?" not in header[0]
        assert header[0].startswith(b"List-Unsubscribe: <http")


def test_messages_are_dkim_signed_when_a_key_is_set(edition, settings, tmp_path):
    """Signed for the From domain; a receiver that finds the public key in
    DNS verifies it; changing the body breaks it."""
    import base64

    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    (tmp_path / "dkim.pem").write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    settings.NEWSROOM_DKIM_SELECTOR = "news2026"
    settings.NEWSROOM_DKIM_KEY_FILE = str(tmp_path / "dkim.pem")
    settings.DEFAULT_FROM_EMAIL = "Newsroom <newsletters@news.example.com>"
    settings.NEWSROOM_BASE_URL = "https://news.example.com"

    def dns(name, timeout=5):
        assert name == b"news2026._domainkey.news.example.com."
        return record

    sending.send_start(send=edition)
    delivery = Delivery.objects.filter(status="queued").first()
    raw = (
        sending.message_for(edition, delivery)
        .message(policy=email.policy.SMTP)
        .as_bytes()
    )
    assert (
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=news.example.com"
        in raw
    )
    assert dkim.verify(raw, dnsfunc=dns)
    assert not dkim.verify(raw.replace(b"top stories", b"top storiez"), dnsfunc=dns)


DSN = """From: MAILER-DAEMON@mx.example.org
To: {verp}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system: <{to}>: host mx.example.org said: 550 5.1.1 User unknown

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {to}
Action: {action}
Status: {status}

--B--
"""


@pytest.mark.parametrize(
    "status, action, suppressed",
    [("5.1.1", "failed", True), ("4.4.1", "delayed", False)],
)
def test_a_bounce_that_comes_back_later_suppresses_the_address(
    smtp,
    edition,
    django_capture_on_commit_callbacks,
    status,
    action,
    suppressed,
    monkeypatch,
):
    from io import StringIO

    from django.core.management import call_command

    start(edition, django_capture_on_commit_callbacks)
    mail_from, rcpt, _ = smtp.messages[3]
    raw = DSN.format(verp=mail_from, to=rcpt[0], status=status, action=action)
    out = StringIO()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw.encode())))
    call_command("newsletter_bounce", mail_from, stdout=out)
    assert MailAddress.objects.of(rcpt[0]).suppressed().exists() is suppressed
    assert ("Suppressed" in out.getvalue()) is suppressed
    # Not a VERP address of ours: nothing happens.
    assert sending.bounce_received(recipient="someone@example.com", raw=b"") is None


def test_a_refused_sender_blames_no_reader(
    smtp, edition, django_capture_on_commit_callbacks
):
    """The MTA refuses our return path (a configuration fault): nobody is
    suppressed, every row waits for the next run, the job fails."""
    smtp.refuse_sender = True
    start(edition, django_capture_on_commit_callbacks)
    assert smtp.messages == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"queued"}
    assert (
        not MailAddress.objects.suppressed().exclude(email="gone@example.com").exists()
    )
    smtp.refuse_sender = False
    with django_capture_on_commit_callbacks(execute=True):
        sending.queue_batches(edition.pk)
    assert len(smtp.messages) == 30
