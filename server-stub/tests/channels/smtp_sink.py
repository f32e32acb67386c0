"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the server's email
tests: each message it accepts is parsed with Python's own `email` package (an independent
reader) and appended as one JSON line to OUT.

Usage: python smtp_sink.py OUT [--fail-first N]
  Prints "PORT <n>" once it listens on 127.0.0.1:<n>, then serves until stdin closes.
  --fail-first N  answers the first N messages with 451 (a temporary refusal).
  A recipient whose address starts with "refused@" is refused with 550 (for good).
"""

import argparse
import asyncio
import json
import socket
import sys
from email import message_from_bytes, policy

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, out: str, fail_first: int) -> None:
        self.out = out
        self.fail_first = fail_first

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 try again later"
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "envelopeFrom": envelope.mail_from,
            "envelopeTo": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "messageId": str(msg["Message-ID"]),
            "date": str(msg["Date"]),
            "autoSubmitted": str(msg["Auto-Submitted"]),
            "contentType": msg.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"


async def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("out")
    args.add_argument("--fail-first", type=int, default=0)
    a = args.parse_args()
    handler = Handler(a.out, a.fail_first)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="smtp-sink"), sock=sock)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    # Serve until the test closes stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
