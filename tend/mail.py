"""Sending e-mail: over SMTP when ``TEND_SMTP_HOST`` is set, else printed to the console
(development). Settings come from the app config or the environment:
TEND_SMTP_HOST, TEND_SMTP_PORT (587; 465 means TLS from the start), TEND_SMTP_USER,
TEND_SMTP_PASSWORD (STARTTLS is used whenever a user is set) and TEND_MAIL_FROM.

Mail is sent from a background thread, so a page answers in the same time whether or not a
message went out (a password-reset request must not reveal whether an account exists)."""
import logging
import os
import smtplib
import sys
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)
SETTINGS = ("TEND_SMTP_HOST", "TEND_SMTP_PORT", "TEND_SMTP_USER", "TEND_SMTP_PASSWORD",
            "TEND_MAIL_FROM")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    user: str
    password: str
    sender: str


def settings() -> MailSettings:
    def read(name, default=""):
        return str(current_app.config.get(name) or os.environ.get(name) or default)

    return MailSettings(host=read("TEND_SMTP_HOST"), port=int(read("TEND_SMTP_PORT", "587")),
                        user=read("TEND_SMTP_USER"), password=read("TEND_SMTP_PASSWORD"),
                        sender=read("TEND_MAIL_FROM", "Tend <no-reply@localhost>"))


def build(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message


def deliver(message: EmailMessage, config: MailSettings) -> None:
    if not config.host:
        print(f"--- e-mail (no TEND_SMTP_HOST set: printed, not sent) ---\n{message}",
              file=sys.stdout, flush=True)
        return
    smtp_class = smtplib.SMTP_SSL if config.port == 465 else smtplib.SMTP
    with smtp_class(config.host, config.port, timeout=20) as smtp:
        if config.user and smtp_class is smtplib.SMTP:
            smtp.starttls()
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(message)


def _deliver_logged(message: EmailMessage, config: MailSettings) -> None:
    try:
        deliver(message, config)
    except (OSError, smtplib.SMTPException):
        log.exception("sending e-mail failed", extra={"subject": message["Subject"]})


def send(to: str, subject: str, body: str) -> threading.Thread:
    """Send in the background; returns the thread (tests may join it)."""
    config = settings()
    thread = threading.Thread(target=_deliver_logged,
                              args=(build(to, subject, body, config.sender), config),
                              daemon=True)
    thread.start()
    return thread
