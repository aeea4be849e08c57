"""Sending notifications: an HTTP POST (webhooks, chat services, ntfy, Telegram) or an email
over SMTP. What to send is decided elsewhere; this only sends it, within limits, and says
what the other side answered.

Redirects are not followed (a receiver's answer is the answer), an answer is read up to a few
KiB, and every exchange has a deadline: a slow receiver delays its own messages only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal
from urllib.parse import urlsplit

import httpx

ANSWER_EXCERPT = 2048
# Answers worth trying again: the receiver is busy or down, not refusing the message.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


class Refused(Exception):
    """The message was not taken. retryable: the same message may be taken later."""

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    username: str | None
    password: str | None


class Messenger:
    def __init__(self, timeout_seconds: float = 10.0, allow_local: bool = False) -> None:
        self.timeout = timeout_seconds
        self.allow_local = allow_local
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=5),
            headers={"User-Agent": "ZaneOps-Notifications/1"},
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POSTs body; a 2xx answer is an Answer, anything else raises Refused."""
        parts = urlsplit(url)
        await self._check_destination(parts.hostname or "", parts.port or 443)
        try:
            async with self._http.stream("POST", url, content=body, headers=headers) as answer:
                excerpt = await _excerpt(answer)
        except httpx.TimeoutException:
            raise Refused(f"no answer within {self.timeout:g} s", retryable=True) from None
        except httpx.HTTPError as exc:
            raise Refused(f"could not reach it: {_why(exc)}", retryable=True) from None
        if 200 <= answer.status_code < 300:
            return Answer(answer.status_code, excerpt)
        said = f"answered HTTP {answer.status_code}" + (f": {excerpt}" if excerpt else "")
        retry_after = _seconds(answer.headers.get("retry-after"))
        retryable = answer.status_code in RETRYABLE_STATUSES
        raise Refused(said, retryable=retryable, retry_after=retry_after)

    async def send_email(self, server: SmtpServer, message: EmailMessage) -> Answer:
        await self._check_destination(server.host.strip("[]"), server.port)
        try:
            return await asyncio.to_thread(self._send_email, server, message)
        except smtplib.SMTPResponseException as exc:
            said = f"the SMTP server answered {exc.smtp_code}: {_text(exc.smtp_error)}"
            raise Refused(said, retryable=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(sorted(exc.recipients))
            raise Refused(f"the SMTP server refused {refused}", retryable=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise Refused(f"SMTP failed: {exc or type(exc).__name__}", retryable=True) from None

    async def _check_destination(self, host: str, port: int) -> None:
        """The machine itself and link-local addresses (a cloud's metadata service) are not
        receivers, unless allowed (tests, a relay on this machine)."""
        if self.allow_local:
            return
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port)
        except OSError as exc:
            raise Refused(f"cannot resolve {host}: {exc}", retryable=True) from None
        for *_, address in found:
            ip = ipaddress.ip_address(str(address[0]).split("%")[0])
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
                said = f"{host} is {ip}, an address of this machine or its link: refused"
                raise Refused(said, retryable=False)

    def _send_email(self, server: SmtpServer, message: EmailMessage) -> Answer:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        with smtp:
            if server.security == "starttls":
                smtp.starttls(context=context)
            if server.username and server.password:
                smtp.login(server.username, server.password)
            refused = smtp.send_message(message)
        if refused:  # taken for some recipients only: said, not sent again to the others
            return Answer(250, f"refused for {', '.join(sorted(refused))}")
        return Answer(250, "accepted")


async def _excerpt(answer: httpx.Response) -> str:
    taken = bytearray()
    async for chunk in answer.aiter_bytes():
        taken += chunk
        if len(taken) >= ANSWER_EXCERPT:
            break
    return _text(bytes(taken[:ANSWER_EXCERPT]))


def _text(raw: bytes | str) -> str:
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())[:500]


def _why(exc: httpx.HTTPError) -> str:
    cause = exc.__cause__ or exc.__context__
    return str(cause or exc) or type(exc).__name__


def _seconds(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
