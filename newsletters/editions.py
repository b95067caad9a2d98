"""Editions made from the newsroom's own lists: the morning briefing (the
front page's lead and top stories, then the most read of the last day) and
the breaking alert (one story). Both are drafts an editor can reorder, give
an intro, preview, test and send; their HTML is mail-client HTML (tables,
inline styles, pictures from the renditions) with a plain-text part, in
the site's language."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from articles import audit
from articles.front import front_at
from articles.images import rendition_of
from articles.models import Article, can_publish
from audience.models import ViewCount
from comments.mail import site_url

from . import sending
from .models import Newsletter, Send, Subscription

BRIEFING_STORIES = 8


def briefing_stories(at=None) -> list[Article]:
    """The front page's lead and top stories, then the most read of the
    last day, each once, BRIEFING_STORIES at most; the newest stories when
    the front and the counts have none."""
    at = at or timezone.now()
    front = front_at(at)
    chosen = ([front.lead] if front.lead else []) + front.top
    chosen += ViewCount.objects.most_read(since=at - timedelta(days=1), limit=5)
    if not chosen:
        chosen = list(Article.objects.published(at).for_listing()[:BRIEFING_STORIES])
    unique = list({a.pk: a for a in chosen}.values())
    return unique[:BRIEFING_STORIES]


def _stories(ids) -> list[Article]:
    cards = Article.objects.published().for_listing().in_bulk(ids)
    return [cards[pk] for pk in ids if pk in cards]


def _card(article: Article) -> dict:
    picture = rendition_of(
        article.featured_image_renditions, width=640, crop="card", fallback=True
    )
    return {
        "title": article.title,
        "standfirst": article.standfirst,
        "url": site_url(article.get_absolute_url()),
        "section": article.section.name if article.section_id else "",
        "image": site_url(picture[0]) if picture else None,
        "image_width": picture[1] if picture else None,
        "image_height": picture[2] if picture else None,
        "alt": article.featured_image_alt,
    }


def render(send: Send) -> None:
    """Make the edition's HTML and text from its stories and intro."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "send": send,
            "site_name": settings.NEWSROOM_SITE_NAME,
            "site_url": site_url("/"),
            "language": settings.LANGUAGE_CODE,
            "intro": send.intro,
            "stories": [_card(a) for a in _stories(send.story_ids)],
            "date": date_format(timezone.localdate(send.created_at), "DATE_FORMAT"),
        }
        send.html = render_to_string("newsletters/email/edition.html", context)
        send.text = render_to_string("newsletters/email/edition.txt", context)


def briefing_compose(*, newsletter: Newsletter, at=None) -> Send:
    """Today's briefing as a draft (made once a day per newsletter)."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    existing = Send.objects.filter(
        newsletter=newsletter, created_at__date=today
    ).first()
    if existing is not None:
        return existing
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"{newsletter.name}: {date_format(today, 'DATE_FORMAT')}"
    send = Send(
        newsletter=newsletter,
        subject=subject,
        story_ids=[a.pk for a in briefing_stories(at)],
        created_at=at,
    )
    render(send)
    send.save()
    return send


def briefings_due(now=None) -> list[Send]:
    """At NEWSROOM_BRIEFING_TIME (local) or later, each active briefing
    newsletter's draft for today (NEWSROOM_SCHEDULE asks every few
    minutes); sends whose scheduled time has come are started."""
    now = now or timezone.now()
    made = []
    hour, minute = (int(x) for x in settings.NEWSROOM_BRIEFING_TIME.split(":"))
    local = timezone.localtime(now)
    if (local.hour, local.minute) >= (hour, minute):
        for newsletter in Newsletter.objects.filter(
            active=True, kind=Newsletter.Kind.BRIEFING
        ):
            made.append(briefing_compose(newsletter=newsletter, at=now))
    for send in Send.objects.filter(status=Send.Status.DRAFT, scheduled_for__lte=now):
        sending.send_start(send=send)
    return made


def alert_recipients(newsletter: Newsletter) -> int:
    return Subscription.objects.filter(
        newsletter=newsletter, confirmed_at__isnull=False
    ).count()


def alerts_today(newsletter: Newsletter, now=None) -> int:
    day = timezone.localdate(now or timezone.now())
    return Send.objects.filter(newsletter=newsletter, started_at__date=day).count()


def alert_send(*, article: Article, newsletter: Newsletter, user, note: str = ""):
    """A breaking alert about `article` to `newsletter` (an alerts list):
    editors only, a published story, at most NEWSROOM_ALERTS_PER_DAY a day
    per list; audited. Returns the send."""
    if not can_publish(user):
        raise PermissionDenied("Only editors send breaking alerts.")
    if newsletter.kind != Newsletter.Kind.ALERTS:
        raise ValidationError("Alerts go to an alerts newsletter.")
    if not article.is_published:
        raise ValidationError("Only a published story can be an alert.")
    with transaction.atomic():
        Newsletter.objects.select_for_update().get(pk=newsletter.pk)
        if alerts_today(newsletter) >= settings.NEWSROOM_ALERTS_PER_DAY:
            raise ValidationError(
                f"{newsletter.name} has had {settings.NEWSROOM_ALERTS_PER_DAY} "
                "alerts today, the most a day."
            )
        send = Send(
            newsletter=newsletter,
            subject=article.title,
            story_ids=[article.pk],
            intro=note,
            created_by=user,
        )
        render(send)
        send.save()
        count = sending.send_start(send=send, by=user)
        audit.record(
            user,
            "breaking alert",
            article,
            newsletter=newsletter.name,
            recipients=count,
        )
    return send
