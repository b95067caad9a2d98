"""Writes for comments: submission, moderation, bans and privacy requests."""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles import audit
from articles.invalidation import article_tags, invalidate
from articles.models import fit

from . import moderation
from .models import (
    LIVE_STATUSES,
    BannedCommenter,
    Comment,
    CommentDecision,
    is_duplicate_error,
)
from .sql import fetch_one_prepared
from .tasks import moderators_notice_due


class ParentNotAllowed(Exception):
    """A reply to a comment that is unknown, not approved or on another article."""


@dataclass
class Submission:
    decision: moderation.Decision
    comment: Comment | None = None


def _lock(*keys: str) -> None:
    """Serialize submissions per sender (IP, email) across every app server:
    one statement taking the locks in a fixed (sorted) order."""
    keys = sorted(k for k in keys if k)
    locks = ", ".join(["pg_advisory_xact_lock(hashtextextended(%s, 0))"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {locks}", keys)


_INSERT_SQL = """
WITH new AS (
  INSERT INTO {comment} (article_id, parent_id, thread_id, depth, user_id, name,
                         email, body, status, rule, ip, user_agent, created_at)
  VALUES (%(article)s, %(parent)s, %(thread)s, %(depth)s, %(user)s, %(name)s,
          %(email)s, %(body)s, %(status)s, %(rule)s, %(ip)s, %(user_agent)s,
          %(created_at)s)
  RETURNING id
)
INSERT INTO {decision} (comment_id, status, rule, created_at)
SELECT id, %(status)s, %(rule)s, %(created_at)s FROM new
RETURNING comment_id
"""


def _insert_with_decision(comment: Comment) -> None:
    """Store a new comment and the decision that placed it, in one prepared
    statement (the two ORM inserts were a third of a post's CPU). The unique
    index on live comments still raises IntegrityError for a duplicate."""
    params = {
        "article": comment.article_id,
        "parent": comment.parent_id,
        "thread": comment.thread_id,
        "depth": comment.depth,
        "user": comment.user_id,
        "name": comment.name,
        "email": comment.email,
        "body": comment.body,
        "status": comment.status,
        "rule": comment.rule,
        "ip": comment.ip,
        "user_agent": comment.user_agent,
        "created_at": comment.created_at,
    }
    sql = _INSERT_SQL.format(
        comment=Comment._meta.db_table, decision=CommentDecision._meta.db_table
    )
    (comment.pk,) = fetch_one_prepared(sql, params)
    comment._state.adding = False
    comment._state.db = "default"


def resolve_parent(*, article, parent_id) -> Comment | None:
    """The approved comment on `article` being replied to (None: no reply)."""
    if not parent_id:
        return None
    parent = Comment.objects.approved().filter(article=article, pk=parent_id).first()
    if parent is None:
        raise ParentNotAllowed
    return parent


def comment_submit(
    *,
    article,
    name: str,
    email: str,
    body: str,
    parent: Comment | None = None,
    ip: str | None = None,
    user_agent: str = "",
    honeypot: str = "",
    form_age: float | None = None,
    form_age_measured: bool = True,
    user=None,
) -> Submission:
    """Run the moderation policy and store the comment unless it is refused."""
    is_moderator = bool(user and user.has_perm("comments.can_moderate"))
    try:
        with transaction.atomic():
            _lock(f"comment-ip:{ip}" if ip else "", f"comment-email:{email.lower()}")
            decision = moderation.decide(
                name=name,
                email=email,
                body=body,
                ip=ip,
                honeypot=honeypot,
                form_age=form_age,
                form_age_measured=form_age_measured,
                is_moderator=is_moderator,
            )
            if decision.refused:
                return Submission(decision=decision)
            comment = Comment(
                article=article,
                user=user if user and user.is_authenticated else None,
                name=name,
                email=email,
                body=body,
                status=decision.status,
                rule=decision.rule,
                ip=moderation.stored_ip(ip),
                user_agent=fit(Comment, "user_agent", user_agent),
            )
            comment.reply_to(parent)
            _insert_with_decision(comment)
            if comment.status == Comment.Status.PENDING:
                transaction.on_commit(moderators_notice_due)
            elif comment.status == Comment.Status.APPROVED:
                invalidate(*article_tags(article.pk))
        return Submission(decision=decision, comment=comment)
    except IntegrityError as error:
        # Rule 4: the duplicate index refused the row; nothing is kept.
        if not is_duplicate_error(error):
            raise
        return Submission(decision=moderation.DUPLICATE)


def comments_moderate(*, comments: QuerySet, status: str, moderator) -> int:
    """Set `status` on every comment in `comments` not already in it; each
    change is recorded (who, when). Returns how many changed. A comment that
    would become a live twin of another (rule 4) keeps its status."""
    now = timezone.now()
    rule = f"moderator:{status}"
    changes = {"status": status, "rule": rule, "moderated_by": moderator}
    changes["moderated_at"] = now
    with transaction.atomic():
        ids = list(
            comments.exclude(status=status)
            .select_for_update()
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        articles = set(
            Comment.objects.filter(pk__in=ids).values_list("article_id", flat=True)
        )
        if status in LIVE_STATUSES:
            # The duplicate index is the judge: one row at a time, oldest
            # first, so of two twins the first is kept.
            ids = [pk for pk in ids if _set_unless_duplicate(pk, changes)]
        else:
            Comment.objects.filter(pk__in=ids).update(**changes)
        for article_pk in articles:  # approved or removed: their pages change
            invalidate(*article_tags(article_pk))
        CommentDecision.objects.bulk_create(
            CommentDecision(comment_id=pk, status=status, rule=rule, actor=moderator)
            for pk in ids
        )
        audit.record_many(
            moderator, f"comment {status}", "comments.comment", ids, f"comment {status}"
        )
    return len(ids)


def _set_unless_duplicate(pk: int, changes: dict) -> bool:
    try:
        with transaction.atomic():
            Comment.objects.filter(pk=pk).update(**changes)
        return True
    except IntegrityError as error:
        if not is_duplicate_error(error):
            raise
        return False


def comment_approve(*, comment: Comment, moderator) -> int:
    return comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=moderator,
    )


def comment_reject(*, comment: Comment, moderator) -> int:
    return comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.REJECTED,
        moderator=moderator,
    )


def comment_mark_spam(*, comment: Comment, moderator) -> int:
    return comments_moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.SPAM,
        moderator=moderator,
    )


