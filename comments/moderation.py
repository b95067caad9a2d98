"""The moderation policy: one place decides what happens to a new comment.

Rules run in order; the first that matches decides, and its name is stored on
the comment. Thresholds come from settings (see README, "Comment moderation");
block and hold words also from the admin (ModerationWord).
"""

import functools
import ipaddress
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caching.fragments import fragment_key, get_or_load

from . import quiet
from .models import (
    BannedCommenter,
    Comment,
    CommentSurge,
    ModerationWord,
    is_held,
)
from .preferences import current
from .sql import fetch_one_prepared, run

FLOOD_MESSAGE = _(
    "You are posting comments too quickly: please wait %(seconds)s seconds "
    "between two comments."
)
RATE_MESSAGE = _(
    "You have posted %(count)s comments in the last minute: please wait a "
    "minute before the next."
)
BANNED_MESSAGE = _(
    "Your comment was not published: comments from this e-mail address or "
    "network are not accepted."
)
DUPLICATE_MESSAGE = _(
    "Duplicate comment detected; it looks as though you've already said that!"
)
LINK_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)


@dataclass(frozen=True)
class Decision:
    """What the policy decided: a status to store, or a refusal."""

    rule: str
    status: str = ""
    refusal: str = ""
    http_status: int = 0
    surge: "Surge | None" = None

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


@dataclass(frozen=True)
class Surge:
    """The story's comment rate against the surge guard: `recent` comments
    in the window (counted up to the threshold), `active` if a surge is on."""

    recent: int
    active: bool

    @property
    def starts(self) -> bool:
        return not self.active and self.recent + 1 >= current().surge_threshold

    @property
    def lifts(self) -> bool:
        return self.active and self.recent < current().surge_lift

    @property
    def holding(self) -> bool:
        return (self.active and not self.lifts) or self.starts


def surge_state(facts: dict) -> Surge:
    if current().surge_threshold <= 0:  # 0: the guard is off
        return Surge(recent=0, active=False)
    return Surge(recent=facts["recent"], active=facts["surging"])


# Rule 4's refusal, given when the duplicate index refuses the new row.
DUPLICATE = Decision(rule="duplicate", refusal=DUPLICATE_MESSAGE, http_status=409)


def stored_ip(ip: str | None) -> str | None:
    """The IP as the privacy setting allows it to be kept."""
    mode = settings.COMMENTS_IP_STORAGE
    if not ip or mode == "none":
        return None
    if mode == "truncated":
        address = ipaddress.ip_address(ip)
        prefix = 24 if address.version == 4 else 48
        network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
        return str(network.network_address)
    return ip


WORDS_TAG = "moderation-words"


def _admin_words() -> dict:
    """The admin's block and hold words, kept in the cache until a word is
    added, changed or removed (ModerationWord signals bump WORDS_TAG)."""
    key = fragment_key("moderation-words", [WORDS_TAG])

    def load():
        words = {"block": [], "hold": []}
        for kind, word in ModerationWord.objects.values_list("kind", "word"):
            words[kind].append(word)
        return words

    return get_or_load(key, load)


def _words(kind: str) -> list[str]:
    return [w.lower() for w in _admin_words()[kind] if w.strip()]


def _contains_any(text: str, words: list[str]) -> bool:
    return any(word in text for word in words)


