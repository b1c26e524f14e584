"""A minimal SMTP server on 127.0.0.1 that keeps what it receives: the test's mailbox for Cognito's codes."""

from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def code(self) -> str:
        found = re.search(r"\b(\d{6})\b", self.body)
        assert found, f"no 6-digit code in {self.body!r}"
        return found.group(1)


@dataclass
class SMTPSink:
    """`with SMTPSink() as sink:` serves SMTP (no TLS, no auth) on `sink.port` until the block ends."""

    messages: list[Received] = field(default_factory=list)
    port: int = 0
    _server: socketserver.ThreadingTCPServer | None = None

    def __enter__(self) -> SMTPSink:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 sink ESMTP\r\n")
                sender, recipients = "", []
                while line := self.rfile.readline():
                    command = line.decode("ascii", "replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    elif verb == "MAIL":
                        sender = command.split(":", 1)[1].strip(" <>")
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip(" <>"))
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = bytearray()
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        parsed = email.message_from_bytes(bytes(data), policy=email.policy.default)
                        sink.messages.append(Received(sender, recipients, parsed))  # type: ignore[arg-type]
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_for(self, recipient: str, count: int = 1, timeout: float = 10) -> Received:
        """The `count`-th message to `recipient`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matching = [m for m in self.messages if recipient in m.recipients]
            if len(matching) >= count:
                return matching[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no message #{count} to {recipient} within {timeout} s; got {[m.recipients for m in self.messages]}")