def commenter_ban(
    *,
    comment: Comment,
    moderator,
    by_email: bool = True,
    by_ip: bool = True,
    spam_pending: bool = False,
    reason: str = "",
) -> BannedCommenter | None:
    """Ban the comment's author by email and/or IP; optionally mark all their
    pending comments as spam."""
    email = comment.email if by_email else ""
    ip = comment.ip if by_ip else None
    if not email and not ip:
        return None
    with transaction.atomic():
        ban = BannedCommenter.objects.create(
            email=email, ip=ip, reason=reason, created_by=moderator
        )
        audit.record(moderator, "ban", ban, reason=reason)
        if spam_pending:
            theirs = Comment.objects.pending().by_email(comment.email)
            if ip:
                theirs = theirs | Comment.objects.pending().filter(ip=ip)
            comments_moderate(
                comments=theirs, status=Comment.Status.SPAM, moderator=moderator
            )
    return ban


def commenter_export(*, email: str) -> dict:
    """All data held for `email`, as JSON-ready data."""
    rows = Comment.objects.by_email(email).select_related("article").order_by("pk")
    return {
        "email": email,
        "exported_at": timezone.now().isoformat(),
        "comments": [
            {
                "id": c.pk,
                "article": c.article.title,
                "article_url": c.article.get_absolute_url(),
                "name": c.name,
                "email": c.email,
                "body": c.body,
                "status": c.status,
                "ip": c.ip,
                "user_agent": c.user_agent,
                "created_at": c.created_at.isoformat(),
                "parent_id": c.parent_id,
            }
            for c in rows
        ],
        "bans": [
            {"email": b.email, "ip": b.ip, "created_at": b.created_at.isoformat()}
            for b in BannedCommenter.objects.filter(email__iexact=email)
        ],
    }


def commenter_export_json(*, email: str) -> str:
    return json.dumps(commenter_export(email=email), indent=2, ensure_ascii=False)


ERASED_TEXT = "[deleted at the author's request]"


def commenter_erase(*, email: str, delete_text: bool = False) -> int:
    """Anonymize every comment by `email`: name "Anonymous", email and IP
    blanked, user agent dropped; the text is kept unless `delete_text`."""
    changes = {"name": "Anonymous", "email": "", "ip": None, "user_agent": ""}
    if delete_text:
        changes["body"] = ERASED_TEXT
    with transaction.atomic():
        comments = Comment.objects.by_email(email)
        for article_pk in set(comments.values_list("article_id", flat=True)):
            invalidate(*article_tags(article_pk))
        if delete_text:
            # The duplicate rule must not trip over several erased bodies.
            count = 0
            for comment in comments.select_for_update():
                for key, value in changes.items():
                    setattr(comment, key, value)
                comment.body = f"{ERASED_TEXT} #{comment.pk}"
                comment.save(update_fields=[*changes])
                count += 1
        else:
            count = comments.update(**changes)
        # The log names no address: it is what was erased.
        audit.record(
            None,
            "erase",
            summary=f"{count} comment(s) of one commenter anonymized",
            comments=count,
            text_deleted=delete_text,
        )
        return count


def comments_purge_ips(*, older_than_days: int | None = None) -> int:
    """Blank IP addresses of comments older than the retention period."""
    days = older_than_days or settings.COMMENTS_IP_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    return Comment.objects.filter(created_at__lt=cutoff, ip__isnull=False).update(
        ip=None
    )
