"""E-mail: queue a message with the change that causes it; a job sends it; every try recorded.

A message is queued in the same transaction as the comment or reminder it is about, so it can
never be lost, and a job to send it is enqueued in that transaction too (tracker.jobs): nothing
is sent inside a request. Each try is claimed and recorded (its attempt counted) before the SMTP
server is asked anything, so the counter always advances, even if the server stalls or the
worker dies. A message that cannot be built (a header that cannot hold its value, an address
that cannot be encoded) or sent is marked failed with the reason, and the next message goes on;
failed ones are tried again with a growing wait (tracker.domain.notifications.retry_due), up to
MAX_ATTEMPTS times, by the `retry_emails` job and by `flask tracker send-reminders`.
"""

from __future__ import annotations

import binascii
import secrets
import smtplib
import ssl
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from sqlalchemy import insert, select, tuple_, update

from tracker import jobs
from tracker.domain.notifications import MAX_ATTEMPTS, EmailStatus, retry_due
from tracker.extensions import db
from tracker.mail_settings import MailSettings, mail_settings
from tracker.mail_templates import RenderedEmail
from tracker.models import OutgoingEmail, User, utcnow

__all__ = ["MAX_ATTEMPTS", "DeliveryReport", "MailSettings", "RenderedEmail", "already_queued",
           "deliver", "email_values", "insert_emails", "pending", "queue_email", "queued_keys",
           "retry_emails",
           "send_email", "settings"]

settings = mail_settings


def one_line(text: str) -> str:
    """A subject is one line: line breaks (U+2028 and U+2029 too) and control characters,
    which older titles may hold, become single spaces."""
    return " ".join("".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c
                            for c in text).split())


def already_queued(key: str) -> bool:
    """Return whether a message with this idempotency key exists (sent or not)."""
    return db.session.scalar(select(OutgoingEmail.id).where(
        OutgoingEmail.idempotency_key == key)) is not None


def queued_keys(keys: Iterable[str]) -> set[str]:
    """Return which of these idempotency keys a message already has (one query a thousand)."""
    keys = list(keys)
    found: set[str | None] = set()
    for start in range(0, len(keys), 1000):
        found.update(db.session.scalars(select(OutgoingEmail.idempotency_key).where(
            OutgoingEmail.idempotency_key.in_(keys[start:start + 1000]))))
    return {key for key in found if key is not None}


def email_values(*, user: User | None, recipient: str, message: RenderedEmail, kind: str,
                 key: str | None = None) -> dict[str, Any]:
    """Return the row of a message to send (queued by insert_emails, with others)."""
    return {"user_id": user.id if user else None, "recipient": recipient,
            "subject": one_line(message.subject)[:300], "body": message.text,
            "html_body": message.html, "kind": kind, "idempotency_key": key,
            "status": EmailStatus.QUEUED, "attempts": 0, "created_at": utcnow()}


