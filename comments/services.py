"""Writes for comments: submission, moderation, bans and privacy requests."""

import functools
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import audit
from articles.invalidation import article_tag
from articles.models import Article, fit, person_name
from caching.invalidation import invalidate
from infra import events, sqlcache

from . import moderation
from .counts import comment_counts_refresh  # noqa: F401  (the desk tick's)
from .models import (
    LEGAL_HOLD_TAG,
    LIVE_STATUSES,
    MODERATE_PERMISSION,
    UNDO_RULE,
    BannedCommenter,
    Comment,
    CommentClaim,
    CommentDecision,
    CommentReport,
    CommentSurge,
    DecisionMail,
    LegalHold,
    MailAddress,
    ModerationSettings,
    ReplyMail,
    held_article_ids,
    is_duplicate_error,
)
from .preferences import current
from .sql import fetch_one_prepared
from .tasks import (
    comment_counts_ask,
    moderators_notice_due,
    send_confirmation_mail,
    send_decision_mails,
    send_due_decision_mails,  # noqa: F401  (a service: tests call it)
    send_due_mails,  # noqa: F401  (a service: the desk and commands call it)
    send_due_reply_mails,  # noqa: F401  (a service: tests call it)
    send_reply_mails,
    surge_alert,
)


class ParentNotAllowed(Exception):
    """A reply to a comment that is unknown, not approved or on another article."""


@dataclass
class Submission:
    decision: moderation.Decision
    comment: Comment | None = None
    # Top-level comments the poster sees before the new one's thread.
    earlier: int = 0


def _lock(*keys: str) -> tuple[str, list]:
    """The statement that serializes submissions per sender (IP, email)
    across every app server, taking the locks in a fixed (sorted) order.
    moderation.decide runs it before reading anything the rules ask.

    It also turns sequential and bitmap scans off for the rest of the post's
    transaction. The rules statement (moderation.py) is prepared once per
    connection, and a plan made while the comments table was nearly empty (a
    new site, a test) scans it whole; PostgreSQL keeps that plan until it
    analyzes the table again (autovacuum: a minute or more), while a burst of
    comments grows it: every post then read the whole table four times
    (docs/benchmarks.md). Bitmap scans likewise: on a table purged of most
    of its rows, whose b-tree indexes keep their size, the flood rule read
    every recent comment through the small BRIN index on created_at. Every
    question they ask has its ordered b-tree index. JIT goes off with it:
    the cost that turning these scans off gives a plan would otherwise make
    PostgreSQL compile every statement (180 ms a post, measured), and
    these few-row statements never gain from it."""
    keys = sorted(k for k in keys if k)
    locks = ", ".join(["pg_advisory_xact_lock(hashtextextended(%s, 0))"] * len(keys))
    return (
        "SELECT set_config('enable_seqscan', 'off', true), "
        "set_config('enable_bitmapscan', 'off', true), "
        f"set_config('jit', 'off', true), {locks}",
        keys,
    )


# The new comment and the decision that placed it; and how many top-level
# comments the reader sees before `before` on the article (the approved ones,
# and their own pending ones when they have some: `mine`), which decides the
# thread page the new comment lands on.
#
# The statement is prepared once per connection and may keep a plan made on
# statistics from before a burst of comments (a new site's first breaking
# story, a purged table): each read is written so that only its right index
# can answer it. The approved count reads the story's range of (article,
# status, created_at): "parent_id IS NULL" is written as COALESCE, which no
# index answers (planned on old statistics, the parent index looked the
# better read, and each post walked every top-level comment of the site).
# The reader's own comments are fetched by primary key alone, in a CTE of
# their own (MATERIALIZED: planned apart from the other conditions), since
# with the story or status beside it a plan made while no comment was pending
# walked the whole pending index on every post. A reader with none gets the
# statement without that part (`id = ANY('{}')` is false, and PostgreSQL
# takes a false condition to allow any partial index: the same walk).
_INSERT_SQL = """
WITH new AS (
  INSERT INTO {comment} (article_id, parent_id, thread_id, depth, user_id, name,
                         email, body, status, rule, ip, user_agent, created_at,
                         notify_decision, notify_replies)
  VALUES (%(article)s, %(parent)s, %(thread)s, %(depth)s, %(user)s, %(name)s,
          %(email)s, %(body)s, %(status)s, %(rule)s, %(ip)s, %(user_agent)s,
          %(created_at)s, %(notify)s, %(notify_replies)s)
  RETURNING id
), decision AS (
  INSERT INTO {decision} (comment_id, status, rule, created_at)
  SELECT id, %(status)s, %(rule)s, %(created_at)s FROM new
){mine_cte}
SELECT
  (SELECT id FROM new),
  (SELECT COUNT(*) FROM {comment} WHERE article_id = %(article)s
     AND status = 'approved' AND created_at < %(before)s
     AND COALESCE(parent_id, 0) = 0){mine_count}
"""
_MINE_CTE = """, mine AS MATERIALIZED (
  SELECT article_id, status, created_at, parent_id FROM {comment}
  WHERE id = ANY(%(mine)s)
)"""
_MINE_COUNT = """
  + (SELECT COUNT(*) FROM mine WHERE article_id = %(article)s
     AND status = 'pending' AND created_at < %(before)s AND parent_id IS NULL)"""


