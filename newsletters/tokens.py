"""The signed links of newsletter e-mails: whoever holds one acts for that
address only (it was sent there). A confirmation link expires; the links
to manage and to unsubscribe keep working as long as the e-mails do."""

from django.core import signing

CONFIRM_SALT = "newsletters.confirm"
MANAGE_SALT = "newsletters.manage"
UNSUBSCRIBE_SALT = "newsletters.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def _dumps(value, salt: str) -> str:
    return signing.dumps(value, salt=salt, compress=True)


def _loads(token: str, salt: str, max_age=None):
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None


def confirm_token(email: str, newsletter_ids, replaces: str = "") -> str:
    value = [email.lower(), sorted(newsletter_ids), replaces.lower()]
    return _dumps(value, CONFIRM_SALT)


def confirm_value(token: str):
    """(email, newsletter ids, the address it replaces or "") or None
    (tampered with, or expired)."""
    value = _loads(token, CONFIRM_SALT, CONFIRM_MAX_AGE)
    if not isinstance(value, list) or len(value) != 3:
        return None
    return value[0], value[1], value[2]


def manage_token(email: str) -> str:
    return _dumps(email.lower(), MANAGE_SALT)


def manage_email(token: str) -> str | None:
    value = _loads(token, MANAGE_SALT)
    return value if isinstance(value, str) else None


def unsubscribe_token(email: str, newsletter_id: int) -> str:
    return _dumps([email.lower(), newsletter_id], UNSUBSCRIBE_SALT)


def unsubscribe_value(token: str):
    value = _loads(token, UNSUBSCRIBE_SALT)
    if not isinstance(value, list) or len(value) != 2:
        return None
    return value[0], value[1]