def insert_emails(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Queue these messages (email_values, each with its idempotency key) in one statement;
    return the id of each key's message."""
    if not rows:
        return {}
    inserted = db.session.execute(
        insert(OutgoingEmail).returning(OutgoingEmail.idempotency_key, OutgoingEmail.id), rows)
    return {key: email_id for key, email_id in inserted if key is not None}


def queue_email(*, user: User | None, recipient: str, message: RenderedEmail, kind: str,
                key: str | None = None, send_alone: bool = True) -> OutgoingEmail | None:
    """Record a message to send; with a key, only once ever (None if it was queued before).

    With `send_alone` a job to send it is enqueued in the same transaction; without, the caller
    sends it with others over one connection (the daily run).
    """
    if key is not None and already_queued(key):
        return None
    email = OutgoingEmail(**email_values(user=user, recipient=recipient, message=message,
                                         kind=kind, key=key))
    db.session.add(email)
    db.session.flush()
    if send_alone:
        jobs.enqueue("send_email", email_id=email.id)
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


def due_for_retry(*, now: datetime) -> list[OutgoingEmail]:
    """Return the unsent messages whose wait before the next try is over."""
    return [email for email in pending()
            if retry_due(attempts=email.attempts, last_attempt_at=email.last_attempt_at,
                         created_at=email.created_at, now=now)]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _message(email: OutgoingEmail | _Unsent, mail: MailSettings) -> bytes | EmailMessage:
    """Lay a message out to send: multipart/alternative (plain text, then HTML) or plain text.

    Mostly as the bytes themselves: the layout is always the same, so its headers are written
    here and only the subject goes through the email package (an encoded word when it is not
    ASCII); the bodies are UTF-8 as quoted-printable (binascii's, in C). EmailMessage parsed
    every header through its registry and then folded each again: about 7 ms a message, most
    of a national daily run's time; this takes a fraction of a millisecond. The same header
    check is made (no line break in a value: a subject must not add a header). A message to or
    from an address that is not ASCII is left to EmailMessage, which knows what such an
    address needs (SMTPUTF8).
    """
    for value in (mail.sender, email.recipient, email.subject):
        if "\r" in value or "\n" in value:
            raise ValueError("Header values may not contain linefeed or carriage return "
                             "characters")
    if not (mail.sender.isascii() and email.recipient.isascii()):
        return _rich_message(email, mail)
    subject = Header(email.subject, "us-ascii" if email.subject.isascii() else "utf-8",
                     header_name="Subject").encode(linesep="\r\n")
    head = (f"From: {mail.sender}\r\nTo: {email.recipient}\r\nSubject: {subject}\r\n"
            f"Date: {formatdate(localtime=False)}\r\nMessage-ID: {_message_id(mail)}\r\n"
            "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n")
    if not email.html_body:
        return head.encode() + _text_part(email.body, "plain")
    boundary = f"=_{secrets.token_hex(16)}".encode()
    return b"".join([
        head.encode(), b'Content-Type: multipart/alternative; boundary="', boundary,
        b'"\r\n\r\n--', boundary, b"\r\n", _text_part(email.body, "plain"),
        b"\r\n--", boundary, b"\r\n", _text_part(email.html_body, "html"),
        b"\r\n--", boundary, b"--\r\n"])


def _text_part(text: str, subtype: str) -> bytes:
    """A text part's headers and body: UTF-8, quoted-printable, CRLF line ends."""
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + \
        body.replace(b"\n", b"\r\n")


def _message_id(mail: MailSettings) -> str:
    return make_msgid(domain=mail.sender.rpartition("@")[2].strip(">") or None)


def _rich_message(email: OutgoingEmail | _Unsent, mail: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = _message_id(mail)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body)
    if email.html_body:
        message.add_alternative(email.html_body, subtype="html")
    return message


def _connect(mail: MailSettings) -> smtplib.SMTP:
    assert mail.server, "only called when mail is configured"
    smtp = smtplib.SMTP(mail.server, mail.port, timeout=mail.timeout)
    try:
        if mail.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if mail.username:
            smtp.login(mail.username, mail.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


#: Messages claimed, sent and recorded together: two commits a batch, not two a message.
BATCH = 50


def _claim(emails: list[_Unsent]) -> set[int]:
    """Count an attempt on each message unless another run has just tried or sent it; return
    the ids claimed (one statement for the batch)."""
    result = db.session.execute(
        update(OutgoingEmail)
        .where(tuple_(OutgoingEmail.id, OutgoingEmail.attempts).in_(
                   [(email.id, email.attempts) for email in emails]),
               OutgoingEmail.status != EmailStatus.SENT)
        .values(attempts=OutgoingEmail.attempts + 1, last_attempt_at=utcnow())
        .returning(OutgoingEmail.id)
        .execution_options(synchronize_session=False))
    return set(result.scalars())


def _record(sent: list[int], failed: dict[int, str]) -> None:
    """Record a batch's outcomes: the sent in one statement, each failure with its reason."""
    if sent:
        db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id.in_(sent)).values(
            status=EmailStatus.SENT, sent_at=utcnow(), last_error=None)
            .execution_options(synchronize_session=False))
    for email_id, reason in failed.items():
        db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id).values(
            status=EmailStatus.FAILED, last_error=reason)
            .execution_options(synchronize_session=False))


