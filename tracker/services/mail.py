"""E-mail: queue a message with the change that causes it, send it over SMTP, record every try.

A message is queued in the same transaction as the comment or reminder it is about, so it can
never be lost; it is sent after the request commits (or by `flask tracker send-reminders`), and a
message that fails stays queued and is tried again on the next run, up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, g, has_request_context, request
from sqlalchemy import select

from tracker.domain.notifications import EmailStatus
from tracker.extensions import db
from tracker.models import OutgoingEmail, User, utcnow

MAX_ATTEMPTS = 10
SMTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send, from the configuration (MAIL_* and PUBLIC_BASE_URL)."""

    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    sender: str
    base_url: str

    @property
    def configured(self) -> bool:
        return bool(self.server)


def settings() -> MailSettings:
    """Return the mail settings of the running application."""
    config = current_app.config
    base_url = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base_url and has_request_context():
        base_url = request.url_root.rstrip("/")
    return MailSettings(server=config.get("MAIL_SERVER") or None,
                        port=int(config.get("MAIL_PORT") or 25),
                        username=config.get("MAIL_USERNAME") or None,
                        password=config.get("MAIL_PASSWORD") or None,
                        use_tls=bool(config.get("MAIL_USE_TLS")),
                        sender=config.get("MAIL_FROM") or "sc-wres-tracker@localhost",
                        base_url=base_url)


def already_queued(key: str) -> bool:
    """Return whether a message with this idempotency key exists (sent or not)."""
    return db.session.scalar(select(OutgoingEmail.id).where(
        OutgoingEmail.idempotency_key == key)) is not None


def queue_email(*, user: User | None, recipient: str, subject: str, body: str, kind: str,
                key: str | None = None) -> OutgoingEmail | None:
    """Record a message to send; with a key, only once ever (None if it was queued before)."""
    if key is not None and already_queued(key):
        return None
    email = OutgoingEmail(user_id=user.id if user else None, recipient=recipient,
                          subject=subject[:300], body=body, kind=kind, idempotency_key=key,
                          status=EmailStatus.QUEUED, attempts=0)
    db.session.add(email)
    db.session.flush()
    if has_request_context():
        # Sent once the request has committed (see tracker.conversation), else on the next run.
        g.setdefault("queued_email_ids", []).append(email.id)
    return email


def pending(*, ids: Iterable[int] | None = None) -> list[OutgoingEmail]:
    """Return the messages still to send (queued, or failed fewer than MAX_ATTEMPTS times)."""
    query = (select(OutgoingEmail)
             .where(OutgoingEmail.status.in_([EmailStatus.QUEUED, EmailStatus.FAILED]),
                    OutgoingEmail.attempts < MAX_ATTEMPTS)
             .order_by(OutgoingEmail.id))
    if ids is not None:
        query = query.where(OutgoingEmail.id.in_(list(ids)))
    return list(db.session.scalars(query))


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _message(email: OutgoingEmail, mail: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body)
    return message


def _connect(mail: MailSettings) -> tuple[smtplib.SMTP | None, Exception | None]:
    assert mail.server, "only called when mail is configured"
    smtp = None
    try:
        smtp = smtplib.SMTP(mail.server, mail.port, timeout=SMTP_TIMEOUT_SECONDS)
        if mail.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if mail.username:
            smtp.login(mail.username, mail.password or "")
    except (OSError, smtplib.SMTPException) as error:
        if smtp is not None:
            smtp.close()
        return None, error
    return smtp, None


def _send(smtp: smtplib.SMTP | None, problem: Exception | None, email: OutgoingEmail,
          mail: MailSettings) -> bool:
    """Try one message and record the attempt; return whether it went."""
    email.attempts += 1
    email.last_attempt_at = utcnow()
    try:
        if smtp is None:
            raise problem or smtplib.SMTPServerDisconnected("no connection")
        smtp.send_message(_message(email, mail))
    except (OSError, smtplib.SMTPException) as error:
        email.status = EmailStatus.FAILED
        email.last_error = f"{type(error).__name__}: {error}"[:500]
        return False
    email.status, email.sent_at, email.last_error = EmailStatus.SENT, utcnow(), None
    return True


def deliver(emails: list[OutgoingEmail], *, mail: MailSettings,
            after_each: Callable[[OutgoingEmail], None] | None = None) -> DeliveryReport:
    """Send the messages over one SMTP connection, recording each attempt and its outcome.

    `after_each` is called after every message (the command line commits there, so a message
    marked sent stays marked even if a later one breaks the run).
    """
    report = DeliveryReport()
    if not emails or not mail.configured:
        return report
    smtp, problem = _connect(mail)
    try:
        for email in emails:
            if _send(smtp, problem, email, mail):
                report.sent += 1
            else:
                report.failed += 1
            db.session.flush()
            if after_each is not None:
                after_each(email)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return report


def deliver_queued_by_request(*, commit: Callable[[], None]) -> None:
    """Send what this request queued, now that it has committed; failures wait for the next run."""
    ids = g.pop("queued_email_ids", None)
    mail = settings()
    if not ids or not mail.configured:
        return
    emails = pending(ids=ids)
    if emails:
        deliver(emails, mail=mail)
        commit()
