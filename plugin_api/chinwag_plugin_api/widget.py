"""Widget features a plugin **declares** as data (the widget's extension surface).

No plugin code runs in the widget. A plugin declares *places* it appears in (a feature per
place), each made of a small, fixed vocabulary of data-only *components*; the widget renders them
in accessible slots and sends every *action* back to the plugin through one of its own Socket.IO
events (:class:`~chinwag_plugin_api.SocketEvent` on ``/widget``), whose acknowledgement may carry
the next components. The shape is Intercom's Canvas Kit without the HTTP hop.

Register a :class:`WidgetFeatures` under ``chinwag.widget``::

    class Feedback(WidgetFeatures):
        def features(self, ctx, site_id):
            thumbs = Action("feedback.rate")
            return [MessageActions(event="feedback.rate", when=MessageRule(author_kinds=("bot",)),
                                   components=(Button("👍", thumbs.with_payload(value="up"), label="Helpful"),))]

The core asks the features of plugins enabled for a site when a widget starts, and again when an
admin toggles or configures a plugin (open widgets drop or gain the feature within seconds); the
widget loads each feature type's code as a lazy chunk only when one is declared. See
docs/widget-features.md.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import RAISE, Schema, validate
from marshmallow import fields as mf

from chinwag_plugin_api.versions import added

if TYPE_CHECKING:
    from chinwag_plugin_api.context import PluginContext

#: the CSS custom properties a visitor preference may set, with the values each accepts
PREFERENCE_PROPERTIES: dict[str, str] = {
    "--cw-font-scale": r"^(0\.[89]|1(\.[0-9]{1,2})?|2(\.0)?)$",
    "--cw-line-height": r"^(1(\.[0-9])?|2(\.0)?)$",
    "--cw-letter-spacing": r"^(0|0?\.[0-9]{1,2}em)$",
    "--cw-motion": r"^(0|1)$",
    "--cw-contrast": r"^(normal|more)$",
}


def _plain(value: Any) -> Any:
    if isinstance(value, _Data):
        return value.as_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class _Data:
    """Dataclasses that turn into the JSON the widget receives (``None`` fields left out)."""

    kind: ClassVar[str] = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind} if self.kind else {}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = _plain(v)
        return out


@dataclass(frozen=True)
class Action(_Data):
    """What a button, list item or form does: send ``event`` (one of this plugin's ``/widget``
    socket events) with ``payload`` plus the values of the inputs around it (:class:`ActionSubmit`).

    :param event: the plugin's socket event, ``<plugin>.<action>``.
    :param payload: string values the plugin gets back as ``payload`` (e.g. ``{"value": "up"}``).
    """

    event: str
    payload: Mapping[str, str] = field(default_factory=dict)

    def with_payload(self, **payload: str) -> Action:
        return Action(self.event, {**self.payload, **payload})


class Component(_Data):
    """One element of the fixed vocabulary; the widget renders nothing else."""


@dataclass(frozen=True)
class Text(Component):
    """A paragraph (plain text, or ``heading`` / ``muted``)."""

    kind: ClassVar[str] = "text"
    text: str
    style: str = "body"


@dataclass(frozen=True)
class Button(Component):
    """A button that submits ``action`` (or opens ``url`` in a new tab).

    :param text: what it shows (an emoji is fine when ``label`` says it in words).
    :param label: the accessible name when ``text`` is a symbol.
    :param pressed: shown as a toggle (``aria-pressed``) in that state.
    """

    kind: ClassVar[str] = "button"
    text: str
    action: Action | None = None
    url: str | None = None
    label: str | None = None
    style: str = "secondary"
    pressed: bool | None = None


@dataclass(frozen=True)
class Input(Component):
    """A one-line text field; its value is submitted under ``id``."""

    kind: ClassVar[str] = "input"
    id: str
    label: str
    placeholder: str = ""
    value: str = ""


@dataclass(frozen=True)
class Textarea(Component):
    """A multi-line text field; its value is submitted under ``id``."""

    kind: ClassVar[str] = "textarea"
    id: str
    label: str
    placeholder: str = ""


@dataclass(frozen=True)
class Option(_Data):
    value: str
    text: str


@dataclass(frozen=True)
class SingleSelect(Component):
    """A group of choices (radio buttons) submitted under ``id``; with ``action``, picking one
    submits at once."""

    kind: ClassVar[str] = "single_select"
    id: str
    label: str
    options: tuple[Option, ...]
    action: Action | None = None


@dataclass(frozen=True)
class ListItem(Component):
    """One row of a :class:`ListView`: a title that submits ``action`` (or links to ``url``)."""

    kind: ClassVar[str] = "item"
    title: str
    subtitle: str | None = None
    action: Action | None = None
    url: str | None = None


@dataclass(frozen=True)
class ListView(Component):
    kind: ClassVar[str] = "list"
    items: tuple[ListItem, ...]
    label: str | None = None


@dataclass(frozen=True)
class Submit(Component):
    """Sends the values of every input of the same canvas with ``action``."""

    kind: ClassVar[str] = "submit"
    text: str
    action: Action


@dataclass(frozen=True)
class Divider(Component):
    kind: ClassVar[str] = "divider"


@dataclass(frozen=True)
class Image(Component):
    kind: ClassVar[str] = "image"
    url: str
    alt: str
    width: int | None = None
    height: int | None = None


# -- places (features) ----------------------------------------------------------------------------


class Feature(_Data):
    """A place in the widget; ``kind`` names the widget's code chunk that renders it."""