@functools.cache
def insert_sql(*, mine: bool) -> str:
    """The insert statement, with the reader's own comments counted or not."""
    comment = Comment._meta.db_table
    return _INSERT_SQL.format(
        comment=comment,
        decision=CommentDecision._meta.db_table,
        mine_cte=_MINE_CTE.format(comment=comment) if mine else "",
        mine_count=_MINE_COUNT if mine else "",
    )


def _insert_with_decision(
    comment: Comment, *, root_created_at, mine
) -> tuple[Comment, int]:
    """Store a new comment and the decision that placed it, in one prepared
    statement that also answers how many top-level comments this reader
    sees before the new comment's thread (its snapshot is from before the
    insert). Returns the stored comment (made by `Model.from_db`, as the ORM
    makes a loaded row) and that count. The model's `post_save` signal is
    sent as `save()` sends it, so its receiver (signals.py) stays the one
    place a new comment invalidates its page.

    Why not `save()` and `CommentDecision.objects.create()` plus a count: the
    same post through the ORM measured 2.0 ms of a post's work instead of
    0.85 ms, and 24-38 % fewer comment posts a second under load
    (docs/benchmarks.md, 2026-12-05). The unique index on live comments still
    raises IntegrityError for a duplicate."""
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
        "notify": comment.notify_decision,
        "notify_replies": comment.notify_replies,
        "before": root_created_at,
    }
    if mine:
        params["mine"] = list(mine)
    pk, earlier = fetch_one_prepared(insert_sql(mine=bool(mine)), params)
    names = [f.attname for f in Comment._meta.concrete_fields]
    values = {**{n: getattr(comment, n) for n in names}, "id": pk}
    stored = Comment.from_db(DEFAULT_DB_ALIAS, names, [values[n] for n in names])
    # The related rows the post already holds (set by comment_submit), kept.
    stored.article, stored.parent, stored.user = (
        comment.article,
        comment.parent,
        comment.user,
    )
    post_save.send(
        sender=Comment,
        instance=stored,
        created=True,
        update_fields=None,
        raw=False,
        using=DEFAULT_DB_ALIAS,
    )
    return stored, earlier


def resolve_parent(*, article, parent_id) -> Comment | None:
    """The approved comment on `article` being replied to (None: no reply)."""
    if not parent_id:
        return None
    parent = (
        Comment.objects.approved()
        .select_related("thread")  # the thread's start places the reply
        .filter(article=article, pk=parent_id)
        .first()
    )
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
    notify_decision: bool = False,
    notify_replies: bool = False,
    own_pending_ids=(),
    user=None,
) -> Submission:
    """Run the moderation policy and store the comment unless it is refused.
    `notify_replies`: the commenter wants an e-mail per reply, once their
    address is confirmed (a confirmation e-mail is queued if it is not)."""
    is_moderator = bool(user and user.has_perm(MODERATE_PERMISSION))
    try:
        with transaction.atomic():
            decision = moderation.decide(
                lock=_lock(
                    f"comment-ip:{ip}" if ip else "", f"comment-email:{email.lower()}"
                ),
                article_id=article.pk,
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
                notify_decision=notify_decision
                and decision.status == Comment.Status.PENDING,
                notify_replies=notify_replies,
            )
            comment.reply_to(parent)
            above = comment.parent  # the thread's start places the comment
            root = (above.thread if above.thread_id else above) if above else comment
            comment, earlier = _insert_with_decision(
                comment, root_created_at=root.created_at, mine=own_pending_ids
            )
            if decision.surge is not None:
                _surge_switch(article, decision.surge)
            if comment.status == Comment.Status.PENDING:
                transaction.on_commit(moderators_notice_due)
            else:
                transaction.on_commit(comment_counts_ask)
                events.emit("comment.approved", [comment.pk])
                if above is not None and above.notify_replies:
                    reply_mails_queue(reply_ids=[comment.pk])
            if notify_replies:
                mail_confirmation_request(email=email)
        return Submission(decision=decision, comment=comment, earlier=earlier)
    except IntegrityError as error:
        # Rule 4: the duplicate index refused the row; nothing is kept.
        if not is_duplicate_error(error):
            raise
        return Submission(decision=moderation.DUPLICATE)