_FACTS_SQL = """
SELECT
  EXISTS (SELECT 1 FROM {ban} WHERE UPPER(email::text) = UPPER(%(email)s)
          OR ip = %(ip)s) AS banned,
  EXISTS (SELECT 1 FROM {comment} WHERE UPPER(email::text) = UPPER(%(email)s)
          AND status = 'approved') AS trusted,
  %(exempt)s = false AND %(flood_on)s AND (
    EXISTS (SELECT 1 FROM {comment} WHERE UPPER(email::text) = UPPER(%(email)s)
            AND created_at >= %(flood_since)s)
    OR EXISTS (SELECT 1 FROM {comment} WHERE ip = %(ip)s
               AND created_at >= %(flood_since)s)) AS flood,
  %(exempt)s = false AND EXISTS (
    SELECT 1 FROM {comment} WHERE ip = %(ip)s
    AND created_at >= %(minute_ago)s
    ORDER BY created_at DESC OFFSET %(rate_offset)s LIMIT 1) AS rate_limited,
  -- The story's comments in the surge window, counted up to the cap: the
  -- newest of each status first, so each branch is an ordered index scan
  -- that stops at the cap whatever the statistics say. Without the order a
  -- plan chosen while the table looked quiet (a generic plan, prepared on
  -- every connection) read every recent comment of the site through the
  -- BRIN index, or the whole table, on every post of a surge.
  (SELECT COUNT(*) FROM (
     {recent_by_status}
     LIMIT %(surge_cap)s) AS recent) AS recent,
  EXISTS (SELECT 1 FROM {surge} WHERE article_id = %(article)s
          AND ended_at IS NULL) AS surging
"""


# One branch of the surge count per status (see _FACTS_SQL).
_RECENT_OF_STATUS = """(SELECT 1 FROM {comment} WHERE article_id = %(article)s
      AND status = '{status}' AND created_at >= %(surge_since)s
      ORDER BY created_at DESC LIMIT %(surge_cap)s)"""


@functools.cache
def facts_sql() -> str:
    """The policy's one statement, with the tables' names."""
    comment = Comment._meta.db_table
    return _FACTS_SQL.format(
        ban=BannedCommenter._meta.db_table,
        comment=comment,
        surge=CommentSurge._meta.db_table,
        recent_by_status="\n     UNION ALL\n     ".join(
            _RECENT_OF_STATUS.format(comment=comment, status=status)
            for status in Comment.Status.values
        ),
    )


def _facts(*, article_id, email, ip, now, is_moderator, lock) -> dict:
    """Everything the rules ask the database, in one statement.

    Written as SQL on purpose: this runs on every comment posted, and the same
    five EXISTS built through the ORM cost more CPU than the rest of the
    request (profiled: about half of a post). The conditions are exactly the
    rules' (iexact is UPPER() = UPPER(), which the email indexes cover); the
    tests of every rule run through this statement. `lock` runs first, in
    the same round trip."""
    sql = facts_sql()
    policy = current()
    params = {
        "email": email,
        "ip": ip,
        "exempt": is_moderator,
        # A window of 0 turns the flood rule off.
        "flood_on": policy.flood_seconds > 0,
        "flood_since": now - timedelta(seconds=policy.flood_seconds),
        "minute_ago": now - timedelta(minutes=1),
        "rate_offset": policy.rate_per_minute - 1,
        "article": article_id,
        "surge_since": now - timedelta(seconds=policy.surge_window_seconds),
        # Counting stops past the threshold: a surge costs no more to check.
        "surge_cap": max(policy.surge_threshold, 1),
    }
    row = fetch_one_prepared(sql, params, after=lock)
    names = ("banned", "trusted", "flood", "rate_limited", "recent", "surging")
    return dict(zip(names, row, strict=True))


def _unmeasured(form_age: float | None, form_age_measured: bool) -> str:
    """The bot rule's hold, if any: the form came back too fast, or its fill
    time cannot be measured (no JavaScript, a forged or missing time). Maybe
    a bot, maybe a fast typist or a form kept open elsewhere: a moderator
    decides (the rule says why it waits), it is never binned."""
    minimum = settings.COMMENTS_MIN_SUBMIT_SECONDS
    if form_age is None or form_age < minimum:
        return "too-fast"
    if minimum > 0 and not form_age_measured:
        # The form's time came from a page a cache may have served to many
        # (no JavaScript fetched this visitor's own): no fill time to judge.
        return "form-time-unknown"
    return ""


