"""The core's implementation of :class:`chinwag_plugin_api.PluginContext`."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from chinwag_plugin_api import (
    ActorRef,
    Advice,
    AgentRef,
    ConversationView,
    Event,
    MessageView,
    PluginContext,
    PluginError,
    Reply,
    SiteRef,
    StorageDriver,
    VisitorRef,
)
from chinwag_plugin_api.events import CATALOGUE, CORE_PREFIXES, event_prefix
from chinwag_plugin_api.i18n import localize
from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from chinwag import access, audit, consent, inbox_surface, mailer
from chinwag import events as ev
from chinwag.actions import Actor, conversation_view, message_view, send_message, visitor_ref
from chinwag.actions.conversations import hand_off as hand_off_conversation
from chinwag.actions.message_hooks import defer
from chinwag.actions.subscribers import answered, deliver
from chinwag.after_commit import publish_after_commit
from chinwag.extensions import db
from chinwag.models import Conversation, Message, Site, User, Visitor
from chinwag.plugins import counters, presence
from chinwag.plugins.host import PluginRecord
from chinwag.ratelimit import limiter
from chinwag.rooms import emit as send_to_room
from chinwag.rooms import site_rooms, visitor_room
from chinwag.security import user_from_token
from chinwag.state import state
from chinwag.visitors import origin_allowed, own_origin, visitor_from_token

T = TypeVar("T")


@functools.cache
def _plugin_logger(name: str) -> logging.Logger:
    """A plugin's logger (a context is made per hook call; ``getLogger`` takes a lock)."""
    return logging.getLogger(f"chinwag.plugin.{name}")