def comments_moderate(
    *, comments: QuerySet, status: str, moderator, reason=None
) -> int:
    """Set `status` on every comment in `comments` not already in it; each
    change is recorded (who, when, and for a rejection the `reason` picked,
    a ModerationReason). Returns how many changed. A comment that would
    become a live twin of another (rule 4) keeps its status; a pending
    comment on a story under legal hold is frozen. A commenter who asked to
    be told gets one e-mail once the undo window has passed."""
    now = timezone.now()
    rule = f"moderator:{status}"
    changes = {"status": status, "rule": rule, "moderated_by": moderator}
    changes["moderated_at"] = now
    changes["reason"] = reason if status == Comment.Status.REJECTED else None
    with transaction.atomic():
        if status == Comment.Status.APPROVED:
            # Approving a published comment from the Reported queue keeps it.
            comment_reports_close(
                comment_ids=list(
                    comments.filter(status=status).values_list("pk", flat=True)
                ),
                moderator=moderator,
                keep=True,
            )
        rows = list(
            comments.exclude(status=status)
            .in_queue()
            .select_for_update(of=("self",))
            .order_by("created_at", "pk")
            .values_list("pk", "article_id", "status", "notify_decision", "rule")
        )
        if not rows:
            return 0
        ids = [pk for pk, *_ in rows]
        if status in LIVE_STATUSES:
            # The duplicate index is the judge: one row at a time, oldest
            # first, so of two twins the first is kept.
            ids = [pk for pk in ids if _set_unless_duplicate(pk, changes)]
        else:
            Comment.objects.filter(pk__in=ids).update(**changes)
        changed = set(ids)
        for article_pk in {row[1] for row in rows if row[0] in changed}:
            invalidate(article_tag(article_pk))  # approved or removed
        transaction.on_commit(comment_counts_ask)
        before = {pk: (was, was_rule) for pk, _, was, _, was_rule in rows}
        CommentDecision.objects.bulk_create(
            CommentDecision(
                comment_id=pk,
                status=status,
                rule=rule,
                actor=moderator,
                previous_status=before[pk][0],
                previous_rule=before[pk][1],
            )
            for pk in ids
        )
        CommentClaim.objects.filter(comment_id__in=ids).delete()
        # The decision closes the comment's reports (an approval is the
        # moderator keeping it: `_hold_when_reported` reads it so).
        comment_reports_close(comment_ids=ids, moderator=moderator)
        told = [
            pk
            for pk, _, was, notify, _ in rows
            if pk in changed and notify and was == Comment.Status.PENDING
        ]
        if told and status in (Comment.Status.APPROVED, Comment.Status.REJECTED):
            _decision_mails_queue(told, status, changes["reason"], now)
        if status == Comment.Status.APPROVED and changed:
            reply_mails_queue(reply_ids=changed, after_undo=True)
            events.emit(
                "comment.approved",
                [pk for pk in changed if before[pk][0] != Comment.Status.APPROVED],
            )
        audit.record_many(
            moderator,
            f"comment {status}",
            "comments.comment",
            ids,
            f"comment {status}" + (f" ({reason.code})" if changes["reason"] else ""),
        )
    return len(ids)


