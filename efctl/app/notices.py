"""The sandbox bank's key expiry notices: e-mails to each key's user, over real SMTP.

The bank owes a notice at least 30 days before a key expires, once per key and threshold
(recorded at the bank in the same transaction that sends it), in the user's language, from the
jinja2 templates ``templates/key_notice.LANG.txt.j2`` (first line: the subject).

SMTP comes from ``EFCTL_SMTP_URL`` or efctl.yaml's ``smtp:``:
``smtp://[USER:PASSWORD@]HOST[:PORT]`` (plain; ``?starttls=true`` upgrades with STARTTLS),
``smtps://…`` (TLS from the start, port 465 by default); ``?from=ADDR`` sets the sender
(default ``e-finance@sandbox.invalid``), ``?cafile=PATH`` a CA to trust. The password is never
printed: the URL is shown as ``smtp://user:***@host``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from efctl.errors import EfctlError
from efctl.sandbox import Store
from efctl.sandbox.keys import DueNotice
from efctl.sandbox.sql import display

DEFAULT_SENDER = "e-finance@sandbox.invalid"
TIMEOUT = 30


@dataclass(frozen=True)
class Smtp:
    scheme: str  # smtp | smtps
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    cafile: str | None
    shown: str  # the URL without its password

    @classmethod
    def parse(cls, url: str) -> Smtp:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise EfctlError(
                f"not an SMTP URL: {display(url)}",
                hint="EFCTL_SMTP_URL=smtp://[USER:PASSWORD@]HOST[:PORT][?starttls=true] "
                "or smtps://…",
            )
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError as exc:
            raise EfctlError(f"not an SMTP URL: {display(url)}: {exc}") from None
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=query.get("starttls", "").lower() in ("1", "true", "yes"),
            sender=query.get("from", DEFAULT_SENDER),
            cafile=query.get("cafile"),
            shown=display(url),
        )

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    def send(self, message: EmailMessage) -> None:
        try:
            if self.scheme == "smtps":
                client = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=TIMEOUT, context=self._context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            with client:
                if self.starttls:
                    client.starttls(context=self._context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            # smtplib's messages name the server's reply, never the password sent.
            raise EfctlError(f"the e-mail could not be sent via {self.shown}: {exc}") from None


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("efctl", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # plain text e-mail
)


def notice_message(notice: DueNotice, sender: str) -> EmailMessage:
    text = _TEMPLATES.get_template(f"key_notice.{notice.language}.txt.j2").render(n=notice)
    subject, _, body = text.partition("\n")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = formataddr((notice.user_name, notice.email or ""))
    message.set_content(body)
    return message


@dataclass(frozen=True)
class Notified:
    today: date
    via: str | None
    sent: tuple[DueNotice, ...]
    skipped: tuple[tuple[DueNotice, str], ...]  # with why

    def as_json(self) -> dict:
        def item(n: DueNotice) -> dict:
            return {
                "client": n.client,
                "key": n.key,
                "fingerprint": n.fingerprint,
                "user": n.user,
                "expires": n.expires.isoformat(),
                "days_left": n.days_left,
                "threshold": n.threshold,
            }

        return {
            "today": self.today.isoformat(),
            "via": self.via,
            "sent": [item(n) for n in self.sent],
            "skipped": [item(n) | {"reason": why} for n, why in self.skipped],
        }

    def text(self) -> str:
        lines = [
            f"sent: {n.client}/api_keys/{n.key} to {n.user} ({n.language}), expires "
            f"{n.expires.isoformat()}, {n.days_left} days left"
            for n in self.sent
        ]
        lines += [f"not sent: {n.client}/api_keys/{n.key}: {why}" for n, why in self.skipped]
        count = len(self.sent)
        via = f" via {self.via}" if self.via else ""
        lines.append(f"Notices: {count} sent{via}, {len(self.skipped)} not sent.")
        return "\n".join(lines) + "\n"


def send_notices(store: Store, today: date, smtp_url: str | None) -> Notified:
    """Every notice due on TODAY, each sent once; without SMTP none is sent (nor recorded)."""
    due = store.due_notices(today)
    if not smtp_url:
        if not due:
            return Notified(today, None, (), ())
        raise EfctlError(
            f"{len(due)} key expiry notice(s) are due, and no SMTP server is configured; "
            "nothing was sent",
            hint="set EFCTL_SMTP_URL (or smtp: in efctl.yaml), e.g. "
            "smtp://user:PASSWORD@mail.example.ch:587?starttls=true",
        )
    smtp = Smtp.parse(smtp_url)
    sent, skipped = [], []
    for notice in due:
        if not notice.email:
            skipped.append((notice, f"{notice.user} has no e-mail address at the bank"))
            continue
        message = notice_message(notice, smtp.sender)
        if store.send_notice(notice, today, lambda _n, m=message: smtp.send(m)):
            sent.append(notice)
    return Notified(today, smtp.shown, tuple(sent), tuple(skipped))
