"""The front page editors arrange: what it shows at a moment (`front_at`),
and the services that change it (the only writers of FrontSlot and
BreakingNews). Every
change is audited and reaches readers through the one invalidation point
(the FrontSlot receivers in articles/invalidation.py: tag "front", carried
by the home and section pages, edge included)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from caching.invalidation import invalidate

from . import audit
from .invalidation import FRONT_TAG
from .models import Article, BreakingNews, FrontSlot

Kind = FrontSlot.Kind


@dataclass
class Front:
    """What the front page shows at a moment: the lead (None: the newest
    story leads, as before any choice), the top stories in order, and per
    section the stories pinned to its top, in order."""

    lead: Article | None = None
    top: list[Article] = field(default_factory=list)
    pins: dict[int, list[Article]] = field(default_factory=dict)

    @property
    def placed_ids(self) -> set[int]:
        """The stories the front already shows above its latest list."""
        return {a.pk for a in ([self.lead] if self.lead else []) + self.top}


def front_at(at: datetime | None = None) -> Front:
    """The front at `at` (now): two queries, the places in force and their
    stories as cards. A story not published by then never shows."""
    at = at or timezone.now()
    slots = list(
        FrontSlot.objects.active(at).in_order().values_list("kind", "article_id")
    )
    if not slots:
        return Front()
    cards = (
        Article.objects.published(at)
        .for_listing()
        .in_bulk({article_id for _, article_id in slots})
    )
    front = Front()
    for kind, article_id in slots:
        article = cards.get(article_id)
        if article is None:
            continue
        if kind == Kind.LEAD and front.lead is None:
            front.lead = article
        elif kind == Kind.TOP and article not in front.top:
            front.top.append(article)
        elif kind == Kind.PIN and article.section_id:
            pinned = front.pins.setdefault(article.section_id, [])
            if article not in pinned:
                pinned.append(article)
    if front.lead is not None:
        front.top = [a for a in front.top if a.pk != front.lead.pk]
    return front


def _check_times(starts_at, ends_at) -> None:
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": "The end is already past."})
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must come after the start."})


def _summary(slot: FrontSlot) -> str:
    times = []
    if slot.starts_at:
        times.append(f"from {timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}")
    if slot.ends_at:
        times.append(f"until {timezone.localtime(slot.ends_at):%Y-%m-%d %H:%M}")
    return " ".join([f"{slot.get_kind_display()}: {slot.article}", *times])


@transaction.atomic
def front_place(
    *, user, kind: str, article: Article, starts_at=None, ends_at=None
) -> FrontSlot:
    """Put `article` on the front as `kind` (lead, top story, pinned to its
    section), from `starts_at` until `ends_at` (None: now, until removed).
    A top story or pin already placed gets the new times (never twice); a
    new one goes last. A lead may be lined up several times (06:00, 12:00):
    the one that started last leads."""
    _check_times(starts_at, ends_at)
    if kind == Kind.PIN and not article.section_id:
        raise ValidationError(
            {"article": "A story without a section cannot be pinned."}
        )
    slot = None
    if kind != Kind.LEAD:
        slot = FrontSlot.objects.filter(kind=kind, article=article).first()
    if slot is None:
        slot = FrontSlot(kind=kind, article=article, created_by=user)
        if kind != Kind.LEAD:  # leads are ordered by their start alone
            last = FrontSlot.objects.filter(kind=kind).aggregate(n=Max("position"))
            slot.position = 0 if last["n"] is None else last["n"] + 1
    slot.starts_at, slot.ends_at = starts_at, ends_at
    slot.save()
    audit.record(user, f"front-{kind}", article, _summary(slot))
    return slot


@transaction.atomic
def front_remove(*, user, slot: FrontSlot) -> None:
    audit.record(user, "front-remove", slot.article, _summary(slot))
    slot.delete()


@transaction.atomic
def front_reorder(*, user, kind: str, ids: list[int]) -> None:
    """Give the places of `kind` listed in `ids` that order (the others
    keep theirs, after them)."""
    slots = {s.pk: s for s in FrontSlot.objects.select_for_update().filter(kind=kind)}
    ordered = [slots[pk] for pk in ids if pk in slots]
    ordered += sorted(
        (s for pk, s in slots.items() if s not in ordered),
        key=lambda s: (s.position, s.pk),
    )
    for position, slot in enumerate(ordered):
        slot.position = position
    FrontSlot.objects.bulk_update(ordered, ["position"])
    invalidate(FRONT_TAG)  # bulk_update sends no signal
    audit.record(
        user,
        "front-reorder",
        None,
        f"{Kind(kind).label}s: " + ", ".join(str(s.article) for s in ordered),
    )


def front_move(*, user, slot: FrontSlot, step: int) -> None:
    """One place up (-1) or down (+1) among its kind (the buttons that work
    without JavaScript)."""
    ids = list(
        FrontSlot.objects.filter(kind=slot.kind)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    at = ids.index(slot.pk)
    to = min(max(at + step, 0), len(ids) - 1)
    ids.insert(to, ids.pop(at))
    front_reorder(user=user, kind=slot.kind, ids=ids)


@transaction.atomic
def breaking_mark(*, user, article: Article, ends_at=None, headline="") -> BreakingNews:
    """Show the breaking-news banner for `article` on every reader page, from
    now until `ends_at` (None: until ended); it replaces any banner in force.
    It shows once the story is published."""
    _check_times(None, ends_at)
    now = timezone.now()
    BreakingNews.objects.not_ended(now).update(ends_at=now)  # one banner at a time
    banner = BreakingNews.objects.create(
        article=article,
        headline=headline.strip(),
        starts_at=now,
        ends_at=ends_at,
        created_by=user,
    )
    until = f" until {timezone.localtime(ends_at):%Y-%m-%d %H:%M}" if ends_at else ""
    audit.record(user, "breaking-mark", article, f"Breaking: {banner.text}{until}")
    return banner


@transaction.atomic
def breaking_end(*, user) -> int:
    """End every banner in force now; how many there were."""
    now = timezone.now()
    ended = list(BreakingNews.objects.not_ended(now).select_related("article"))
    for banner in ended:
        banner.ends_at = now
        banner.save(update_fields=["ends_at"])
        audit.record(user, "breaking-end", banner.article, f"Ended: {banner.text}")
    return len(ended)