def _decision_mails_queue(ids, status, reason, now) -> None:
    """The commenters' e-mails, due when the undo window closes."""
    due = now + timedelta(seconds=current().undo_seconds)
    label = reason.label if reason else ""  # a rejection's, else none
    DecisionMail.objects.filter(comment_id__in=ids, sent_at__isnull=True).delete()
    DecisionMail.objects.bulk_create(
        DecisionMail(comment_id=pk, status=status, reason=label, due_at=due)
        for pk in ids
    )
    if send_decision_mails.get_backend().supports_defer:
        transaction.on_commit(
            lambda: send_decision_mails.using(run_after=due).enqueue()
        )


def comment_decision_undo(*, comment_id: int, moderator) -> Comment | None:
    """Undo `moderator`'s last decision on a comment if it is younger than
    COMMENTS_UNDO_SECONDS: the comment goes back to the status (and rule)
    it had, its unsent decision e-mail is dropped. None if there is nothing
    to undo (too late, someone else decided since, or a live twin)."""
    since = timezone.now() - timedelta(seconds=current().undo_seconds)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:
            return None
        last = comment.decisions.order_by("-created_at", "-pk").first()
        if (
            last is None
            or last.actor_id != moderator.pk
            or last.created_at < since
            or last.rule == UNDO_RULE
            or last.status != comment.status
            or not last.previous_status
        ):
            return None
        changes = {
            "status": last.previous_status,
            "rule": last.previous_rule,
            "reason": None,
            "moderated_by": None,
            "moderated_at": None,
        }
        if last.previous_status in LIVE_STATUSES:
            if not _set_unless_duplicate(comment.pk, changes):
                return None
        else:
            Comment.objects.filter(pk=comment.pk).update(**changes)
        CommentDecision.objects.create(
            comment=comment,
            status=last.previous_status,
            rule=UNDO_RULE,
            actor=moderator,
            previous_status=last.status,
            previous_rule=last.rule,
        )
        DecisionMail.objects.filter(comment=comment, sent_at__isnull=True).delete()
        ReplyMail.objects.filter(reply=comment, sent_at__isnull=True).delete()
        invalidate(article_tag(comment.article_id))
        transaction.on_commit(comment_counts_ask)
        if last.previous_status == Comment.Status.APPROVED:
            events.emit("comment.approved", [comment.pk])
        audit.record(
            moderator,
            "comment undo",
            comment,
            summary=f"comment back to {last.previous_status}",
        )
    comment.refresh_from_db()
    return comment


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
        # Comments on a story under legal hold are kept as they are.
        comments = Comment.objects.by_email(email).outside_legal_hold()
        for article_pk in set(comments.values_list("article_id", flat=True)):
            invalidate(article_tag(article_pk))
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
    old = Comment.objects.filter(created_at__lt=cutoff, ip__isnull=False)
    purged = old.outside_legal_hold().update(ip=None)
    # A reporter's address lives no longer than the reported comment's.
    CommentReport.objects.filter(ip__isnull=False).filter(
        Q(created_at__lt=cutoff) | Q(comment__ip__isnull=True)
    ).exclude(comment__article_id__in=held_article_ids()).update(ip=None)
    return purged


def comment_staff_reply(*, parent: Comment, moderator, body: str) -> Comment:
    """A reply from the moderation queue, published at once under the staff
    member's name. A pending comment is approved first (a reply would
    otherwise hang under a hidden comment), as WordPress's "Approve and
    Reply" does."""
    with transaction.atomic():
        if parent.status != Comment.Status.APPROVED:
            comment_approve(comment=parent, moderator=moderator)
            parent.refresh_from_db()
            if parent.status != Comment.Status.APPROVED:
                raise ParentNotAllowed
        reply = Comment(
            article_id=parent.article_id,
            user=moderator,
            name=person_name(moderator),
            email=moderator.email or "",
            body=body,
            status=Comment.Status.APPROVED,
            rule="staff-reply",
        )
        reply.reply_to(parent)
        reply.save()
        CommentDecision.objects.create(
            comment=reply, status=reply.status, rule=reply.rule, actor=moderator
        )
        reply_mails_queue(reply_ids=[reply.pk])
        events.emit("comment.approved", [reply.pk])
        invalidate(article_tag(parent.article_id))
        transaction.on_commit(comment_counts_ask)
        audit.record(moderator, "comment reply", reply, summary=reply.excerpt)
    return reply


