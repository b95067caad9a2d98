from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import MD5, Coalesce, Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from infra.sqlcache import AnyOf
from infra.text import INVISIBLE_PATTERN, SPACE_PATTERN

from .quiet import validate_quiet_hours, validate_time_zone

MAX_DEPTH = 2  # 0 = top level; replies nest up to three levels in all
LIVE_STATUSES = ("pending", "approved")  # shown, or waiting to be
IMPORTED_RULE = "wordpress-import"  # the rule of every comment an import brings
UNDO_RULE = "moderator:undo"  # the decision that undid a moderator's last one

# Deciding on comments, banning and the policy: the Moderator role.
MODERATE_CODENAME = "can_moderate"
MODERATE_PERMISSION = f"comments.{MODERATE_CODENAME}"


# Rule 4, duplicates, defined once: a new comment may not repeat a live one on
# the same article, under the same parent, from the same e-mail (in any case),
# with the same text. The unique index built from this key *is* the rule (a
# submission that breaks it is refused with 409, under any concurrency, and a
# moderator's approval that would break it leaves the comment as it was). It
# is a rule for new submissions: imported comments keep WordPress's repeats.
#
# The text is compared as a reader sees it (infra.text): NFKC-normalized
# (full-width letters, ligatures and odd spaces as their plain forms),
# without invisible characters, runs of whitespace as one space, trimmed. So
# a zero-width space does not make a repeat new. What is stored and shown
# stays exactly as typed.
def _replace_all(expression, pattern: str, replacement: str) -> Func:
    return Func(
        expression,
        Value(pattern),
        Value(replacement),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


def _seen_text(field: str) -> Func:
    normalized = Func(
        F(field),
        template="normalize(%(expressions)s, NFKC)",
        output_field=TextField(),
    )
    visible = _replace_all(normalized, INVISIBLE_PATTERN, "")
    spaced = _replace_all(visible, SPACE_PATTERN, " ")
    return Func(spaced, Value(" "), function="btrim", output_field=TextField())


DUPLICATE_KEY = (Coalesce("parent", 0), Lower("email"), MD5(_seen_text("body")))
DUPLICATE_CONSTRAINT = "comment_no_duplicates"


def is_duplicate_error(error: IntegrityError) -> bool:
    """Whether `error` is the duplicate rule's index refusing a row."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == DUPLICATE_CONSTRAINT


LEGAL_HOLD_TAG = "legal-holds"


def held_article_ids() -> list[int]:
    """The stories under legal hold (a handful at most), kept in the cache
    until a hold is placed or lifted (comments.services bumps the tag)."""
    from caching.fragments import site_value

    def load():
        return list(LegalHold.objects.values_list("article_id", flat=True))

    return site_value("legal-holds", LEGAL_HOLD_TAG, load)


def is_held(article) -> bool:
    """Whether `article`'s comment thread is under legal hold."""
    return article.pk in held_article_ids()


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """Shown to every reader."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        """Waiting for a moderator."""
        return self.filter(status=Comment.Status.PENDING)

    def on(self, article):
        return self.filter(article=article)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def visible_to(self, *, own_ids=()):
        """Approved comments, plus the reader's own pending ones (by id)."""
        condition = Q(status=Comment.Status.APPROVED)
        if own_ids:
            condition |= Q(AnyOf(F("pk"), own_ids), status=Comment.Status.PENDING)
        return self.filter(condition)

    def by_email(self, email):
        return self.filter(email__iexact=email)

    def status_counts(self, *statuses) -> dict:
        """Aggregates counting these comments per status (the author's
        history in the queue and its side panel)."""
        return {s: models.Count("pk", filter=Q(status=s)) for s in statuses}

    def outside_legal_hold(self):
        """Not on a story under legal hold. The few held stories are read
        first (their partial index); with none, no condition at all, so a
        count of the queue stays an index-only scan."""
        held = held_article_ids()
        return self.exclude(article_id__in=held) if held else self

    def in_queue(self):
        """What the moderation queue shows: everything but the held comments
        of a story under legal hold (frozen until the hold is lifted)."""
        held = held_article_ids()
        if not held:
            return self
        return self.exclude(status=Comment.Status.PENDING, article_id__in=held)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    # No single-column indexes on article and thread: the composite indexes
    # below start with them (a second index only slows inserts and lets the
    # planner pick the weaker one on a story with many pending comments).
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    thread = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        help_text="The top-level comment this one belongs under.",
    )
    depth = models.PositiveSmallIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    name = models.CharField(max_length=245)
    email = models.EmailField(max_length=100)
    body = models.TextField(max_length=65525)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rule = models.CharField(
        "deciding rule",
        max_length=40,
        blank=True,
        help_text="The moderation rule (or moderator) that set the status.",
    )
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # An editors' pick (NYT Picks): shown first, above the thread.
    picked_at = models.DateTimeField(null=True, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notify_decision = models.BooleanField(
        "e-mail the decision",
        default=False,
        db_default=False,
        help_text="The commenter asked for one e-mail when a moderator decides.",
    )
    notify_replies = models.BooleanField(
        "e-mail replies",
        default=False,
        db_default=False,
        help_text="The commenter asked to be e-mailed when someone replies "
        "(sent only once their address is confirmed).",
    )
    reason = models.ForeignKey(
        "ModerationReason",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Why a moderator rejected it (told to the commenter).",
    )

    is_legacy_twin = models.BooleanField(
        "kept repeat",
        default=False,
        db_default=False,
        help_text="Repeats a live comment as readers see it, but was stored "
        "before the duplicate rule looked through invisible characters: kept "
        "as it was, outside that rule.",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        permissions = [(MODERATE_CODENAME, "Can moderate comments")]
        indexes = [
            models.Index(
                fields=["article", "picked_at"],
                condition=Q(picked_at__isnull=False),
                name="comment_picks_idx",
            ),
            models.Index(
                fields=["article", "status", "created_at"],
                name="comment_article_status_idx",
            ),
            models.Index(fields=["thread", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["status", "-created_at"], name="comment_queue_idx"),
            models.Index(fields=["ip", "created_at"], name="comment_ip_idx"),
            # Django's iexact compares UPPER(email): the index matches it.
            models.Index(Upper("email"), "created_at", name="comment_email_idx"),
            # The queue per story (the article filter, the desk's busiest
            # stories): only the pending comments, a small index.
            models.Index(
                fields=["article", "created_at"],
                condition=Q(status="pending"),
                name="comment_pending_article_idx",
            ),
            # Time slices for the moderation dashboard: a BRIN index costs
            # next to nothing on insert (comments arrive in time order).
            BrinIndex(fields=["created_at"], name="comment_created_brin"),
        ]
        constraints = [
            models.UniqueConstraint(
                "article",
                *DUPLICATE_KEY,
                condition=Q(status__in=LIVE_STATUSES)
                & ~Q(rule=IMPORTED_RULE)
                & Q(is_legacy_twin=False),
                name=DUPLICATE_CONSTRAINT,
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.excerpt}"

    def get_absolute_url(self):
        """Its own link (/comments/<id>/), which finds the thread page that
        shows it (comments.views.comment_link)."""
        return reverse("comments:link", args=[self.pk])

    @property
    def excerpt(self) -> str:
        return Truncator(self.body).chars(80)

    def reply_to(self, parent, parent_of=None) -> None:
        """Place this comment under `parent` (None: top level), setting its
        parent, thread and depth. Replies nest MAX_DEPTH levels deep: a reply
        to a comment at the deepest level goes under that comment's parent,
        as WordPress's thread depth does. `parent_of(comment)` finds a
        comment's parent (default: a query) for callers holding the thread."""
        parent_of = parent_of or (lambda comment: comment.parent)
        while parent is not None and parent.depth >= MAX_DEPTH:
            parent = parent_of(parent)
        self.parent = parent
        self.thread_id = (parent.thread_id or parent.pk) if parent else None
        self.depth = parent.depth + 1 if parent else 0

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class CommentDecision(models.Model):
    """One moderation decision: the comment's history."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="decisions"
    )
    status = models.CharField(max_length=10, choices=Comment.Status.choices)
    rule = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What the decision replaced (for undo): the status and rule before it.
    previous_status = models.CharField(max_length=10, blank=True, db_default="")
    previous_rule = models.CharField(max_length=40, blank=True, db_default="")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["comment", "created_at"]),
            BrinIndex(fields=["created_at"], name="decision_created_brin"),
        ]

    def __str__(self):
        who = self.actor or "policy"
        return f"{self.get_status_display()} by {who} ({self.rule})"


class BannedCommenter(models.Model):
    email = models.EmailField(
        blank=True, help_text="Every comment from this address is rejected."
    )
    ip = models.GenericIPAddressField(
        "IP address",
        null=True,
        blank=True,
        help_text="Every comment from this address is rejected.",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(Upper("email"), name="ban_email_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | Q(ip__isnull=False),
                name="ban_needs_email_or_ip",
            )
        ]

    def __str__(self):
        return " / ".join(str(x) for x in [self.email, self.ip] if x)


class ModerationWord(models.Model):
    class Kind(models.TextChoices):
        BLOCK = "block", "Block (mark as spam)"
        HOLD = "hold", "Hold for moderation"

    word = models.CharField(
        max_length=100,
        unique=True,
        help_text="Matched case-insensitively anywhere in the name, email or comment.",
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "word"]

    def __str__(self):
        return f"{self.word} ({self.get_kind_display()})"


class ModerationReason(models.Model):
    """Why a comment was rejected: a short, editable list; the commenter who
    asked to be told reads the label."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(
        max_length=200, help_text="Shown to the commenter in the decision e-mail."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return self.label


class CommentClaim(models.Model):
    """A moderator working a queue page holds its comments for a few minutes
    (COMMENTS_CLAIM_SECONDS) so another moderator skips them. Expires by
    itself: a claim past `until` is nobody's."""

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="claim"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    until = models.DateTimeField()

    def __str__(self):
        return f"#{self.comment_id} claimed by {self.moderator} until {self.until}"


class QueuedMail(models.Model):
    """An e-mail a worker sends once it is due: `sent_at` is set (with the
    `outcome`) before it goes, so it goes at most once, even with two
    workers or a worker killed mid-send; one the mail server refused is due
    again later (`attempts`), then given up (comments.tasks)."""

    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    # Tries the mail server refused (it is sent again later, then given up).
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(sent_at__isnull=True),
                name="%(class)s_due_idx",
            )
        ]


class DecisionMail(QueuedMail):
    """The one e-mail telling a commenter a moderator's decision. Written
    with the decision, sent once the undo window has passed (an undo deletes
    it first)."""

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Comment.Status.choices)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.get_status_display()} e-mail for comment #{self.comment_id}"


