"""The newsroom's events, as the services that cause them announce them:
a story published (or due to be, `at` a future time), updated, unpublished
or corrected; comments approved. Listeners (api/webhooks.py, which tells
registered webhooks) receive the event inside the writer's transaction, so
what they record commits, or rolls back, with the change itself."""

from datetime import datetime

from django.dispatch import Signal

# sender: the event's type ("story.published"); ids: the objects' ids;
# at: when it takes effect (None: now); extra: the event's own details.
newsroom_event = Signal()


def emit(event_type: str, ids, *, at: datetime | None = None, **extra) -> None:
    ids = list(ids)
    if ids:
        newsroom_event.send(sender=event_type, ids=ids, at=at, extra=extra)
