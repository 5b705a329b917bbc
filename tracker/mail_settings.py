"""Where and how e-mail is sent, read from the running application's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class MailSettings:
    """The MAIL_* settings and PUBLIC_BASE_URL, the only source of links in e-mails."""

    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    sender: str
    base_url: str
    timeout: float

    @property
    def configured(self) -> bool:
        return bool(self.server)


def mail_settings() -> MailSettings:
    """Return the mail settings of the running application (never anything of a request)."""
    config = current_app.config
    return MailSettings(server=config.get("MAIL_SERVER") or None,
                        port=int(config.get("MAIL_PORT") or 25),
                        username=config.get("MAIL_USERNAME") or None,
                        password=config.get("MAIL_PASSWORD") or None,
                        use_tls=bool(config.get("MAIL_USE_TLS")),
                        sender=config.get("MAIL_FROM") or "sc-wres-tracker@localhost",
                        base_url=(config.get("PUBLIC_BASE_URL") or "").rstrip("/"),
                        timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 10))