class DecisionMailDay(models.Model):
    """At most one decision e-mail per address per day: the unique row is
    the rule (an unverified address must not turn the site into a mailer)."""

    email = models.CharField(max_length=100)  # lower case
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "day"], name="one_mail_a_day")
        ]

    def __str__(self):
        return f"{self.email} {self.day}"


# A target address gets at most one confirmation e-mail in this time.
CONFIRMATION_INTERVAL = timedelta(days=1)


class MailAddressQuerySet(models.QuerySet):
    def of(self, email: str):
        return self.filter(email=email.lower())

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True, suppressed_at__isnull=True)

    def due_a_confirmation(self, now):
        """Unconfirmed addresses that were sent no confirmation e-mail in
        the last CONFIRMATION_INTERVAL (the form cannot mail a stranger
        more often than that)."""
        return self.unconfirmed().filter(
            Q(confirm_sent_at__isnull=True)
            | Q(confirm_sent_at__lt=now - CONFIRMATION_INTERVAL)
        )

    def suppressed(self):
        return self.filter(suppressed_at__isnull=False)

    def confirmed(self):
        """Addresses that proved they are theirs and may be mailed."""
        return self.filter(confirmed_at__isnull=False, suppressed_at__isnull=True)


class MailAddress(models.Model):
    """The site's one ledger of readers' e-mail addresses: which ones proved
    they are theirs (double opt-in: `confirmed_at`) and which asked for no
    more e-mail (`suppressed_at`, kept for good, so it is never lost). The
    decision e-mails, the reply notifications and any later mailing read
    it; comments.services is its only writer. `confirm_sent_at` limits the
    confirmation e-mails an address receives (the comment form must not
    become a way to mail strangers)."""

    email = models.CharField(max_length=254, unique=True)  # lower case
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    confirm_sent_at = models.DateTimeField(
        "confirmation e-mail sent", null=True, blank=True
    )

    objects = MailAddressQuerySet.as_manager()

    class Meta:
        verbose_name = "e-mail address"
        verbose_name_plural = "e-mail addresses"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.email

    @property
    def state(self) -> str:
        if self.suppressed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "unconfirmed"


