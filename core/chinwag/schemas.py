"""Payload schemas of the REST API and the Socket.IO protocol. Each payload is defined once here:
it validates input, serialises output and feeds the OpenAPI document. Unknown fields are rejected."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from chinwag.consent_catalogue import CATALOGUE, PURPOSES
from chinwag.timefmt import UtcDateTime

#: what browsers send as Origin: ASCII (IDNs in punycode), a host name or IPv4, a port
ORIGIN = validate.Regexp(
    r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$",
    error="Not an origin (scheme://host[:port]).",
)


#: ids and sequence numbers are 32-bit in the database
MAX_INT = 2**31 - 1


class StrictBool(fields.Boolean):
    """``true`` or ``false`` only, as the OpenAPI document says (marshmallow also took 0, 1,
    "yes", "on"...: a client could not know which)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if value is True or value is False:  # not ``in {True}``: 0 == False, 1 == True
            return value
        raise self.make_error("invalid", input=value)


#: what an ``avatar_url`` may be, stated in the document exactly as checked (a web URL)
WEB_URL_PATTERN = (
    r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?\.)*[a-z0-9][a-z0-9-]{0,30}[a-z0-9]"
    r"(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?(?:\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$"
)


def web_url(https_only: bool = False, **kwargs: Any) -> fields.Url:
    """A web URL, documented as the pattern it is checked against (one rule, both places)."""
    pattern = WEB_URL_PATTERN.replace("^https?", "^https") if https_only else WEB_URL_PATTERN
    return fields.Url(
        schemes={"https"} if https_only else {"https", "http"},
        require_tld=False,
        validate=validate.Regexp(pattern, error="Not a web URL (http[s]://host/path)."),
        metadata={"pattern": pattern},
        **kwargs,
    )


class Strict(Schema):
    class Meta:
        unknown = RAISE


# -- auth ---------------------------------------------------------------------------------------


class LoginIn(Strict):
    email = fields.Email(required=True)
    password = fields.String(
        required=True, validate=validate.Length(min=1, max=1024), load_only=True
    )


class RefreshIn(Strict):
    refresh_token = fields.String(required=True)


class TokensOut(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    disabled = StrictBool()
    created_at = UtcDateTime()


# -- sites --------------------------------------------------------------------------------------


#: one line of ``greetings``: a language code, a colon, the greeting in that language
GREETING_LINE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?: ?\S[^\n]{0,499}$"


def no_repeats(values: list[Any]) -> None:
    """A list of distinct values (the designer's preview rules know it by name)."""
    if len(set(values)) != len(values):
        raise ValidationError("Each value once.")


def _purpose() -> fields.String:
    """One purpose of the consent catalogue; the OpenAPI document carries what each covers
    (``x-enum-descriptions``: the admin's designer describes its checkboxes with them)."""
    return fields.String(
        validate=validate.OneOf(PURPOSES, error="Unknown consent purpose."),
        metadata={"x-enum-descriptions": {p.id: p.covers for p in CATALOGUE}},
    )


class WidgetSettings(Strict):
    """Everything a site owner customises; the widget reads it from the session response."""

    brand_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    text_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    font_family = fields.String(validate=validate.Length(max=200))
    corner_radius = fields.Integer(strict=True, validate=validate.Range(min=0, max=32))
    theme = fields.String(validate=validate.OneOf(["light", "dark", "auto"]))
    position = fields.String(validate=validate.OneOf(["right", "left"]))
    offset_x = fields.Integer(strict=True, validate=validate.Range(min=0, max=200))
    offset_y = fields.Integer(strict=True, validate=validate.Range(min=0, max=200))
    launcher_icon = fields.String(validate=validate.OneOf(["chat", "help", "wave"]))
    team_name = fields.String(validate=validate.Length(max=80))
    avatar_url = web_url(allow_none=True)
    greeting = fields.String(validate=validate.Length(max=500))
    placeholder = fields.String(validate=validate.Length(max=120))
    locale = fields.String(validate=validate.Length(min=2, max=35))
    show_on = fields.List(fields.String(validate=validate.Length(max=300)))
    hide_on = fields.List(fields.String(validate=validate.Length(max=300)))
    prechat_form = StrictBool()
    consent_required = StrictBool()
    consent_text = fields.String(validate=validate.Length(max=2000))
    consent_version = fields.String(validate=validate.Length(max=64))
    #: what the site asks consent for (chinwag.consent_catalogue; default ``["analytics"]``)
    consent_purposes = fields.List(
        _purpose(), validate=[validate.Length(min=1, max=len(PURPOSES)), no_repeats]
    )
    #: which of them the visitor may leave unticked in the first form and still chat (default
    #: none: every purpose asked must be ticked)
    consent_optional_purposes = fields.List(
        _purpose(), validate=[validate.Length(max=len(PURPOSES)), no_repeats]
    )
    #: the fields analytics may send out (docs/analytics.md); none unless the site opts in
    analytics_fields = fields.List(
        fields.String(validate=validate.OneOf(["text", "email"])), validate=validate.Length(max=2)
    )
    # widget 1.1 (docs/widget.md, "Customisation"): launcher styles, a greeting per language,
    # the site's web fonts in the chat frame
    launcher_style = fields.String(validate=validate.OneOf(["icon", "text", "image", "hidden"]))
    launcher_text = fields.String(validate=validate.Length(max=40))
    launcher_image_url = web_url(allow_none=True, https_only=True)
    greetings = fields.List(fields.String(validate=validate.Regexp(GREETING_LINE)))
    font_urls = fields.List(web_url(https_only=True))


class SiteIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    allowed_origins = fields.List(
        fields.String(validate=ORIGIN, metadata={"pattern": ORIGIN.regex.pattern}),
        load_default=list,
    )
    widget_settings = fields.Nested(WidgetSettings, load_default=dict)
    identity_required = StrictBool(load_default=False)


class SitePatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=200))
    allowed_origins = fields.List(
        fields.String(validate=ORIGIN, metadata={"pattern": ORIGIN.regex.pattern})
    )
    widget_settings = fields.Nested(WidgetSettings)
    identity_required = StrictBool()


