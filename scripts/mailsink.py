#!/usr/bin/env python3
"""A local mail sink: an SMTP server that keeps every message it receives as
a file and delivers nothing anywhere. `make cluster`'s MTA (Postfix) relays
all mail here, so no e-mail of a test or demo site ever leaves the machine.

    scripts/mailsink.py PORT FOLDER

Each message is FOLDER/<time>-<n>.eml (the message as received, with an
X-Sink-To header naming its envelope recipients).

It also plays the rest of the internet for bounces, as `make cluster`
configures it:
- a recipient matching NEWSROOM_MAILSINK_BOUNCE (a regular expression;
  default `^bounce-after@`) is accepted, then bounced a moment later: a
  delivery status notification (5.1.1) goes back through the MTA
  (NEWSROOM_MAILSINK_MTA, host:port) to the message's return path, as a
  remote server that accepted a message and then could not deliver it does;
- mail to a VERP address (bounces+<n>@…) is what the newsroom's MTA would
  pipe to the site: it is piped to NEWSROOM_MAILSINK_PIPE (a command that
  gets the recipient as its last argument and the message on its input:
  `manage.py newsletter_bounce`).
"""

import asyncio
import os
import re
import shlex
import smtplib
import subprocess
import sys
import time
from email.utils import formatdate, make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller

BOUNCE = re.compile(os.environ.get("NEWSROOM_MAILSINK_BOUNCE", r"^bounce-after@"))
VERP = re.compile(r"^bounces\+\d+@", re.IGNORECASE)


def dsn(return_path: str, recipient: str) -> bytes:
    """A delivery status notification saying `recipient` does not exist."""
    return (
        f"From: MAILER-DAEMON@sink.localhost\r\n"
        f"To: {return_path}\r\n"
        f"Date: {formatdate()}\r\n"
        f"Message-ID: {make_msgid(domain='sink.localhost')}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="S"\r\n'
        "\r\n--S\r\nContent-Type: text/plain\r\n\r\n"
        f"<{recipient}>: 550 5.1.1 User unknown\r\n"
        "\r\n--S\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; sink.localhost\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "\r\n--S--\r\n"
    ).encode()


def bounce_later(return_path: str, recipient: str) -> None:
    host, _, port = os.environ.get("NEWSROOM_MAILSINK_MTA", "").rpartition(":")
    if not port or not return_path:
        return
    time.sleep(1)  # accepted first, bounced after
    with smtplib.SMTP(host, int(port), timeout=10) as mta:
        mta.sendmail("", [return_path], dsn(return_path, recipient))


def pipe(recipient: str, content: bytes) -> None:
    command = os.environ.get("NEWSROOM_MAILSINK_PIPE", "")
    if command:
        subprocess.run(
            [*shlex.split(command), recipient], input=content, timeout=60, check=False
        )


class Keep:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{time.time():.6f}-{self.count}.eml"
        header = f"X-Sink-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        (self.folder / name).write_bytes(header + envelope.original_content)
        loop = asyncio.get_running_loop()
        for recipient in envelope.rcpt_tos:
            if VERP.match(recipient):
                loop.run_in_executor(None, pipe, recipient, envelope.original_content)
            elif BOUNCE.match(recipient):
                loop.run_in_executor(None, bounce_later, envelope.mail_from, recipient)
        return "250 Message kept by the local sink"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"Mail sink on 127.0.0.1:{port}, keeping messages in {folder}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