class ReplyMail(QueuedMail):
    """The one e-mail telling a commenter that their comment got a reply
    (they ticked the box and confirmed their address). Written when the
    reply is approved, sent by a worker."""

    reply = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    email = models.CharField(max_length=254)  # the recipient, lower case

    class Meta(QueuedMail.Meta):
        indexes = [
            *QueuedMail.Meta.indexes,
            models.Index(fields=["email", "sent_at"], name="replymail_sent_idx"),
        ]

    def __str__(self):
        return f"Reply e-mail for comment #{self.reply_id}"


class CommentSurge(models.Model):
    """A story whose comment rate passed the surge threshold: while it lasts
    (`ended_at` empty) its new comments wait for a moderator."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    peak = models.PositiveIntegerField(default=0)
    # Set before the desk's alert is sent: a job run twice sends it once.
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(ended_at__isnull=True),
                name="one_open_surge_per_article",
            )
        ]

    def __str__(self):
        return f"Surge on {self.article} since {self.started_at:%H:%M}"


class MailFailure(models.Model):
    """An e-mail the site gave up on after its last try (the mail server
    refused it or could not be reached): shown on the moderation desk, so a
    moderators' notice or a commenter's decision that never went out is
    known (comments.tasks.retry_or_alert)."""

    what = models.CharField(max_length=200)
    error = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=1)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-failed_at", "-pk"]

    def __str__(self):
        return f"{self.what}: {self.error[:80]}"


def site_time_zone() -> str:
    return settings.TIME_ZONE


class ModerationSettings(models.Model):
    """The moderation policy, changed in the admin without a deploy
    (Comments › Moderation settings, like WordPress's Settings › Discussion):
    one row, read through comments.preferences (cached, invalidated on save).
    Block and hold words are ModerationWord rows beside it."""

    class QuietMode(models.TextChoices):
        HOLD = "hold", "Hold comments for a moderator"
        CLOSE = "close", "Close the comment form"

    flood_seconds = models.PositiveIntegerField(
        "flood window (seconds)",
        default=15,
        validators=[MaxValueValidator(24 * 3600)],
        help_text="Minimum gap between two comments from one address or e-mail "
        "(0: no gap).",
    )
    rate_per_minute = models.PositiveIntegerField(
        "comments per minute",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text="Comments one address may post in a minute, on all stories.",
    )
    hold_links = models.PositiveIntegerField(
        "links that hold a comment",
        default=2,
        validators=[MaxValueValidator(1000)],
        help_text="A comment with this many links or more waits for a moderator "
        "(0: every comment waits).",
    )
    trust_approved_emails = models.BooleanField(
        "trust earlier commenters",
        default=True,
        help_text="Approve at once a comment from an e-mail that already has an "
        "approved comment.",
    )
    surge_threshold = models.PositiveIntegerField(
        "surge: comments that hold a story",
        default=60,
        validators=[MaxValueValidator(1_000_000)],
        help_text="A story with this many comments within the surge window holds "
        "its new comments for a moderator (0: off).",
    )
    surge_window_seconds = models.PositiveIntegerField(
        "surge window (seconds)",
        default=600,
        validators=[MinValueValidator(60), MaxValueValidator(24 * 3600)],
    )
    surge_lift = models.PositiveIntegerField(
        "surge: lifted below",
        default=20,
        validators=[MaxValueValidator(1_000_000)],
        help_text="The hold lifts when the window counts fewer comments than this.",
    )
    quiet_hours = models.CharField(
        blank=True,
        max_length=200,
        validators=[validate_quiet_hours],
        help_text="When nobody moderates, e.g. “mon-fri 00-07; sat-sun 00-10” "
        "(hours from–to, 24 h; “22-06” runs past midnight). Empty: never.",
    )
    quiet_mode = models.CharField(
        max_length=5, choices=QuietMode.choices, default=QuietMode.HOLD
    )
    quiet_time_zone = models.CharField(
        max_length=64,
        default=site_time_zone,
        validators=[validate_time_zone],
        help_text="The time zone quiet hours are read in, e.g. Europe/Lisbon.",
    )
    close_after_days = models.PositiveIntegerField(
        "close comments after (days)",
        default=30,
        validators=[MaxValueValidator(36500)],
        help_text="Comments close this many days after publication (0: never).",
    )
    undo_seconds = models.PositiveIntegerField(
        "undo window (seconds)",
        default=10,
        validators=[MaxValueValidator(600)],
        help_text="How long a moderator's decision can be undone; the "
        "commenter's e-mail waits this long.",
    )
    report_threshold = models.PositiveIntegerField(
        "reports that hold a comment",
        default=3,
        validators=[MaxValueValidator(1000)],
        help_text="A published comment reported by this many different readers "
        "waits for a moderator (0: reports never hold a comment). A comment a "
        "moderator has kept is not held again.",
    )
    reply_mails_per_day = models.PositiveIntegerField(
        "reply e-mails per address a day",
        default=10,
        validators=[MaxValueValidator(1000)],
        help_text="At most this many “someone replied” e-mails to one address "
        "a day; the rest of the day's replies are not mailed (0: none).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = verbose_name_plural = "moderation settings"

    def __str__(self):
        return "Moderation settings"

    def clean(self):
        if self.surge_threshold and self.surge_lift > self.surge_threshold:
            raise ValidationError(
                {"surge_lift": "The hold must lift at or below the surge threshold."}
            )


class LegalHold(models.Model):
    """A story's comment thread frozen for lawyers (a court order, a
    complaint): comments closed, pending ones kept out of the queue and
    frozen, erasure and retention jobs leave the thread alone. Placed and
    lifted by editors (comments.services.article_legal_hold)."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"Legal hold on article {self.article_id}"


