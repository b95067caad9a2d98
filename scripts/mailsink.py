#!/usr/bin/env python3
"""A local mail sink: an SMTP server that keeps every message it receives as
a file and delivers nothing anywhere. `make cluster`'s MTA (Postfix) relays
all mail here, so no e-mail of a test or demo site ever leaves the machine.

    scripts/mailsink.py PORT FOLDER

Each message is FOLDER/<time>-<n>.eml (the message as received, with an
X-Sink-To header naming its envelope recipients).
"""

import asyncio
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{time.time():.6f}-{self.count}.eml"
        header = f"X-Sink-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        (self.folder / name).write_bytes(header + envelope.original_content)
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
