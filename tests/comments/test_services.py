import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from comments import services
from comments.models import BannedCommenter, Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bulk_moderation_records_who_and_when():
    moderator = UserFactory(username="mod")
    comments = CommentFactory.create_batch(3, pending=True)
    changed = services.comments_moderate(
        comments=Comment.objects.filter(pk__in=[c.pk for c in comments]),
        status=Comment.Status.APPROVED,
        moderator=moderator,
    )
    assert changed == 3
    for comment in Comment.objects.all():
        assert comment.status == "approved"
        assert comment.moderated_by == moderator and comment.moderated_at
        last = comment.decisions.last()
        assert (last.status, last.actor, last.rule) == (
            "approved",
            moderator,
            "moderator:approved",
        )


def test_moderating_twice_changes_nothing_the_second_time():
    moderator = UserFactory(username="mod")
    comment = CommentFactory(pending=True)
    assert services.comment_approve(comment=comment, moderator=moderator) == 1
    assert services.comment_approve(comment=comment, moderator=moderator) == 0
    assert comment.decisions.count() == 1


def test_approving_a_duplicate_keeps_rule_four():
    moderator = UserFactory(username="mod")
    live = CommentFactory(pending=True, body="Same", email="a@example.com")
    twin = CommentFactory(
        spam=True, body="Same", email="a@example.com", article=live.article
    )
    assert services.comment_approve(comment=twin, moderator=moderator) == 0
    twin.refresh_from_db()
    assert twin.status == "spam"


def test_ban_with_pending_to_spam():
    moderator = UserFactory(username="mod")
    comment = CommentFactory(pending=True, email="bad@example.com", ip="203.0.113.9")
    other = CommentFactory(pending=True, email="bad@example.com", ip="192.0.2.1")
    same_ip = CommentFactory(pending=True, email="x@example.com", ip="203.0.113.9")
    innocent = CommentFactory(pending=True)
    ban = services.commenter_ban(
        comment=comment, moderator=moderator, spam_pending=True
    )
    assert (ban.email, ban.ip) == ("bad@example.com", "203.0.113.9")
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses[comment.pk] == statuses[other.pk] == statuses[same_ip.pk] == "spam"
    assert statuses[innocent.pk] == "pending"


def test_ban_by_email_only():
    comment = CommentFactory(email="bad@example.com", ip="203.0.113.9")
    services.commenter_ban(
        comment=comment, moderator=None, by_ip=False, spam_pending=False
    )
    ban = BannedCommenter.objects.get()
    assert ban.ip is None and ban.email == "bad@example.com"


def test_export_and_erase_by_email():
    mine = CommentFactory(email="me@example.com", name="Me", body="Keep me")
    CommentFactory(email="other@example.com")
    data = services.commenter_export(email="ME@example.com")
    assert [c["body"] for c in data["comments"]] == ["Keep me"]
    assert data["comments"][0]["ip"] == "203.0.113.7"
    assert services.commenter_erase(email="me@example.com") == 1
    mine.refresh_from_db()
    assert (mine.name, mine.email, mine.ip, mine.body) == (
        "Anonymous",
        "",
        None,
        "Keep me",
    )


def test_erase_can_delete_text():
    mine = CommentFactory(email="me@example.com", body="Delete me")
    services.commenter_erase(email="me@example.com", delete_text=True)
    mine.refresh_from_db()
    assert "Delete me" not in mine.body
    assert mine.body.startswith(services.ERASED_TEXT)


def test_privacy_commands(capsys):
    CommentFactory(email="me@example.com", body="Mine")
    call_command("comments_export", "me@example.com")
    exported = json.loads(capsys.readouterr().out)
    assert exported["comments"][0]["body"] == "Mine"
    call_command("comments_erase", "me@example.com", "--delete-text")
    assert not Comment.objects.filter(body="Mine").exists()
    assert Comment.objects.get().name == "Anonymous"


def test_purge_old_ips_command(settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 30
    old = CommentFactory()
    Comment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    new = CommentFactory()
    call_command("comments_purge_ips")
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.ip is None and new.ip == "203.0.113.7"
