"""E-mail messages whose headers reach mail clients as written, signed
with DKIM when the site has a key.

Python's e-mail package folds a header longer than 78 characters at its
spaces; one with no space to fold at (a List-Unsubscribe address carrying a
signed token) it turns into RFC 2047 encoded words, which mail clients do
not read as an address: the one-click unsubscribe then fails. RFC 5322
allows lines of 998 characters, so these messages are written with that
limit.

DKIM (dkimpy): with NEWSROOM_DKIM_SELECTOR and NEWSROOM_DKIM_KEY_FILE (a
PEM private key) set, each list message is signed for the domain of its
From address, relaxed canonicalization, over the headers receivers check
(From, To, Subject, Date, Message-ID and the list headers). Publish the
public key as the TXT record <selector>._domainkey.<domain>."""

from email.policy import default
from email.utils import parseaddr
from functools import cache
from pathlib import Path

import dkim
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

SIGNED = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"MIME-Version",
    b"Content-Type",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
]


@cache
def _key(path: str) -> bytes:
    return Path(path).read_bytes()


def mail_domain(address: str) -> str:
    """The domain of an address as a From header writes it ("" if none)."""
    return parseaddr(address)[1].rpartition("@")[2]


def dkim_signature(raw: bytes, from_header: str) -> str | None:
    """The DKIM-Signature header's value for the message `raw`, or None
    when the site signs nothing."""
    selector = settings.NEWSROOM_DKIM_SELECTOR
    key_file = settings.NEWSROOM_DKIM_KEY_FILE
    if not (selector and key_file):
        return None
    domain = mail_domain(from_header)
    header = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        _key(key_file),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=SIGNED,
    )
    name, _, value = header.decode().partition(":")
    return " ".join(value.split())


class _Unfolded:
    def message(self, *, policy=default):
        policy = policy.clone(max_line_length=998)
        msg = super().message(policy=policy)
        if settings.NEWSROOM_DKIM_SELECTOR and settings.NEWSROOM_DKIM_KEY_FILE:
            # Written once more to be signed: only when the site signs.
            signature = dkim_signature(msg.as_bytes(policy=policy), msg["From"])
            msg["DKIM-Signature"] = signature
        return msg


class ListMessage(_Unfolded, EmailMessage):
    """A plain-text message with list headers."""


class ListMultiAlternatives(_Unfolded, EmailMultiAlternatives):
    """A message with a plain-text and an HTML part, with list headers."""
