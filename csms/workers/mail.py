"""The mail worker: sends what use cases put in the mail outbox (seeds 000 and 004).

Sending is a log line for now (no mail relay is configured here); each message is marked
sent right after it was handed over, so none is lost, and one handed over just before a
crash may be sent again (at least once). One mail worker per database: with several nodes,
the read needs ``FOR UPDATE SKIP LOCKED`` first.
"""

from __future__ import annotations

import asyncio

import structlog

from csms.ports import MailQueue

log = structlog.get_logger(__name__)


async def send_pending(queue: MailQueue, batch: int = 100) -> int:
    """Hand unsent mail over and mark it sent; returns how many were sent."""
    unsent = await queue.unsent(batch)
    for _, kind, recipient, subject, body in unsent:
        log.info("mail_sent", kind=kind, recipient=recipient, subject=subject, body=body)
    await queue.mark_sent([message_id for message_id, *_ in unsent])
    return len(unsent)


async def run_mail_worker(queue: MailQueue, poll_s: float) -> None:
    """Poll the outbox for ever; a failure is logged and retried, never fatal."""
    while True:
        try:
            await send_pending(queue)
        except Exception:  # a mail failure never stops the central system
            log.exception("outbox_drain_failed")
        await asyncio.sleep(poll_s)
