"""E-mail messages whose headers reach mail clients as written.

Python's e-mail package folds a header longer than 78 characters at its
spaces; one with no space to fold at (a List-Unsubscribe address carrying a
signed token) it turns into RFC 2047 encoded words, which mail clients do
not read as an address: the one-click unsubscribe then fails. RFC 5322
allows lines of 998 characters, so these messages are written with that
limit."""

from email.policy import default

from django.core.mail import EmailMessage, EmailMultiAlternatives


class _Unfolded:
    def message(self, *, policy=default):
        return super().message(policy=policy.clone(max_line_length=998))


class ListMessage(_Unfolded, EmailMessage):
    """A plain-text message with list headers."""


class ListMultiAlternatives(_Unfolded, EmailMultiAlternatives):
    """A message with a plain-text and an HTML part, with list headers."""