class SiteOut(Schema):
    id = fields.Integer()
    name = fields.String()
    site_key = fields.String()
    allowed_origins = fields.List(fields.String())
    widget_settings = fields.Dict()
    identity_required = StrictBool()
    created_at = UtcDateTime()


class SiteSecretOut(SiteOut):
    identity_secret = fields.String()


# -- plugins ------------------------------------------------------------------------------------


class PluginPatch(Strict):
    enabled = StrictBool()
    settings = fields.Dict(keys=fields.String())


class PluginOut(Schema):
    name = fields.String()
    display_name = fields.String()
    version = fields.String()
    description = fields.String()
    api_requirement = fields.String(allow_none=True)
    compatible = StrictBool()
    blocked = StrictBool()
    essential = StrictBool()
    enabled = StrictBool()
    loaded = StrictBool()
    restart_required = StrictBool()
    load_errors = fields.List(fields.String())
    extension_points = fields.List(fields.String())
    health = fields.Dict()
    settings = fields.Dict()
    settings_schema = fields.List(fields.Dict())


# -- widget session and messages ----------------------------------------------------------------


class WidgetSessionIn(Strict):
    site_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    visitor_token = fields.String(allow_none=True, validate=validate.Length(max=200))
    identity = fields.String(allow_none=True, validate=validate.Length(max=8000))
    page_url = fields.String(allow_none=True, validate=validate.Length(max=2000))
    referrer = fields.String(allow_none=True, validate=validate.Length(max=2000))
    locale = fields.String(allow_none=True, validate=validate.Length(max=35))
    consent_version = fields.String(allow_none=True, validate=validate.Length(max=64))
    #: the purposes ticked in the first form (with ``consent_version``); none: all asked
    consent_purposes = fields.List(
        _purpose(), allow_none=True, validate=[validate.Length(max=len(PURPOSES)), no_repeats]
    )
    name = fields.String(allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(allow_none=True)


class WidgetSessionOut(Schema):
    visitor_token = fields.String()
    visitor_id = fields.Integer()
    verified = StrictBool()
    expires_at = UtcDateTime()
    settings = fields.Dict()
    features = fields.Dict()


class MessageOut(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    seq = fields.Integer()
    client_msg_id = fields.String(allow_none=True)
    author_kind = fields.String()
    author_name = fields.String(allow_none=True)
    text = fields.String()
    blocks = fields.List(fields.Dict())
    annotations = fields.Dict()
    created_at = UtcDateTime()
    #: an agent's public profile (``chinwag.profiles``); ``author_name`` is never their email
    author_avatar_url = fields.String(allow_none=True, dump_default=None)


class VisitorOut(Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    #: the identity was signed by the site's backend (docs/widget.md)
    verified = StrictBool()
    #: who vouches for ``email``: ``identity`` (the site's signed identity), ``link`` (the visitor
    #: opened a confirmation link mailed to it, docs/privacy.md), or null
    email_verified_by = fields.String(
        allow_none=True, validate=validate.OneOf(["identity", "link"]), dump_default=None
    )
    email_verified_at = UtcDateTime(allow_none=True, dump_default=None)
    external_id = fields.String(allow_none=True)
    attributes = fields.Dict()
    page_url = fields.String(allow_none=True)
    referrer = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    created_at = UtcDateTime()
    last_seen_at = UtcDateTime()


class ConversationOut(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    visitor_id = fields.Integer()
    status = fields.String()
    assignee_kind = fields.String(allow_none=True)
    assignee_user_id = fields.Integer(allow_none=True)
    last_seq = fields.Integer()
    visitor_read_seq = fields.Integer()
    agent_read_seq = fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    #: the visitor's form: the assigned agent's public profile (the widget's typing line)
    agent_name = fields.String(allow_none=True, dump_default=None)
    agent_avatar_url = fields.String(allow_none=True, dump_default=None)


class AgentConversationOut(ConversationOut):
    visitor = fields.Nested(VisitorOut)
    team_id = fields.Integer(
        allow_none=True, metadata={"description": "The team it is routed to (optional)."}
    )

    class Meta:
        exclude = ("agent_name", "agent_avatar_url")  # the visitor's form only


class MessagesQuery(Strict):
    after_seq = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))


class ConversationsQuery(Strict):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    site_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT))
    assignee = fields.String(
        validate=validate.OneOf(["unassigned", "mine", "all"]), load_default="all"
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    team_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_INT),
        metadata={"description": "Only conversations routed to this team."},
    )