def comments_claim(*, ids, moderator) -> set[int]:
    """Claim the comments `ids` for `moderator` for COMMENTS_CLAIM_SECONDS,
    except those another moderator holds a live claim on. Returns the ids
    now this moderator's (a renewal extends the claim). New claims go into
    the audit log."""
    ids = list(ids)
    if not ids:
        return set()
    now = timezone.now()
    until = now + timedelta(seconds=settings.COMMENTS_CLAIM_SECONDS)
    table = CommentClaim._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT comment_id FROM {table} WHERE comment_id = ANY(%s) "
            "AND moderator_id = %s AND until >= %s",
            [ids, moderator.pk, now],
        )
        held = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            f"INSERT INTO {table} (comment_id, moderator_id, until) "
            "SELECT unnest(%s::bigint[]), %s, %s "
            "ON CONFLICT (comment_id) DO UPDATE SET "
            "moderator_id = EXCLUDED.moderator_id, until = EXCLUDED.until "
            f"WHERE {table}.until < %s OR {table}.moderator_id = "
            "EXCLUDED.moderator_id RETURNING comment_id",
            [ids, moderator.pk, until, now],
        )
        mine = {row[0] for row in cursor.fetchall()}
        new = sorted(mine - held)
        if new:
            audit.record(
                moderator,
                "claim",
                summary=f"{len(new)} comment(s) claimed for "
                f"{settings.COMMENTS_CLAIM_SECONDS // 60} min",
                comments=new,
            )
    return mine


def comments_release(*, moderator) -> int:
    """Give back every claim of `moderator` (e.g. leaving the queue)."""
    return CommentClaim.objects.filter(moderator=moderator).delete()[0]


def _surge_switch(article, surge) -> None:
    """Turn a story's surge hold on or off as its comment rate says; each
    switch is in the audit log, and the start alerts the desk by e-mail."""
    if surge.starts:
        table = CommentSurge._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (article_id, started_at, peak) "
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
                [article.pk, timezone.now(), surge.recent + 1],
            )
            started = cursor.fetchone()
        if started:
            audit.record(
                None,
                "surge on",
                article,
                summary=f"surge guard on: {surge.recent + 1} comments in "
                f"{current().surge_window_seconds // 60} min on {article}",
            )
            surge_id = started[0]
            transaction.on_commit(lambda: surge_alert.enqueue(surge_id))
    elif surge.lifts:
        surge_end(article_id=article.pk)


def surge_end(*, article_id: int) -> bool:
    """End the story's surge hold (its rate fell); logged."""
    ended = CommentSurge.objects.filter(
        article_id=article_id, ended_at__isnull=True
    ).update(ended_at=timezone.now())
    if ended:
        audit.record(
            None,
            "surge off",
            summary=f"surge guard lifted on article #{article_id}",
            article=article_id,
        )
    return bool(ended)


def surges_lift_quiet() -> int:
    """Lift every surge whose story has gone quiet (no comment needs to
    arrive for the hold to lift). Run by the desk's pages."""
    since = timezone.now() - timedelta(seconds=current().surge_window_seconds)
    lifted = 0
    for surge in CommentSurge.objects.filter(ended_at__isnull=True):
        recent = Comment.objects.filter(
            article_id=surge.article_id, created_at__gte=since
        )[: current().surge_lift].count()
        if recent < current().surge_lift:
            lifted += surge_end(article_id=surge.article_id)
    return lifted


def mail_address_suppress(*, email: str) -> None:
    """The address asked for no more e-mail (an unsubscribe link, RFC 8058's
    one-click POST): no decision, reply or confirmation e-mail goes to it
    again unless it asks for them back from the same link."""
    with transaction.atomic():
        address, _ = MailAddress.objects.get_or_create(email=email.lower())
        if address.suppressed_at is None:
            MailAddress.objects.filter(pk=address.pk).update(
                suppressed_at=timezone.now()
            )
            ReplyMail.objects.filter(email=address.email, sent_at__isnull=True).update(
                sent_at=timezone.now(), outcome="unsubscribed"
            )


