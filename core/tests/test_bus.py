"""The event bus's deferred lanes: every subscriber sees a lane's events in publish order, even
when a subscriber publishes while it runs (a bot answering the message it was handed)."""

from __future__ import annotations

import threading

from chinwag_plugin_api.events import TypingChanged

from chinwag.bus import EventBus


def _typing(on: bool) -> TypingChanged:
    return TypingChanged(
        site_id=1, conversation_id=7, visitor_id=3, author_kind="visitor", typing=on
    )


def test_an_event_published_by_a_subscriber_never_overtakes_the_one_it_answers() -> None:
    bus = EventBus()
    answered = threading.Event()
    seen: list[bool] = []

    def bot(event: TypingChanged) -> None:
        if event.typing:  # "answers" the first event with a second one on the same lane
            bus.publish(_typing(False))
            answered.set()

    def slow_to_decide() -> bool:
        # evaluated while the first event is being handed out: give the bot every chance to run
        # and publish its answer before this subscriber's delivery of the first event is queued
        answered.wait(1.0)
        return True

    bus.subscribe(bot, deferred=True, label="bot")
    bus.subscribe(lambda e: seen.append(e.typing), deferred=True, active=slow_to_decide)
    bus.publish(_typing(True))
    assert bus.wait_idle(10)
    assert seen == [True, False]
