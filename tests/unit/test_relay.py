"""The outbox relay: committed events reach subscribers at once, are marked delivered in
batches, and what a previous run left undelivered is delivered at start-up."""

from __future__ import annotations

from csms import events
from csms.workers.relay import EventRelay
from tests.fakes import FakeEventOutbox, InMemoryStore


def started(n: int) -> events.DomainEvent:
    return events.StopForUnknownTransaction("ST-1", transaction_id=str(n))


async def test_published_events_reach_subscribers_in_order_and_are_marked_on_close() -> None:
    """Subscribers see each committed event before publish returns; close marks them."""
    store = InMemoryStore()
    store.publish([started(1), started(2)])
    seen: list[events.DomainEvent] = []
    relay = EventRelay(FakeEventOutbox(store), subscribers=[seen.append], mark_interval_s=60)
    relay.publish([(1, store.events[0]), (2, store.events[1])])
    assert seen == store.events
    assert store.delivered_events == set()  # marked in a batch, not per commit
    await relay.close()
    assert store.delivered_events == {1, 2}


async def test_undelivered_events_are_delivered_again_at_start_up() -> None:
    """At least once: events committed but never marked are handed over by deliver_pending."""
    store = InMemoryStore()
    store.publish([started(1), started(2), started(3)])
    store.delivered_events.add(1)
    seen: list[events.DomainEvent] = []
    relay = EventRelay(FakeEventOutbox(store), subscribers=[seen.append])
    assert await relay.deliver_pending(batch=1) == 2
    assert seen == store.events[1:]
    assert store.delivered_events == {1, 2, 3}


async def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    """A subscriber's bug is logged; the next subscriber still gets the event."""
    store = InMemoryStore()
    store.publish([started(1)])
    seen: list[events.DomainEvent] = []

    def broken(_: events.DomainEvent) -> None:
        raise RuntimeError("bug")

    relay = EventRelay(FakeEventOutbox(store), subscribers=[broken, seen.append])
    relay.publish([(1, store.events[0])])
    assert seen == store.events
    await relay.close()