def mail_address_confirm(*, email: str, resubscribe: bool = False) -> bool:
    """The address proved it is theirs (the link in a confirmation e-mail,
    or "receive e-mails again" on the unsubscribe page, both sent to it):
    reply e-mails may go to it. A suppressed address stays suppressed
    unless `resubscribe` (its owner asked from the unsubscribe page).
    Returns whether the address may now be mailed."""
    now = timezone.now()
    with transaction.atomic():
        address, _ = MailAddress.objects.select_for_update().get_or_create(
            email=email.lower()
        )
        if address.suppressed_at and not resubscribe:
            return False
        address.confirmed_at = address.confirmed_at or now
        address.suppressed_at = None
        address.save(update_fields=["confirmed_at", "suppressed_at"])
    return True


def mail_confirmation_request(*, email: str) -> bool:
    """A commenter asked for reply e-mails: unless the address is already
    confirmed or suppressed, a worker sends it one confirmation e-mail
    (at most one per CONFIRMATION_INTERVAL, whoever fills in the form, so
    the form cannot be used to mail a stranger). Returns whether one is
    queued."""
    address = email.lower()
    if not address:
        return False
    MailAddress.objects.get_or_create(email=address)
    wanted = MailAddress.objects.of(address).due_a_confirmation(timezone.now()).exists()
    if wanted:
        transaction.on_commit(lambda: send_confirmation_mail.enqueue(address))
    return wanted


def reply_mails_queue(*, reply_ids, after_undo: bool = False) -> int:
    """Approved replies whose parent's author asked to hear of them: one
    ReplyMail each (never a second: the reply is its key), due at once or,
    for a moderator's approval, after the undo window (`after_undo`), sent
    by a worker (tasks.send_due_reply_mails decides, at
    sending time, whether the address is confirmed and under its daily
    limit). A reply to one's own comment is not mailed."""
    rows = (
        Comment.objects.filter(
            pk__in=list(reply_ids),
            status=Comment.Status.APPROVED,
            parent__notify_replies=True,
            parent__status=Comment.Status.APPROVED,
        )
        .exclude(parent__email="")
        .values_list("pk", "email", "parent__email")
    )
    due = timezone.now()
    if after_undo:
        due += timedelta(seconds=current().undo_seconds)
    mails = [
        ReplyMail(reply_id=pk, email=to.lower(), due_at=due)
        for pk, email, to in rows
        if to.lower() != email.lower()
    ]
    if not mails:
        return 0
    ReplyMail.objects.bulk_create(mails, ignore_conflicts=True)
    if not after_undo:
        transaction.on_commit(send_reply_mails.enqueue)
    elif send_reply_mails.get_backend().supports_defer:
        transaction.on_commit(lambda: send_reply_mails.using(run_after=due).enqueue())
    return len(mails)


def article_legal_hold(*, article, editor, hold: bool, reason: str = "") -> bool:
    """Place or lift a legal hold on a story's comment thread: while it
    holds, comments are closed, pending ones are hidden from the queue and
    frozen, and erasure and retention jobs leave the thread alone."""
    with transaction.atomic():
        if hold:
            _, changed = LegalHold.objects.get_or_create(
                article_id=article.pk,
                defaults={"placed_by": editor if editor.pk else None, "reason": reason},
            )
        else:
            changed = LegalHold.objects.filter(article_id=article.pk).delete()[0]
        if changed:
            invalidate(article_tag(article.pk), LEGAL_HOLD_TAG)
            audit.record(
                editor,
                "legal hold" if hold else "legal hold lifted",
                article,
                reason=reason,
            )
    return bool(changed)


def moderation_settings_save(*, row: ModerationSettings, actor, changed) -> None:
    """Store the moderation settings (validated by the admin form), in the
    audit log with what changed from what; every server reads the new row
    at its next request (the signal invalidates it)."""
    with transaction.atomic():
        before = ModerationSettings.objects.select_for_update().filter(pk=1).first()
        row.pk = 1
        row.updated_by = actor
        row.save()
        changes = {
            name: [getattr(before, name, None), getattr(row, name)] for name in changed
        }
        audit.record(
            actor,
            "moderation settings",
            row,
            summary="Changed " + (", ".join(sorted(changed)) or "nothing"),
            changes=changes,
        )


REPORT_THANKS = _(
    "Thank you. A moderator will look at this comment; it stays published until then."
)
REPORT_ALREADY = _("You have already reported this comment. Thank you.")
REPORT_GONE = _("This comment is not published any more: nothing to report.")
REPORT_REFUSED = _("Reports from this address are not accepted.")
REPORT_TOO_MANY = _("You have sent many reports in the last hour. Please wait.")