def _broken_connection(error: BaseException) -> bool:
    """Whether the error is the connection's (every later message would meet it too)."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _reason(error: BaseException, *, building: bool) -> str:
    what = "The message could not be built" if building else "The SMTP server refused it"
    if not building and _broken_connection(error):
        what = "The SMTP server could not be reached"
    return f"{what}: {type(error).__name__}: {error}"[:500]


class _Connection:
    """One SMTP connection for a run, opened at the first message; a broken one stays broken."""

    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail
        self.envelope_from = parseaddr(mail.sender)[1]
        self.smtp: smtplib.SMTP | None = None
        self.problem: BaseException | None = None

    def send(self, recipient: str, message: bytes | EmailMessage) -> None:
        if self.problem is not None:
            raise self.problem
        if self.smtp is None:
            try:
                self.smtp = _connect(self.mail)
            except Exception as error:  # unreachable, TLS or sign-in refused: for the whole run
                self.problem = error
                raise
        try:
            if isinstance(message, bytes):
                self.smtp.sendmail(self.envelope_from, [recipient], message)
            else:
                self.smtp.send_message(message)
        except Exception as error:
            if _broken_connection(error):
                self.problem = error  # the rest of this run would wait for the same dead server
                self.smtp.close()  # not QUIT: a stalled server would make us wait again
                self.smtp = None
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


@dataclass(frozen=True)
class _Unsent:
    id: int
    attempts: int
    recipient: str
    subject: str
    body: str
    html_body: str | None


def deliver(emails: list[OutgoingEmail], *, mail: MailSettings,
            commit: Callable[[], None]) -> DeliveryReport:
    """Send the messages over one SMTP connection, recording each attempt and its outcome.

    They go in batches of BATCH: the batch's attempts are counted and its messages built, then
    `commit` is called (before the server is asked anything, so no transaction, and on SQLite
    no write lock, is held while it answers); the batch is sent, its outcomes recorded, and
    `commit` called again. A run stopped in the middle of a batch leaves its messages counted
    as tried and unsent: the next run sends them.
    """
    report = DeliveryReport()
    if not emails or not mail.configured:
        return report
    # What the messages are made of, read now: each commit expires the session's objects, and
    # reading them again would be one query a message.
    unsent = [_Unsent(e.id, e.attempts, e.recipient, e.subject, e.body, e.html_body)
              for e in emails]
    connection = _Connection(mail)
    try:
        for start in range(0, len(unsent), BATCH):
            batch = unsent[start:start + BATCH]
            claimed = _claim(batch)
            messages: list[tuple[_Unsent, bytes | EmailMessage]] = []
            failed: dict[int, str] = {}
            for email in batch:
                if email.id not in claimed:
                    continue
                try:
                    messages.append((email, _message(email, mail)))
                except Exception as error:  # anything that stops this one message being built
                    failed[email.id] = _reason(error, building=True)
            _record([], failed)
            report.failed += len(failed)
            commit()  # attempts counted; no transaction is open while the server answers
            sent: list[int] = []
            failed = {}
            for email, message in messages:
                try:
                    connection.send(email.recipient, message)
                except Exception as error:  # anything the server or the encoding refuses
                    failed[email.id] = _reason(error, building=False)
                else:
                    sent.append(email.id)
            _record(sent, failed)
            commit()
            report.sent += len(sent)
            report.failed += len(failed)
    finally:
        connection.close()
    return report


@jobs.task("send_email")
def send_email(*, email_id: int) -> None:
    """The job: send one queued message (unless it has gone meanwhile)."""
    mail = mail_settings()
    if mail.configured:
        deliver(pending(ids=[email_id]), mail=mail, commit=jobs.commit)


@jobs.task("retry_emails", cron_setting="MAIL_RETRY_CRON")
def retry_emails(*, timestamp: int | None = None) -> None:
    """The periodic job: try again the messages whose wait is over, over one connection."""
    mail = mail_settings()
    if mail.configured:
        deliver(due_for_retry(now=utcnow()), mail=mail, commit=jobs.commit)
