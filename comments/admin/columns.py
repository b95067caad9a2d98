"""The moderation queue's columns and row buttons."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince

from articles.models import person_name

from ..models import Comment
from .decisions import DECISIONS


class CommentColumns:
    """Columns and row buttons of CommentAdmin."""

    @admin.display(description="Article")
    def article_link(self, obj):
        """The story as readers see it (a moderator may not edit articles)."""
        article = obj.article
        if article.pub_date:
            return format_html(
                '<a href="{}" target="_blank">{}</a>',
                article.get_absolute_url(),
                article.title,
            )
        return article.title

    @admin.display(description="Comment")
    def excerpt_column(self, obj):
        """The text (the start of a long one), and what it answers."""
        # Two lines in the queue, the whole of it on the current row
        # (moderation.css): a page shows more comments.
        text = format_html(
            '<span class="nr-text" dir="auto">{}</span>', Truncator(obj.body).chars(280)
        )
        if not obj.parent_id:
            return text
        return format_html(
            '{}<br><small class="nr-parent">In reply to: {}</small>',
            text,
            obj.parent.excerpt,
        )

    @admin.display(description="Author", ordering="name")
    def author_column(self, obj):
        history = obj.author_history or {}
        panel = reverse("admin:comments_comment_history", args=[obj.pk])
        return format_html(
            '{} <small>{}</small><br><a class="nr-history" href="{}" '
            'title="Their comments: approved, rejected, spam">'
            '<span class="nr-ok">{} ✓</span> <span class="nr-no">{} ✗</span> '
            '<span class="nr-spam">{} spam</span></a>',
            obj.name,
            obj.email,
            panel,
            history.get("approved", 0),
            history.get("rejected", 0),
            history.get("spam", 0),
        )

    @admin.display(description="Article", ordering="article__title")
    def article_column(self, obj):
        queue = reverse("admin:comments_comment_changelist")
        return format_html(
            '<a class="nr-story" href="{}" target="_blank" title="{}">{}</a>'
            '<small><a href="{}?status__exact=pending&amp;article={}">'
            "pending on this story</a></small>",
            obj.article.get_absolute_url() if obj.article.pub_date else "#",
            obj.article.title,
            Truncator(obj.article.title).chars(60),
            queue,
            obj.article_id,
        )

    @admin.display(description="State", ordering="created_at")
    def state_column(self, obj):
        """Status, the rule that held it, its age, and whose claim it is."""
        age = timesince(obj.created_at, timezone.now()).split(",")[0]
        return format_html(
            "{} · <small>rule: {} · {} ago</small> {}{}",
            obj.get_status_display(),
            obj.rule or "—",
            age,
            self._claim(obj),
            self._reports(obj),
        )

    @staticmethod
    def _reports(obj):
        """The open reports of a reported comment: how many, and why."""
        reports = getattr(obj, "open_reports", None)
        if not reports:
            return ""
        total = sum(n for _, n in reports)
        reasons = ", ".join(f"{label} ×{n}" for label, n in reports)
        notes = format_html_join(
            "",
            '<br><q class="nr-report-note" dir="auto">{}</q>',
            ((note,) for note in getattr(obj, "report_notes", ())),
        )
        return format_html(
            '<br><span class="nr-reports">Reported {}×: {}</span>{}',
            total,
            reasons,
            notes,
        )

    def _claim(self, obj):
        other = getattr(obj, "claim_other", None)
        if other is not None and other.moderator_id:
            return format_html(
                '<span class="nr-claimed" data-claimed-by="{}">Claimed by {} '
                "(until {})</span>",
                person_name(other.moderator),
                person_name(other.moderator),
                timezone.localtime(other.until).strftime("%H:%M"),
            )
        if getattr(obj, "claim_mine", False):
            return format_html('<span class="nr-mine">{}</span>', "Yours")
        return ""

    @admin.display(description="Moderate")
    def row_actions(self, obj):
        buttons = []
        for verb, label, key in (
            ("approve", "Approve", "a"),
            ("reject", "Reject", "r"),
            ("spam", "Spam", "s"),
        ):
            reported = getattr(obj, "open_reports", None)
            if verb == "approve" and reported and obj.status == DECISIONS[verb]:
                label = "Keep"  # published and reported: keep, close reports
            elif obj.status == DECISIONS[verb]:
                continue
            buttons.append(
                format_html(
                    '<button type="submit" class="button nr-{}" '
                    'formmethod="post" formaction="{}" data-key="{}" '
                    'title="{} ({})">{}</button>',
                    verb,
                    reverse("admin:comments_comment_decide", args=[obj.pk, verb]),
                    key,
                    label,
                    key,
                    label,
                )
            )
        if obj.status == Comment.Status.APPROVED:
            picked = bool(obj.picked_at)
            buttons.append(
                format_html(
                    '<button type="submit" class="button nr-pick" formmethod="post" '
                    'formaction="{}" name="unpick" value="{}" data-picked="{}" '
                    'title="{} (f)">{}</button>',
                    reverse("admin:comments_comment_pick", args=[obj.pk]),
                    "1" if picked else "0",
                    "yes" if picked else "no",
                    "Stop featuring" if picked else "Editors' pick",
                    "Unpick" if picked else "Pick",
                )
            )
        reasons = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((r.pk, r.label) for r in getattr(obj, "reasons", ())),
        )
        extra = format_html(
            '<select name="reason-{}" class="nr-reason" aria-label="Reason for '
            'rejecting"><option value="">(no reason)</option>{}</select>'
            ' <a class="button nr-ban" data-key="b" title="Ban (b)" '
            'href="{}">Ban</a> <a class="button nr-reply" href="{}">Reply</a>',
            obj.pk,
            reasons,
            reverse("admin:comments_comment_ban", args=[obj.pk]),
            reverse("admin:comments_comment_reply", args=[obj.pk]),
        )
        return format_html(
            '<div class="nr-actions" data-pk="{}" data-undo="{}" data-ban="{}">'
            "{} {}</div>",
            obj.pk,
            reverse("admin:comments_comment_undo", args=[obj.pk]),
            reverse("admin:comments_comment_ban", args=[obj.pk]),
            format_html_join(" ", "{}", ((b,) for b in buttons)),
            extra,
        )

    # Bulk actions.
