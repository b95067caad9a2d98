"""Cursors of the API's lists: where the last page ended, as the list is
ordered (published_at, id, newest first), signed so that a client cannot
make one up (the edge and the page cache keep one copy per page, not one per
invented cursor). A page costs the same at the start and 60,000 stories in:
one index range scan from the cursor (docs/benchmarks.md)."""

from datetime import datetime

from django.core import signing
from django.db.models import Q

SALT = "api.v1.cursor"


class BadCursor(ValueError):
    """A cursor this site did not make (or of another list)."""


def make(published_at: datetime, pk: int) -> str:
    return signing.dumps([published_at.isoformat(), pk], salt=SALT, compress=False)


def after(queryset, cursor: str, field: str = "published_at"):
    """`queryset` (ordered by `field` then id, newest first) from just after
    `cursor`."""
    try:
        moment, pk = signing.loads(cursor, salt=SALT)
        moment = datetime.fromisoformat(moment)
        pk = int(pk)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor(cursor) from error
    # `published_at <= moment` bounds the index range scan; the OR only
    # breaks ties at that moment.
    return queryset.filter(**{f"{field}__lte": moment}).filter(
        Q(**{f"{field}__lt": moment}) | Q(pk__lt=pk)
    )
