"""The notification outbox (Hangzhou rules §15: the applicant is told by SMS and other forms).

A notification is written in the transaction of the change it reports, so it exists exactly
when the change does; `dispatch` sends what is pending afterwards through a pluggable sender
(Runtime.sender; the default writes to the log). A failed send stays in the outbox and is
retried by the next dispatch, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from tierpoints.store.tables import Notification
from tierpoints.store.transactions import write_transaction

PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_ATTEMPTS = 5
log = logging.getLogger("tierpoints.notifications")


class Sender(Protocol):
    async def send(self, recipient: str, message: str) -> None: ...


class LogSender:
    """The default: the message goes to the log (an SMS gateway plugs in here)."""

    async def send(self, recipient: str, message: str) -> None:
        log.info("notification to %s: %s", recipient, message)


async def enqueue(recipient: str, subject: str, message: str) -> None:
    """Inside the caller's write transaction."""
    await Notification(recipient=recipient, subject=subject, message=message, status=PENDING,
                       attempts=0, created_at=dt.datetime.now(dt.UTC)).save().run()


async def dispatch(sender: Sender | None, limit: int = 100) -> int:
    """Send pending notifications, oldest first; returns how many were sent."""
    sender = sender or LogSender()
    rows = await Notification.select().where(Notification.status == PENDING).order_by(
        Notification.id).limit(limit).run()
    sent = 0
    for row in rows:
        try:
            await sender.send(row["recipient"], row["message"])
        except Exception:  # a sender's failure must not lose the notification
            log.exception("notification %d to %s not sent", row["id"], row["recipient"])
            attempts = row["attempts"] + 1
            async with write_transaction():
                await Notification.update({
                    Notification.attempts: attempts,
                    Notification.status: FAILED if attempts >= MAX_ATTEMPTS else PENDING,
                }).where(Notification.id == row["id"]).run()
            continue
        async with write_transaction():
            await Notification.update({
                Notification.status: SENT, Notification.attempts: row["attempts"] + 1,
                Notification.sent_at: dt.datetime.now(dt.UTC),
            }).where((Notification.id == row["id"]) & (Notification.status == PENDING)).run()
        sent += 1
    return sent