# One address's reports an hour, on every comment of the site: a reader who
# reports ten comments in an hour is busy; one who reports a hundred is a
# script.
REPORTS_PER_HOUR = 20
REPORT_RULE = "reports"
KEPT_RULE = "moderator:kept"
# The decisions that mean a moderator kept a comment published.
KEEPING_RULES = (KEPT_RULE, f"moderator:{Comment.Status.APPROVED}")


@dataclass
class ReportOutcome:
    accepted: bool
    message: str
    http_status: int = 200
    held: bool = False


def _nth(queryset, n: int):
    """The pk of some n-th row of `queryset` (1-based, in no order), None
    when it has fewer: "at least n rows" read as n index entries, never a
    count of them all (unordered, so its own index answers it, not the
    primary key's order)."""
    return Subquery(queryset.order_by().values("pk")[n - 1 : n])


# What a report reads of the comment and its rules (_report_facts).
REPORT_FACTS = [
    "id", "article_id", "status", "rule",
    "banned", "at_limit", "already", "kept", "enough",
]  # fmt: skip


def _report_facts_query(threshold, *, comment, now, visitor, since, ip=None):
    """The reported comment, if readers may see it, with what a report's
    rules ask in the same query: a ban on the address; whether the address
    reached the hour's limit; an earlier report by this visitor or address;
    a moderator's keep; whether the open reports with this one reach
    `threshold`. At 10,000 reports of one comment each question still reads
    a few index entries. (`ip`: the address as comments keep it,
    moderation.stored_ip, which is also how bans name it.)"""
    mine = Q(visitor=visitor) | (Q(ip=ip) if ip is not None else Q(pk__in=[]))
    reports = CommentReport.objects.filter(comment=OuterRef("pk"))
    recent = CommentReport.objects.filter(ip=ip, created_at__gte=since)
    open_reports = reports.filter(closed_at__isnull=True)
    return (
        Comment.objects.approved()
        .filter(pk=comment, article__in=Article.objects.published(at=now))
        .annotate(
            banned=Exists(BannedCommenter.objects.filter(ip=ip))
            if ip is not None
            else Value(False),
            at_limit=_nth(recent, REPORTS_PER_HOUR) if ip is not None else Value(None),
            already=Exists(reports.filter(mine)),
            kept=Exists(
                CommentDecision.objects.filter(
                    comment=OuterRef("pk"), rule__in=KEEPING_RULES
                )
            ),
            # The (threshold - 1)-th open report: with this one, enough.
            enough=_nth(open_reports, threshold - 1)
            if threshold > 1
            else Value(threshold == 1),
        )
    )


def _report_facts(comment_id: int, *, ip, visitor, now, threshold):
    """_report_facts_query run as a statement compiled once and prepared
    (infra/sqlcache.py), on the primary: a report is a write. None: the
    comment or its story is not published."""
    found = sqlcache.fetch(
        _report_facts_query,
        shape=(threshold,),
        using=DEFAULT_DB_ALIAS,
        model=Comment,
        columns=REPORT_FACTS,
        comment=comment_id,
        now=now,
        visitor=visitor,
        since=now - timedelta(hours=1),
        **({"ip": ip} if ip else {}),
    )
    return found[0] if found else None


