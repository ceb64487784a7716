"""The event bus's deferred lanes: every subscriber sees a lane's events in publish order, even
when a subscriber publishes while it runs (a bot answering the message it was handed); a lane
that blocks holds up no other lane; a worker that drained its lane takes the next one."""

from __future__ import annotations

import threading

import pytest
from chinwag_plugin_api.events import TypingChanged

from chinwag.bus import EventBus


def _typing(on: bool, conversation_id: int = 7) -> TypingChanged:
    return TypingChanged(
        site_id=1, conversation_id=conversation_id, visitor_id=3, author_kind="visitor", typing=on
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


def test_a_blocked_lane_holds_up_no_other_and_idle_workers_are_reused() -> None:
    bus = EventBus()
    release = threading.Event()
    ran: dict[int, list[str]] = {}

    def subscriber(event: TypingChanged) -> None:
        if event.conversation_id == 1:
            release.wait(10)  # a slow bot on conversation 1
        ran.setdefault(event.conversation_id, []).append(threading.current_thread().name)

    bus.subscribe(subscriber, deferred=True)
    bus.publish(_typing(True, conversation_id=1))
    bus.publish(_typing(True, conversation_id=2))
    deadline = threading.Event()
    for _ in range(100):  # conversation 2 is handled while conversation 1 still waits
        if 2 in ran:
            break
        deadline.wait(0.05)
    assert 2 in ran and 1 not in ran
    # the worker that drained conversation 2 takes the next new lane: no new thread
    for _ in range(100):
        if bus._waiting:  # it finished and waits for work
            break
        deadline.wait(0.05)
    bus.publish(_typing(True, conversation_id=3))
    for _ in range(100):
        if 3 in ran:
            break
        deadline.wait(0.05)
    assert ran[3] == ran[2]
    release.set()
    assert bus.wait_idle(10)
    assert ran[1] != ran[2]  # side by side, on two workers
    assert [len(v) for _k, v in sorted(ran.items())] == [1, 1, 1]


def test_lanes_beyond_the_worker_limit_wait_their_turn_and_all_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deferred work is bounded: each worker holds a pooled database connection, so lanes
    beyond ``MAX_WORKERS`` wait for the first free worker (in arrival order) instead of each
    starting one; every lane's events still run, in order."""
    monkeypatch.setattr("chinwag.bus.MAX_WORKERS", 2)
    bus = EventBus()
    release = threading.Event()
    lock = threading.Lock()
    running = peak = 0
    order: list[tuple[int, bool]] = []
    threads: set[str] = set()

    def subscriber(event: TypingChanged) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        if event.conversation_id in (1, 2):
            release.wait(10)  # two slow lanes take both workers
        with lock:
            running -= 1
            order.append((event.conversation_id, event.typing))
            threads.add(threading.current_thread().name)

    bus.subscribe(subscriber, deferred=True)
    for conversation in (1, 2, 3, 4, 5):
        bus.publish(_typing(True, conversation), _typing(False, conversation))
    waited = threading.Event()
    waited.wait(0.3)
    assert order == []  # lanes 3-5 wait: both workers are held by lanes 1 and 2
    release.set()
    assert bus.wait_idle(10)
    assert peak == 2 and len(threads) == 2
    for conversation in (1, 2, 3, 4, 5):  # every event ran, each lane in its order
        assert [t for c, t in order if c == conversation] == [True, False]
    later = [c for c, _t in order if c > 2]
    assert sorted(set(later), key=later.index) == [3, 4, 5]  # lanes taken in arrival order