class CorePluginContext(PluginContext):
    """Binds one plugin to the running app's services."""

    def __init__(self, record: PluginRecord) -> None:
        self.record = record
        self.plugin_name = record.name
        self.logger = _plugin_logger(record.name)

    @property
    def settings(self) -> Mapping[str, Any]:
        return state().plugins.settings(self.record.name)

    @property
    def db_session(self) -> Session:
        return db.session  # type: ignore[return-value]

    def storage(self) -> StorageDriver:
        return state().storage

    def site_settings(self, site_id: int) -> Mapping[str, Any]:
        site = db.session.get(Site, site_id)
        return dict(site.widget_settings or {}) if site else {}

    def post_message(
        self, conversation_id: int, text: str = "", blocks: tuple[Mapping[str, Any], ...] = ()
    ) -> MessageView:
        actor = Actor("bot", self.record.name, None, self.record.info.display_name)
        result = send_message(actor, conversation_id, None, text, [dict(b) for b in blocks])
        return message_view(result.message)

    def _emit(
        self,
        conversation_id: int | None,
        visitor_id: int | None,
        event: str,
        payload: Mapping[str, Any],
    ) -> None:
        """Send a plugin event to the visitor's widgets, its ``Localized`` texts in the
        visitor's locale, and to the agents who may see the site (chinwag.access), in each
        text's default: no agent reads a visitor's language by accident."""

        def body(locale: str | None) -> dict[str, Any]:
            return {
                "plugin": self.record.name,
                "event": event,
                "conversation_id": conversation_id,
                "payload": localize(dict(payload), locale),
            }

        visitor = db.session.get(Visitor, visitor_id) if visitor_id is not None else None
        if visitor_id is not None:
            widget = body(_locale_of(visitor) if visitor else None)
            send_to_room(ev.PLUGIN_EVENT, widget, visitor_room(visitor_id), ev.WIDGET)
        rooms = site_rooms(visitor.site_id if visitor else None)
        send_to_room(ev.PLUGIN_EVENT, body(None), rooms, ev.AGENT)

    def emit(self, conversation_id: int, event: str, payload: Mapping[str, Any]) -> None:
        conv = db.session.get(Conversation, conversation_id)
        self._emit(conversation_id, conv.visitor_id if conv else None, event, payload)

    def emit_to_visitor(self, visitor_id: int, event: str, payload: Mapping[str, Any]) -> None:
        self._emit(None, visitor_id, event, payload)

    def request_actor(self) -> ActorRef | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme == "Visitor" and token:
            visitor = visitor_from_token(token)
            if visitor is None:
                return None
            site = db.session.get(Site, visitor.site_id)
            if site is None or not origin_allowed(
                site, request.headers.get("Origin"), own_origin()
            ):
                return None
            return ActorRef("visitor", visitor.id, visitor.site_id)
        if scheme == "Bearer" and token:
            user = user_from_token(token)
            return ActorRef("agent", user.id, None, user.role)
        return None

    def public_site(self, site_key: str) -> int:
        site = db.session.execute(
            select(Site).where(Site.site_key == site_key[:64])
        ).scalar_one_or_none()
        if site is None:
            raise PluginError("Unknown site key.", "site_not_found", 404)
        if not origin_allowed(site, request.headers.get("Origin"), own_origin()):
            raise PluginError(
                "This origin may not use this site's widget.", "origin_not_allowed", 403
            )
        return site.id

    def conversation(self, conversation_id: int) -> ConversationView | None:
        conv = db.session.get(Conversation, conversation_id)
        return conversation_view(conv) if conv is not None else None

    def in_message_transaction(self, fn: Callable[[MessageView], None]) -> None:
        defer(self.record, fn)

    def is_participant(self, conversation_id: int, actor: ActorRef) -> bool:
        conv = db.session.get(Conversation, conversation_id)
        if conv is None:
            return False
        if actor.kind == "visitor":
            return conv.visitor_id == actor.id
        # an agent only on the sites they see (chinwag.access), like the core's own endpoints
        return actor.kind == "agent" and access.may_see(actor, conv.site_id)

    def _key(self) -> bytes:
        secret = str(current_app.config["SECRET_KEY"]).encode()
        return hmac.new(
            secret, f"chinwag-plugin-sign:{self.record.name}".encode(), "sha256"
        ).digest()

    def sign(self, value: str, expires_in: int) -> str:
        expires = int(time.time()) + int(expires_in)
        body = base64.urlsafe_b64encode(f"{expires}:{value}".encode()).decode().rstrip("=")
        mac = hmac.new(self._key(), body.encode(), hashlib.sha256).digest()
        return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"

    def verify(self, token: str) -> str | None:
        body, _, sig = token.partition(".")
        expected = hmac.new(self._key(), body.encode(), hashlib.sha256).digest()
        given = base64.urlsafe_b64encode(expected).decode().rstrip("=")
        if not sig or not hmac.compare_digest(given.encode(), sig.encode()):
            return None
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
            expires, _, value = raw.partition(":")
            if int(expires) < time.time():
                return None
        except ValueError:
            return None
        return value

    def url_for(self, endpoint: str, **values: Any) -> str:
        from urllib.parse import urlsplit

        from flask import current_app
        from werkzeug.routing import BuildError

        public = urlsplit(current_app.config["CHINWAG_PUBLIC_URL"])
        adapter = current_app.url_map.bind(
            public.netloc, script_name=public.path or "/", url_scheme=public.scheme or "http"
        )
        names = (
            [endpoint] if "." in endpoint else [f"{bp}.{endpoint}" for bp in self.record.blueprints]
        )
        for name in names:
            if name.split(".", 1)[0] not in self.record.blueprints:
                continue
            try:
                return adapter.build(name, values, force_external=True)
            except BuildError:
                continue
        raise ValueError(f"{self.record.name} has no route {endpoint!r} taking {sorted(values)}")

    def visitor(self, visitor_id: int) -> VisitorRef | None:
        row = db.session.get(Visitor, visitor_id)
        return visitor_ref(row) if row is not None else None

    def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        import sys

        from gevent import monkey

        result: T
        if monkey.is_module_patched("threading"):
            import gevent

            result = gevent.get_hub().threadpool.apply(fn, args)
            return result
        eventlet = sys.modules.get("eventlet")
        if eventlet is not None and eventlet.patcher.is_monkey_patched("thread"):
            from eventlet import tpool

            result = tpool.execute(fn, *args)
            return result
        return fn(*args)

    def run_in_background(self, fn: Callable[..., None], *args: Any) -> None:
        """Queue ``fn(*args)`` as a job of this plugin (chinwag.jobs, docs/jobs.md)."""
        state().jobs.enqueue(self.record.name, fn, args)

    def annotate(
        self,
        conversation_id: int,
        key: str,
        *,
        label: str,
        message_id: int | None = None,
        tone: str = "neutral",
        detail: str | None = None,
    ) -> None:
        inbox_surface.annotate(
            self.record.name,
            conversation_id,
            key,
            label=label,
            message_id=message_id,
            tone=tone,
            detail=detail,
        )

    def clear_annotation(
        self, conversation_id: int, key: str, message_id: int | None = None
    ) -> bool:
        return inbox_surface.clear_annotation(self.record.name, conversation_id, key, message_id)

    def post_note(self, conversation_id: int, text: str, *, key: str | None = None) -> int:
        note = inbox_surface.post_note(
            conversation_id,
            text,
            plugin=self.record.name,
            author_name=self.record.info.display_name,
            key=key,
        )
        return int(note["id"])

    def publish(self, event: Event) -> None:
        name = str(getattr(event, "name", ""))
        declared = self.record.events.get(name)
        if declared is None or type(event) is not declared:
            raise PluginError(self._refusal(event, name), "event_refused")
        publish_after_commit(state().bus, event)

    def _refusal(self, event: Event, name: str) -> str:
        """Why this plugin may not publish ``event``, naming whose name it took."""
        prefix = event_prefix(self.record.name)
        head = name.split(".")[0]
        if name in CATALOGUE or head in CORE_PREFIXES:
            return (
                f"{self.record.name} may not publish {name!r}: it is the core's event; "
                f"a plugin publishes only its own ({prefix}.*)"
            )
        others = [r.name for r in state().plugins.ordered() if r.name != self.record.name]
        owner = next((n for n in others if head != prefix and event_prefix(n) == head), None)
        if owner is not None:
            return (
                f"{self.record.name} may not publish {name!r}: it is {owner}'s event; "
                f"a plugin publishes only its own ({prefix}.*)"
            )
        return (
            f"{self.record.name} does not declare {type(event).__name__} ({name!r}) "
            f"under chinwag.events"
        )

    def has_consent(self, visitor_id: int, purpose: str = "analytics") -> bool:
        return consent.has_consent(visitor_id, purpose)

    # -- added in 1.3 ----------------------------------------------------------------------

    def pseudonym(self, site_id: int, visitor_id: int) -> str:
        from chinwag.actions.analytics import pseudonym

        return pseudonym(site_id, visitor_id)

    def plugin_enabled(self, name: str, site_id: int | None = None) -> bool:
        host = state().plugins
        host.refresh_state()
        if not host.is_enabled(name):
            return False
        return site_id is None or db.session.get(Site, site_id) is not None

    def count(self, name: str, amount: int = 1) -> None:
        counters.count(state().jobs.huey, self.record.name, name, amount)

    def agents_online(self, site_id: int) -> list[AgentRef]:
        return presence.agents_online(site_id)

    def hit_rate_limit(self, name: str, key: str, per_minute: int) -> None:
        bucket = limiter(f"plugin:{self.record.name}", "Too many requests; slow down.")
        bucket.hit(f"plugin:{self.record.name}:{name}:{key[:200]}", int(per_minute), 60.0)

    # -- added in 1.4: content checks ------------------------------------------------------

    def content_advice(
        self, site_id: int | None, text: str, blocks: Sequence[Mapping[str, Any]] = ()
    ) -> list[Advice]:
        from chinwag.content_checks import advice

        return [item for _, item in advice(site_id, text, blocks)]

    # -- added in 1.4 ----------------------------------------------------------------------

    def send_mail(
        self, to: str | VisitorRef, subject: str, text: str, html: str | None = None
    ) -> str:
        if isinstance(to, VisitorRef):
            # a visitor only at the address on their record (verified identity or given in
            # the widget): never one the plugin chose
            row = db.session.get(Visitor, to.id)
            if row is None or row.site_id != to.site_id or not row.email:
                raise PluginError("This visitor gave no e-mail address.", "no_email", 422)
            address = row.email.strip()
        elif isinstance(to, str):
            address = to.strip()
        else:
            raise PluginError("Mail a VisitorRef or an address.", "invalid_mail", 400)
        problem = mailer.check(address, str(subject), str(text), html)
        if problem:
            raise PluginError(problem, "invalid_mail", 400)
        if not mailer.enabled():
            raise PluginError("This site cannot send e-mail.", "mail_unavailable", 503)
        job = mailer.queue_after_commit(address, str(subject), str(text), html)
        self.logger.info("mail queued (job %s)", job)  # never the address
        return job

    # -- added in 1.5 ----------------------------------------------------------------------

    def sites(self) -> list[SiteRef]:
        rows = db.session.execute(
            select(Site.id, Site.name, Site.allowed_origins, Site.identity_required).order_by(
                Site.id
            )
        ).all()
        return [
            SiteRef(id=i, name=n, allowed_origins=tuple(o or ()), identity_required=bool(r))
            for i, n, o, r in rows
        ]

    def visitor_online(self, visitor_id: int) -> bool:
        return int(visitor_id) in presence.online_users("visitor")

    # -- answering from a job (1.6) -------------------------------------------------------

    def _conversation_row(self, conversation_id: int) -> Conversation:
        conv = db.session.get(Conversation, int(conversation_id))
        if conv is None:
            raise LookupError(f"no conversation {conversation_id}")
        return conv

    def recent_messages(
        self, conversation_id: int, limit: int = 20, until_id: int | None = None
    ) -> list[MessageView]:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 50:
            raise ValueError("limit must be an integer from 1 to 50")
        conv = self._conversation_row(conversation_id)
        q = select(Message).where(Message.conversation_id == conv.id)
        if until_id is not None:
            last = db.session.get(Message, int(until_id))
            if last is None or last.conversation_id != conv.id:
                raise LookupError(f"no message {until_id} in conversation {conversation_id}")
            q = q.where(Message.seq <= last.seq)
        rows = db.session.execute(q.order_by(Message.seq.desc()).limit(limit)).scalars()
        return [message_view(m) for m in reversed(list(rows))]

    def has_answered(self, conversation_id: int, message_id: int) -> bool:
        return answered(self.record, int(conversation_id), int(message_id))

    def answer(self, conversation_id: int, message_id: int, reply: Reply) -> bool:
        conv = self._conversation_row(conversation_id)
        msg = db.session.get(Message, int(message_id))
        if msg is None or msg.conversation_id != conv.id or msg.author_kind != "visitor":
            raise LookupError(f"no visitor message {message_id} in conversation {conv.id}")
        if conv.assignee_kind == "agent" or conv.status != "open":
            return False
        if answered(self.record, conv.id, msg.id):
            if reply.handoff:  # a re-run after the reply was stored: finish what it asked
                self.hand_off(conv.id)
            return False
        deliver(self.record, conv, msg.id, reply)
        return True

    def hand_off(self, conversation_id: int) -> bool:
        conv = self._conversation_row(conversation_id)
        if conv.assignee_kind == "agent" or conv.status != "open":
            return False
        hand_off_conversation(conv.id, f"bot:{self.record.name}")
        return True

    # -- the audit log (1.7) ---------------------------------------------------------------

    def audit(
        self,
        action: str,
        target_type: str,
        target_id: object,
        details: Mapping[str, Any] | None = None,
        *,
        by: ActorRef | None = None,
    ) -> None:
        user = None
        if by is not None:
            if not isinstance(by, ActorRef) or by.kind != "agent":
                raise ValueError("by must be an agent's ActorRef (visitors are not audited)")
            user = db.session.get(User, int(by.id))
            if user is None:
                raise ValueError(f"no user {by.id}")
        host = state().plugins
        names = host.codecs[self.record.name].secrets()
        values = self.settings
        secrets = [str(values[n]) for n in names if values.get(n)]
        audit.record_plugin(
            self.record.name, action, target_type, target_id, details, secrets=secrets, by=user
        )


def _locale_of(visitor: Visitor) -> str | None:
    """The locale a visitor's widget reads in (what their session or ``setLocale`` reported:
    the widget always sends one), else the one the site set; None for ``auto`` or a site that
    set none (its default, ``en``): each text's default."""
    if visitor.locale:
        return visitor.locale
    site = db.session.get(Site, visitor.site_id)
    chosen = (site.widget_settings or {}).get("locale") if site is not None else None
    return None if chosen in (None, "", "auto") else str(chosen)


def context_for(record: PluginRecord) -> CorePluginContext:
    return CorePluginContext(record)