class CommentReport(models.Model):
    """A reader's report of a published comment (Coral's "Report"): the
    comment stays published and enters the Reported queue; enough distinct
    reporters hold it for a moderator (ModerationSettings.report_threshold).
    A moderator's decision on the comment closes its open reports. The
    reporter's address is kept as long as comments' addresses are
    (comments_purge_ips)."""

    class Reason(models.TextChoices):
        ABUSIVE = "abusive", _("Abusive or hateful")
        SPAM = "spam", _("Spam or advertising")
        OFF_TOPIC = "off-topic", _("Off topic")
        PERSONAL = "personal", _("Personal information")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    # Who reported, as far as an anonymous reader can be told apart: a random
    # id in a signed cookie, and the address.
    visitor = models.CharField(max_length=64)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "visitor"], name="report_once_per_visitor"
            ),
            models.UniqueConstraint(
                fields=["comment", "ip"], name="report_once_per_address"
            ),
        ]
        indexes = [
            models.Index(
                fields=["comment"],
                condition=Q(closed_at__isnull=True),
                name="report_open_idx",
            ),
            models.Index(fields=["ip", "created_at"], name="report_ip_recent_idx"),
        ]

    def __str__(self):
        return f"Report of comment {self.comment_id}: {self.get_reason_display()}"
