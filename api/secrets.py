"""Secrets the newsroom must be able to read back (a webhook's signing
secret), encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256) under
keys from the environment: NEWSROOM_SECRETS_KEYS, comma-separated, the first
one encrypting and each one decrypting, so a key can be rotated (add the new
one first, re-save, then drop the old). Unset, one key is derived from
DJANGO_SECRET_KEY; a database dump alone never reveals a secret."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class Unreadable(ValueError):
    """Encrypted under a key the environment no longer has."""


def _fernet() -> MultiFernet:
    keys = list(settings.NEWSROOM_SECRETS_KEYS)
    if not keys:
        derived = hashlib.sha256(
            b"newsroom-secrets:" + settings.SECRET_KEY.encode()
        ).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise Unreadable("encrypted under another key") from None


def new_key() -> str:
    """A key for NEWSROOM_SECRETS_KEYS."""
    return Fernet.generate_key().decode()