@dataclass(frozen=True)
class Attachments(Feature):
    """The attach button, drag and drop and paste in the composer.

    :param upload_path: the plugin route receiving ``multipart/form-data`` (``file`` and
        ``conversation_id``), relative to its routes' mount point; answers 201 ``{block}``.
    :param accept: content types offered by the file picker.
    :param max_bytes: larger files are refused in the widget before uploading.
    :param updates_event: a plugin event (sent with ``ctx.emit``) whose payload ``{key, block}``
        replaces the message block whose ``update_key`` field equals ``key`` (processing done).
    """

    kind: ClassVar[str] = "attachments"
    upload_path: str
    accept: tuple[str, ...] = ()
    max_bytes: int | None = None
    updates_event: str | None = None
    update_key: str = "media_id"


@dataclass(frozen=True)
class MessageRule(_Data):
    """Which messages get :class:`MessageActions`: by author kind, and optionally only messages
    carrying a block of one of ``block_types``."""

    author_kinds: tuple[str, ...] = ("bot",)
    block_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MessageActions(Feature):
    """Controls under each message matching ``when``. An action's acknowledgement may answer
    ``{"components": [...]}`` (e.g. a reason picker, then a comment box) or ``{"done": text}``."""

    kind: ClassVar[str] = "message_actions"
    event: str
    components: tuple[Component, ...]
    when: MessageRule = field(default_factory=MessageRule)
    label: str | None = None


@dataclass(frozen=True)
class ComposerAssist(Feature):
    """Results offered while the visitor types: ``event`` gets :class:`AssistQuery` and answers
    ``{"results": [{"title", "subtitle"?, "insert"? | "url"?}]}``. Choosing a result puts
    ``insert`` in the composer or opens ``url``."""

    kind: ClassVar[str] = "composer_assist"
    event: str
    label: str
    min_chars: int = 3
    debounce_ms: int = 250


@dataclass(frozen=True)
class PanelTab(Feature):
    """A tab of the panel beside the chat (e.g. Help articles). Opening it submits ``event`` with
    ``payload {"view": "home"}``; every action answers ``{"components": [...]}``."""

    kind: ClassVar[str] = "panel_tab"
    key: str
    title: str
    event: str


@dataclass(frozen=True)
class Prompts(Feature):
    """Cards the server asks the widget to show: a plugin event ``event`` (``ctx.emit`` /
    ``ctx.emit_to_visitor``) with payload ``{"id", "title", "components"}``. Each id is shown
    once per visitor and can be dismissed."""

    kind: ClassVar[str] = "prompts"
    event: str


@dataclass(frozen=True)
class Rule(_Data):
    """One proactive rule; every condition given must hold.

    :param url: a ``*`` pattern over the host page's path (or whole URL if it has ``://``).
    :param seconds_on_page: time since the page loaded.
    :param scroll_percent: how far down the host page the visitor scrolled; declared but not
        evaluated yet (only the loader could report the host page's scrolling).
    :param custom_event: a name the host page sends with ``Chinwag('track', name)``.
    :param cap_hours: show at most once per this many hours per visitor (frequency cap).
    :param chips: (added in 1.5) questions shown as buttons under the message; picking one
        sends its text as the visitor's message. At most 6, each 1-200 characters.
    :param event: (added in 1.5) one of the plugin's own ``/widget`` socket events
        (:class:`ActionSubmit` payload) the widget sends when the rule is shown
        (``payload {"rule": id, "shown": "1"}``, once the visitor has a session) and when a
        chip is picked (``payload {"rule": id, "chip": "<index>"}``, after the message is sent,
        with its ``conversation_id``): how a plugin counts shown and picked chips (a message
        typed with a chip's text is not a pick).
    """

    id: str
    message: str
    url: str | None = None
    seconds_on_page: int | None = None
    scroll_percent: int | None = None
    custom_event: str | None = None
    cap_hours: int = 24
    chips: tuple[str, ...] = ()
    event: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        if not self.chips:
            out.pop("chips", None)
        return out


