"""The newsroom's audit log: every editorial action (publish, schedule,
unpublish, restore, delete, correct) and every moderation action (decisions,
bans, erasures) in one table, written here by the services that act, read
in the admin (filterable, CSV), never editable there."""

from collections.abc import Iterable

from .models import AuditEntry


def _type(obj) -> str:
    return obj._meta.label_lower if obj is not None else ""


def record(actor, action: str, obj=None, summary: str = "", **detail) -> AuditEntry:
    """Write one entry: `actor` did `action` to `obj`."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=_type(obj),
        object_id=str(obj.pk) if obj is not None else "",
        summary=(summary or str(obj or ""))[:300],
        detail=detail,
    )


def record_many(actor, action: str, object_type: str, ids: Iterable, summary: str):
    """One entry per object (`ids` of `object_type`), in one statement."""
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=str(pk),
            summary=summary[:300],
        )
        for pk in ids
    )