class MessagesOut(Schema):
    messages = fields.List(fields.Nested(MessageOut))
    resync_required = StrictBool()


def blocks_field(**kwargs: Any) -> fields.List[Any]:
    """Blocks are dicts here; their content is validated per type by the block registry."""
    return fields.List(
        fields.Dict(keys=fields.String()), validate=validate.Length(max=20), **kwargs
    )


# -- socket events (client -> server) -----------------------------------------------------------


def Int(**kwargs: Any) -> fields.Integer:
    """A JSON number that is an integer; "1" and 1.5 are refused (wrong type)."""
    return fields.Integer(strict=True, **kwargs)


def Bool(**kwargs: Any) -> fields.Boolean:
    """A JSON true/false only; "yes", 1 and "true" are refused."""
    return StrictBool(**kwargs)


CLIENT_MSG_ID = validate.Regexp(r"^[A-Za-z0-9_\-:.]{1,64}$")


class MessageSendIn(Strict):
    conversation_id = Int(allow_none=True, validate=validate.Range(min=1, max=MAX_INT))
    client_msg_id = fields.String(required=True, validate=CLIENT_MSG_ID)
    text = fields.String(load_default="")
    blocks = blocks_field(load_default=list)


class ConversationSyncIn(Strict):
    conversation_id = Int(required=True, validate=validate.Range(min=1, max=MAX_INT))
    after_seq = Int(required=True, validate=validate.Range(min=0, max=MAX_INT))


class TypingSetIn(Strict):
    conversation_id = Int(required=True, validate=validate.Range(min=1, max=MAX_INT))
    typing = Bool(required=True)


class ConversationReadIn(Strict):
    conversation_id = Int(required=True, validate=validate.Range(min=1, max=MAX_INT))
    seq = Int(required=True, validate=validate.Range(min=0, max=MAX_INT))


class ConversationRefIn(Strict):
    conversation_id = Int(required=True, validate=validate.Range(min=1, max=MAX_INT))


class ConversationAssignIn(Strict):
    conversation_id = Int(required=True, validate=validate.Range(min=1, max=MAX_INT))
    user_id = Int(allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_INT))


class InboxSyncIn(Strict):
    after_event_id = Int(required=True, validate=validate.Range(min=0, max=MAX_INT))


class ConversationListIn(Strict):
    pass


#: analytics events carry these beside their properties: a property may not take their names
TRACK_RESERVED = ("name", "site_id", "visitor_id", "distinct_id", "occurred_at")
#: what the widget reports itself under ``widget.<name>`` (docs/analytics.md): not the page's
TRACK_RESERVED_NAMES = ("session_started",)


class TrackValue(fields.Field[Any]):
    """A property value from the host page: a string (at most 500 characters), a number, a
    boolean or null; no objects or lists (a sink's columns are flat)."""

    default_error_messages = {
        "invalid": "A property is a string of at most 500 characters, a number, true/false or null."
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int) and abs(value) <= 2**53:
            return value
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            return value
        if isinstance(value, str) and len(value) <= 500:
            return value
        raise self.make_error("invalid")


class _Loaded(Strict):
    mode = fields.String(required=True, validate=validate.OneOf(("frame", "page")))


class _Opened(Strict):
    unread = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))


class _Closed(Strict):
    seconds = fields.Float(required=True, validate=validate.Range(0, 366 * 86400))


#: what the chat frame reports itself through ``widget.track`` (docs/analytics.md): these names
#: carry exactly the catalogue's properties, so a sink can rely on them (a host page sending one
#: is held to the same)
WIDGET_REPORTS: dict[str, type[Strict]] = {"loaded": _Loaded, "opened": _Opened, "closed": _Closed}


class TrackIn(Strict):
    """``widget.track``: what ``Chinwag('track', name, props)`` on the host page sends, and the
    frame's own reports (:data:`WIDGET_REPORTS`)."""

    name = fields.String(
        required=True,
        validate=[
            validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$", error="Invalid event name."),
            validate.NoneOf(TRACK_RESERVED_NAMES, error="Reserved event name."),
        ],
    )
    properties = fields.Dict(
        keys=fields.String(
            validate=[
                validate.Length(min=1, max=64),
                validate.NoneOf(TRACK_RESERVED, error="Reserved property name."),
            ]
        ),
        values=TrackValue(allow_none=True),
        load_default=dict,
        validate=validate.Length(max=50),
    )

    @validates_schema
    def _report(self, data: dict[str, Any], **_: Any) -> None:
        report = WIDGET_REPORTS.get(data.get("name", ""))
        if report is not None:
            problems = report().validate(data.get("properties") or {})
            if problems:
                raise ValidationError({"properties": problems})


class PageViewIn(Strict):
    page_url = fields.String(required=True, validate=validate.Length(max=2000))
