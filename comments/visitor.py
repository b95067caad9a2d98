"""What a comment request knows about its visitor: the signed cookies that
remember their pending comments and their name and e-mail, and their IP.

The cookie names live in settings (NEWSROOM_VISITOR_COOKIES lists every
per-visitor cookie), so the page cache and any edge cache bypass exactly these.
"""

from django.conf import settings
from django.core import signing

from articles.models import fit

from .models import Comment

PENDING_SALT = "comments.pending"
AUTHOR_SALT = "comments.author"
MAX_PENDING_IDS = 20
YEAR = 60 * 60 * 24 * 365


def own_comment_ids(request) -> list[int]:
    """Comments this browser posted that may still await moderation."""
    raw = request.COOKIES.get(settings.COMMENTS_PENDING_COOKIE)
    if not raw:
        return []
    try:
        ids = signing.loads(raw, salt=PENDING_SALT, max_age=YEAR)
    except signing.BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)][:MAX_PENDING_IDS]


def remembered_author(request) -> dict:
    """The name and e-mail this browser asked us to remember ({} if none)."""
    raw = request.COOKIES.get(settings.COMMENTS_AUTHOR_COOKIE)
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=AUTHOR_SALT)
    except signing.BadSignature:
        return {}
    return {k: fit(Comment, k, str(data.get(k, ""))) for k in ("name", "email")}


def remember_visitor(response, *, secure: bool, own_ids, author: dict | None):
    """Set (or clear) the two comment cookies on `response`."""
    cookie = {"max_age": YEAR, "httponly": True, "samesite": "Lax", "secure": secure}
    if own_ids:
        response.set_cookie(
            settings.COMMENTS_PENDING_COOKIE,
            signing.dumps(list(own_ids)[:MAX_PENDING_IDS], salt=PENDING_SALT),
            **cookie,
        )
    if author:
        response.set_cookie(
            settings.COMMENTS_AUTHOR_COOKIE,
            signing.dumps(author, salt=AUTHOR_SALT),
            **cookie,
        )
    else:
        response.delete_cookie(settings.COMMENTS_AUTHOR_COOKIE, samesite="Lax")