def decide(
    *,
    article_id: int,
    name: str,
    email: str,
    body: str,
    ip: str | None,
    honeypot: str,
    form_age: float | None,
    form_age_measured: bool = True,
    is_moderator: bool = False,
    lock: tuple,
) -> Decision:
    """Apply the policy to a comment about to be stored. `lock` (sql,
    params) serializes the sender's submissions: it is taken before anything
    is read, and held until the caller's transaction ends."""
    now = timezone.now()
    # 1. The honeypot alone may short-cut: a filled hidden field is a bot,
    # stored as spam without a word (it learns nothing).
    if honeypot:
        run(lock)
        return Decision(rule="honeypot", status=Comment.Status.SPAM)
    facts = _facts(
        article_id=article_id,
        email=email,
        ip=ip,
        now=now,
        is_moderator=is_moderator,
        lock=lock,
    )
    # Every refusal comes before any hold, for every post: a post without
    # JavaScript (or too fast) is held below, but never skips these.
    # 2. Banned email or IP.
    if facts["banned"]:
        return Decision(rule="banned", refusal=BANNED_MESSAGE, http_status=403)

    # 3. Flood and rate limits (moderators exempt). Held and spam posts are
    # stored, so they count here like any other.
    # The message says how long to wait (the window: the reader's last
    # comment may be older, never newer).
    if facts["flood"]:
        wait = {"seconds": current().flood_seconds}
        return Decision(rule="flood", refusal=FLOOD_MESSAGE % wait, http_status=429)
    if facts["rate_limited"]:
        posted = {"count": current().rate_per_minute}
        return Decision(
            rule="rate-limit", refusal=RATE_MESSAGE % posted, http_status=429
        )

    # 4. Duplicates of a live comment are refused by the unique index when
    # the comment is stored (comments.models.DUPLICATE_KEY): see DUPLICATE.

    # 5. Words and links; a form whose fill time says "maybe a bot" waits.
    surge = surge_state(facts)
    text = f"{name}\n{email}\n{body}".lower()
    if _contains_any(text, _words("block")):
        return Decision(rule="block-word", status=Comment.Status.SPAM)
    unmeasured = _unmeasured(form_age, form_age_measured)
    if unmeasured:
        return Decision(rule=unmeasured, status=Comment.Status.PENDING, surge=surge)
    if _contains_any(text, _words("hold")):
        return Decision(rule="hold-word", status=Comment.Status.PENDING)
    if len(LINK_RE.findall(body)) >= current().hold_links:
        return Decision(rule="links", status=Comment.Status.PENDING)

    # 6. A surging story, or nobody on shift: everything waits for a
    # moderator (whose own comments do not).
    if surge.holding and not is_moderator:
        return Decision(rule="surge", status=Comment.Status.PENDING, surge=surge)
    if not is_moderator and quiet.quiet_until(current(), now):
        return Decision(rule="quiet-hours", status=Comment.Status.PENDING, surge=surge)

    # 7. Trusted commenters.
    if current().trust_approved_emails and facts["trusted"]:
        return Decision(rule="trusted", status=Comment.Status.APPROVED, surge=surge)

    # 8. Everything else waits for a moderator.
    return Decision(rule="default", status=Comment.Status.PENDING, surge=surge)


def closing_time(article):
    """When comments close by date (COMMENTS_CLOSE_AFTER_DAYS after
    publication), or None."""
    days = current().close_after_days
    if days and article.published_at:
        return article.published_at + timedelta(days=days)
    return None


def comments_closed(article) -> bool:
    """Closed by the article's switch, by a legal hold, N days after
    publication, or in quiet hours when COMMENTS_QUIET_MODE is "close"."""
    if not article.comments_open or is_held(article):
        return True
    closing = closing_time(article)
    now = timezone.now()
    if closing is not None and now > closing:
        return True
    return current().quiet_mode == "close" and bool(quiet.quiet_until(current(), now))
