"""Plugin events (``chinwag.events``, ``ctx.publish``) and consent (``ctx.has_consent``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from chinwag_plugin_api import (
    AnalyticsEvent,
    AnalyticsSink,
    Event,
    EventListener,
    PluginContext,
    PluginError,
)
from chinwag_plugin_api.events import event_prefix, plugin_event_problem

from chinwag.testing import deliver_analytics, plugin_context, register_plugin


@dataclass(frozen=True)
class ThingHappened(Event):
    """A thing happened (a test event).

    :param thing_id: which thing.
    """

    name: ClassVar[str] = "things.thing_happened"
    thing_id: int
    visitor_id: int | None = None


@dataclass(frozen=True)
class Impostor(Event):
    name: ClassVar[str] = "message.stored"
    thing_id: int


@dataclass(frozen=True)
class Undeclared(Event):
    name: ClassVar[str] = "things.undeclared"


class Mutable(Event):  # not a dataclass of its own: fields could be added without the catalogue
    name: ClassVar[str] = "things.mutable"


HEARD: list[Event] = []
TRACKED: list[AnalyticsEvent] = []


class Listener(EventListener):
    events = ("things.thing_happened",)

    def handle(self, ctx: PluginContext, event: Event) -> None:
        HEARD.append(event)


class Sink(AnalyticsSink):
    first_party: ClassVar[bool] = True  # visitor 7 does not exist: no consent for third parties

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        if event.name.startswith("things."):
            TRACKED.append(event)


@pytest.fixture
def things(chinwag_app: Any) -> Any:
    HEARD.clear()
    TRACKED.clear()
    register_plugin(chinwag_app, "listening", Listener, Sink)
    return register_plugin(chinwag_app, "chinwag-things", ThingHappened, Impostor, Mutable)


def test_prefix_is_the_distribution_name_without_chinwag() -> None:
    assert event_prefix("chinwag-feedback") == "feedback"
    assert event_prefix("chinwag-answer-bot") == "answer_bot"
    assert event_prefix("acme_chat") == "acme_chat"
    assert plugin_event_problem("chinwag-things", ThingHappened) is None
    assert "outside the plugin's prefix" in str(
        plugin_event_problem("chinwag-other", ThingHappened)
    )
    assert "not a subclass" in str(plugin_event_problem("chinwag-things", dict))


def test_names_outside_the_prefix_and_mutable_classes_are_refused_at_load(
    chinwag_app: Any, things: Any
) -> None:
    record = chinwag_app.extensions["chinwag"].plugins.records["chinwag-things"]
    assert list(record.events) == ["things.thing_happened"]
    errors = " ".join(things.load_errors)
    assert "'message.stored' is outside the plugin's prefix 'things.'" in errors
    assert "Mutable is not a frozen dataclass" in errors


def test_published_event_reaches_listeners_and_sinks_after_commit(
    chinwag_app: Any, things: Any, demo_site: dict[str, Any]
) -> None:
    from chinwag.extensions import db
    from chinwag.models import Site, Visitor

    bus = chinwag_app.extensions["chinwag"].bus
    with chinwag_app.app_context():
        # sinks get no event of a visitor who is not there (erased while it waited)
        db.session.add(Visitor(id=7, site_id=demo_site["id"]))
        db.session.commit()
        ctx = plugin_context(chinwag_app, "chinwag-things")
        db.session.get(Site, demo_site["id"])  # a transaction is open now
        ctx.publish(ThingHappened(demo_site["id"], thing_id=1, visitor_id=7))
        db.session.rollback()  # what it reported was taken back: no event
        db.session.get(Site, demo_site["id"])
        ctx.publish(ThingHappened(demo_site["id"], thing_id=2, visitor_id=7))
        assert bus.wait_idle()
        assert HEARD == []  # still waiting for the commit
        db.session.commit()
        ctx.publish(ThingHappened(demo_site["id"], thing_id=3))  # none open: at once
    assert bus.wait_idle()
    deliver_analytics(chinwag_app)  # sinks get batches on the job queue
    # two lanes (a visitor's, the site's): no order between them
    assert sorted(e.thing_id for e in HEARD) == [2, 3]  # type: ignore[attr-defined]
    assert sorted((e.properties["thing_id"], e.name, e.visitor_id) for e in TRACKED) == [
        (2, "things.thing_happened", 7),
        (3, "things.thing_happened", None),
    ]
    assert {e.site_id for e in TRACKED} == {demo_site["id"]}


def test_undeclared_or_foreign_events_are_refused(
    chinwag_app: Any, things: Any, demo_site: dict[str, Any]
) -> None:
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-things")
        with pytest.raises(PluginError) as refused:
            ctx.publish(Undeclared(demo_site["id"]))
        assert refused.value.code == "event_refused"
        with pytest.raises(PluginError) as core:  # the core's name ("message.stored")
            ctx.publish(Impostor(demo_site["id"], thing_id=1))
        assert core.value.code == "event_refused"
        assert "'message.stored': it is the core's event" in core.value.message
        other = plugin_context(chinwag_app, "listening")
        with pytest.raises(PluginError) as foreign:  # another plugin's event
            other.publish(ThingHappened(demo_site["id"], thing_id=1))
        assert foreign.value.code == "event_refused"
        assert "it is chinwag-things's event" in foreign.value.message
    assert chinwag_app.extensions["chinwag"].bus.wait_idle()
    assert HEARD == []


def _set_consent(app: Any, site_id: int, **settings: Any) -> None:
    from chinwag.extensions import db
    from chinwag.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        site.widget_settings = {**(site.widget_settings or {}), **settings}
        db.session.commit()


def test_has_consent_follows_the_site_and_the_visitors_record(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_session: Any
) -> None:
    register_plugin(chinwag_app, "listening", Listener)
    silent = visitor_session()["visitor_id"]
    agreed = visitor_session(consent_version="v1")["visitor_id"]

    def consent(visitor_id: int, purpose: str = "analytics") -> bool:
        with chinwag_app.app_context():
            return plugin_context(chinwag_app, "listening").has_consent(visitor_id, purpose)

    assert consent(silent) and consent(agreed)  # the site asks for no consent
    _set_consent(chinwag_app, demo_site["id"], consent_required=True, consent_version="v1")
    assert not consent(silent)
    assert consent(agreed)
    assert not consent(agreed, "advertising")  # no consent is recorded for other purposes
    assert not consent(999_999)  # unknown visitor
    # a new consent text: consent given to the old one does not cover it
    _set_consent(chinwag_app, demo_site["id"], consent_version="v2")
    assert not consent(agreed)
