"""The publishing workflow, in one table.

A story is in one of five states (new, draft, in review, scheduled, live).
From each, `TRANSITIONS` lists what may be done to it: the admin form's
buttons, the statuses its Status menu offers, whether its publication time
may be edited, the check the services apply before any save, the message a
save ends with and the action the audit log records all read this table.
Nothing else decides who may move a story where.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html

from .models import Article, can_publish

Status = Article.Status

NEW, DRAFT, IN_REVIEW, SCHEDULED, LIVE = (
    "new",
    "draft",
    "in_review",
    "scheduled",
    "live",
)
STATE_LABELS = {
    NEW: "new",
    DRAFT: "draft",
    IN_REVIEW: "in review",
    SCHEDULED: "scheduled",
    LIVE: "live",
}


@dataclass(frozen=True)
class Transition:
    action: str  # the button's value (`_workflow`)
    label: str  # the button's words
    status: str  # the status the story has after it
    time: str  # "keep" the publication time, set it to "now", or a "future" one
    editors_only: bool = True
    # Asked before it happens: the button leads to a confirmation page.
    confirm: bool = False
    primary: bool = False  # the button a reader of the form should see first


_SAVE_DRAFT = Transition("draft", "Save draft", Status.DRAFT, "keep", False)
_SUBMIT = Transition("review", "Submit for review", Status.IN_REVIEW, "keep", False)
_SCHEDULE = Transition("schedule", "Schedule", Status.PUBLISHED, "future")
_PUBLISH = Transition("publish", "Publish now", Status.PUBLISHED, "now", primary=True)
_UNPUBLISH = Transition("unpublish", "Unpublish…", Status.DRAFT, "keep", confirm=True)

TRANSITIONS: dict[str, tuple[Transition, ...]] = {
    NEW: (_SAVE_DRAFT, _SUBMIT, _SCHEDULE, _PUBLISH),
    DRAFT: (_SAVE_DRAFT, _SUBMIT, _SCHEDULE, _PUBLISH),
    IN_REVIEW: (_SAVE_DRAFT, _SUBMIT, _SCHEDULE, _PUBLISH),
    # A scheduled story is the editors' business: they move its time, bring it
    # forward or take it off the schedule (no confirmation: nobody reads it yet).
    SCHEDULED: (
        Transition("schedule", "Update schedule", Status.PUBLISHED, "future"),
        _PUBLISH,
        Transition("unschedule", "Unschedule", Status.DRAFT, "keep"),
    ),
    # A live story stays live when it is saved; taking it down is asked first.
    LIVE: (
        Transition("update", "Update", Status.PUBLISHED, "keep", primary=True),
        _UNPUBLISH,
    ),
}


def state_of(status: str | None, published_at: datetime | None) -> str:
    if status is None:
        return NEW
    if status == Status.PUBLISHED:
        if published_at is not None and published_at > timezone.now():
            return SCHEDULED
        return LIVE
    return IN_REVIEW if status == Status.IN_REVIEW else DRAFT


def state_of_article(article: Article | None) -> str:
    """The state of `article` as this instance has it (None, or one never
    saved: new)."""
    if article is None or article.pk is None:
        return NEW
    return state_of(article.status, article.published_at)


def stored_state(article: Article) -> str:
    """The state of `article` as the database has it (a form may have
    changed the instance already)."""
    if article.pk is None:
        return NEW
    row = (
        Article.objects.filter(pk=article.pk)
        .values_list("status", "published_at")
        .first()
    )
    return state_of(*row) if row else NEW


def available(user, state: str) -> list[Transition]:
    """What `user` may do to a story in `state`, in button order."""
    editor = can_publish(user)
    return [t for t in TRANSITIONS[state] if editor or not t.editors_only]


def find(user, state: str, action: str | None) -> Transition | None:
    """The transition a button named, if `user` may take it from `state`."""
    return next((t for t in available(user, state) if t.action == action), None)


def may_set(user, state: str, status: str) -> bool:
    """Whether `user` may give a story in `state` the status `status`
    (the Status menu, and every save, in the services)."""
    return any(t.status == status for t in available(user, state))


def statuses(user, state: str) -> list[tuple[str, str]]:
    """The Status menu's choices for `user` on a story in `state`."""
    allowed = {t.status for t in available(user, state)}
    return [choice for choice in Status.choices if choice[0] in allowed]


def may_set_time(user, state: str) -> bool:
    """Whether the publication time is an editable field for `user`: only
    where `user` may publish the story (set its time, or move it)."""
    return may_set(user, state, Status.PUBLISHED)


def audit_action(before: dict, after: dict) -> str | None:
    """The editorial action a new version records in the audit log, from
    the stored status and time before and after (ISO strings)."""
    status, at = after.get("status"), after.get("published_at")
    was = (before.get("status"), before.get("published_at"))
    if status == Status.PUBLISHED and (status, at) != was:
        moment = datetime.fromisoformat(at) if at else None
        return "schedule" if moment and moment > timezone.now() else "publish"
    if was[0] == Status.PUBLISHED and status != Status.PUBLISHED:
        return "unpublish"
    if status == Status.IN_REVIEW and was[0] != Status.IN_REVIEW:
        return "submit for review"
    return None


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} ({local:%Z})"


_DONE = {
    "draft": "“{title}” is saved as a draft.",
    "review": "“{title}” is submitted for review: an editor can publish it.",
    "unschedule": "“{title}” is no longer scheduled: it is a draft again.",
    "unpublish": "“{title}” is now offline (readers get “not found” at its "
    "address): it is a draft again.",
}


def done_message(action: str, article: Article) -> str:
    """What the button `action` did to the saved `article`, in the words of
    the workflow (the admin's message after the save)."""
    state = state_of_article(article)
    if state == SCHEDULED:
        return f"“{article.title}” is scheduled for {_when(article.published_at)}."
    if state == LIVE:
        return format_html(
            '“{}” is {}: <a href="{}">view it on the site</a>.',
            article.title,
            "updated" if action == "update" else "published",
            article.get_absolute_url(),
        )
    return _DONE.get(action, _DONE["draft"]).format(title=article.title)


def revision_label(data: dict, saved_at: datetime) -> str:
    """A saved version's status as people read it: "Draft", "In review",
    "Published", or "Scheduled for … (zone)" when it was saved with a
    publication time still to come (never the stored code)."""
    status = data.get("status")
    at = data.get("published_at")
    moment = datetime.fromisoformat(at) if at else None
    if status == Status.PUBLISHED and moment and moment > saved_at:
        return f"Scheduled for {_when(moment)}"
    try:
        return str(Status(status).label)
    except ValueError:  # not a status this code knows (an old version)
        return str(status or "—")