@dataclass(frozen=True)
class ProactiveRules(Feature):
    """Greetings shown in the launcher's bubble / the chat when a rule matches (evaluated in the
    widget, frequency-capped in the visitor's storage)."""

    kind: ClassVar[str] = "proactive"
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Preference(_Data):
    """A visitor setting: each option sets CSS custom properties of :data:`PREFERENCE_PROPERTIES`."""

    id: str
    label: str
    options: tuple[tuple[str, str, Mapping[str, str]], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "options": [{"value": v, "text": t, "css": dict(css)} for v, t, css in self.options],
        }


@dataclass(frozen=True)
class Preferences(Feature):
    """Visitor preferences (text size, spacing, motion...) applied as CSS custom properties."""

    kind: ClassVar[str] = "preferences"
    title: str
    preferences: tuple[Preference, ...]


@added("1.8")
@dataclass(frozen=True)
class HostPageEvents(Feature):
    """Push the widget's own analytics events into the host page's ``window.dataLayer`` (the
    site's tag manager or gtag.js reads it), through the loader: no third-party script runs in
    the widget. Declare it only for sites that opted in.

    The chat frame posts each event to the loader (the host page's exact origin; the loader
    checks that the message comes from its own frame and Chinwag's origin), which pushes
    ``{"event": prefix + name, "chinwag": {...properties}}``. Only what reaches Chinwag's own
    pipeline is pushed, when the server acknowledged it, and on a site that requires consent
    only while the visitor's consent covers ``analytics``. The names: ``widget_opened``
    (``unread``), ``widget_closed`` (``seconds``), ``widget_rating_submitted`` (``value``,
    ``scale``, ``conversation_id``), ``conversation_started`` (``conversation_id``) and
    ``message_sent`` (``author_kind``, ``conversation_id``). Never message text, e-mail
    addresses or visitor ids.

    :param prefix: put before every event name: 1-20 letters, digits and ``_``, starting with
        a letter (a tag manager's trigger matches ``chinwag_.*``).
    """

    kind: ClassVar[str] = "host_events"
    prefix: str = "chinwag_"


class WidgetFeatures(ABC):
    """Widget features of a plugin, asked per site each time a widget starts or its plugins change.

    Return an empty list where the plugin is off for that site. Keep it fast and pure: it runs on
    the widget's session request (a slow or failing one only drops this plugin's features).
    """

    namespace: ClassVar[str] = "chinwag.widget"

    @abstractmethod
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        """Return the features to show on ``site_id``'s widget."""


# -- what the widget sends ------------------------------------------------------------------------


class ActionSubmit(Schema):
    """The payload of an action's socket event (use it as the :class:`SocketEvent` schema)."""

    class Meta:
        unknown = RAISE

    payload = mf.Dict(keys=mf.String(), values=mf.String(validate=validate.Length(max=200)))
    values = mf.Dict(keys=mf.String(), values=mf.String(validate=validate.Length(max=4000)))
    conversation_id = mf.Integer(allow_none=True)
    message_id = mf.Integer(allow_none=True)


class AssistQuery(Schema):
    """The payload of a :class:`ComposerAssist` event."""

    class Meta:
        unknown = RAISE

    text = mf.String(required=True, validate=validate.Length(max=500))
    conversation_id = mf.Integer(allow_none=True)


def components_reply(*components: Component) -> dict[str, Any]:
    """The acknowledgement that replaces the components an action came from."""
    return {"components": [c.as_dict() for c in components]}


def prompt_payload(prompt_id: str, title: str, *components: Component) -> dict[str, Any]:
    """The payload of a :class:`Prompts` event."""
    return {"id": prompt_id, "title": title, "components": [c.as_dict() for c in components]}


_CSS_VALUE = {k: re.compile(v) for k, v in PREFERENCE_PROPERTIES.items()}


def check_preference(prop: str, value: str) -> bool:
    """Whether a preference may set ``prop`` to ``value`` (the core drops anything else)."""
    rx = _CSS_VALUE.get(prop)
    return bool(rx and rx.match(value))