def comment_report(
    *, comment_id: int, reason: str, note: str, ip: str | None, visitor: str
) -> ReportOutcome:
    """A reader reports a published comment. It stays published and enters
    the Reported queue; when `report_threshold` different readers have
    reported it (open reports), it is held for a moderator (rule
    "reports"), unless a moderator already kept it. One report per comment
    per visitor and per address; REPORTS_PER_HOUR per address; banned
    addresses are refused. Four statements: the address's lock, the facts
    (one query), the report and its audit entry."""
    now = timezone.now()
    address, ip = ip, moderation.stored_ip(ip)  # as sent; as kept (privacy)
    try:
        with transaction.atomic():
            if address:  # one address's reports one at a time, on every server
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        [f"comment-report:{address}"],
                    )
            # Not locked: reports of one comment arrive together (a viral
            # thread); only a hold takes the comment's row.
            facts = _report_facts(
                comment_id,
                ip=ip,
                visitor=visitor,
                now=now,
                threshold=current().report_threshold,
            )
            if facts is None:
                return ReportOutcome(False, REPORT_GONE, 404)
            if facts.banned:
                return ReportOutcome(False, REPORT_REFUSED, 403)
            if facts.already:
                return ReportOutcome(True, REPORT_ALREADY)
            if facts.at_limit is not None:
                return ReportOutcome(False, REPORT_TOO_MANY, 429)
            CommentReport.objects.create(
                comment=facts,
                reason=reason,
                note=note[:500],
                visitor=visitor,
                ip=ip,
                created_at=now,
            )
            audit.record(
                None,
                "comment reported",
                facts,
                f"comment reported ({reason})",
                reason=reason,
            )
            held = bool(facts.enough) and _hold_when_reported(facts)
    except IntegrityError:  # a report of the same visitor, a moment earlier
        return ReportOutcome(True, REPORT_ALREADY)
    return ReportOutcome(True, REPORT_THANKS, held=held)


def _hold_when_reported(comment: Comment) -> bool:
    """Hold `comment`, whose open reports reached the threshold, for a
    moderator, unless it was kept or its thread is under legal hold."""
    if comment.kept:
        return False
    if comment.article_id in held_article_ids():
        return False  # a thread under legal hold: nothing moves
    comment = (
        Comment.objects.approved()
        .select_for_update(of=("self",))
        .filter(pk=comment.pk)
        .first()
    )
    if comment is None:
        return False  # another report (or a moderator) moved it meanwhile
    previous_rule = comment.rule
    comment.status, comment.rule = Comment.Status.PENDING, REPORT_RULE
    comment.save(update_fields=["status", "rule"])  # its receiver invalidates
    transaction.on_commit(comment_counts_ask)
    CommentDecision.objects.create(
        comment=comment,
        status=Comment.Status.PENDING,
        rule=REPORT_RULE,
        previous_status=Comment.Status.APPROVED,
        previous_rule=previous_rule,
    )
    transaction.on_commit(moderators_notice_due)
    return True


def comment_reports_close(*, comment_ids, moderator, keep: bool = False) -> int:
    """A moderator's decision closes the open reports of these comments;
    with `keep` (the comment stays published: "approve" in the Reported
    queue) it is also recorded as kept, so further reports never hold it."""
    now = timezone.now()
    with transaction.atomic():
        reported = dict(
            Comment.objects.filter(
                pk__in=CommentReport.objects.filter(
                    comment_id__in=comment_ids, closed_at__isnull=True
                ).values("comment_id")
            ).values_list("pk", "rule")
        )
        ids = list(reported)
        closed = CommentReport.objects.filter(
            comment_id__in=ids, closed_at__isnull=True
        ).update(closed_at=now, closed_by=moderator)
        if keep and ids:
            CommentDecision.objects.bulk_create(
                CommentDecision(
                    comment_id=pk,
                    status=Comment.Status.APPROVED,
                    rule=KEPT_RULE,
                    actor=moderator,
                    previous_status=Comment.Status.APPROVED,
                    previous_rule=reported[pk],
                )
                for pk in ids
            )
            audit.record_many(
                moderator,
                "comment kept",
                "comments.comment",
                ids,
                "comment kept (reports dismissed)",
            )
    return closed


# How many picks show above a thread.
MAX_PICKS = 10


def comments_pick(*, comment_ids, user, picked: bool = True) -> int:
    """Feature (or stop featuring) published comments as editors' picks:
    shown first, above their thread. Returns how many changed; their pages
    are invalidated (edge included) and each change is in the audit log."""
    now = timezone.now()
    with transaction.atomic():
        chosen = Comment.objects.approved().filter(
            pk__in=comment_ids, picked_at__isnull=picked
        )
        rows = list(chosen.values_list("pk", "article_id"))
        if not rows:
            return 0
        Comment.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            picked_at=now if picked else None, picked_by=user if picked else None
        )
        for article_id in {article_id for _, article_id in rows}:
            invalidate(article_tag(article_id))
        action = "comment picked" if picked else "comment unpicked"
        audit.record_many(
            user, action, "comments.comment", [pk for pk, _ in rows], action
        )
    return len(rows)
