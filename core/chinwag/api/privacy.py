"""Privacy requests over REST: find a visitor, export (JSON or one zip archive with their files) or
erase everything held about them. Admins only; every export and erasure is audited.

``widget_bp`` is the visitor's own side (the widget's Privacy tab, ``Authorization: Visitor
<token>``): e-mail me my transcript or my data (a download link for the archive), confirm the
address by the mailed link, download the archive, delete my history.

The work is done by :mod:`chinwag.actions.privacy` (core data and every plugin's data)."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import Blueprint, Response, current_app, g, request, send_file
from markupsafe import escape
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chinwag import audit, revocation
from chinwag.actions import (
    erase_visitor,
    export_visitor,
    get_visitor,
    privacy_download,
    privacy_mail,
)
from chinwag.actions import privacy as self_service
from chinwag.actions.privacy import EXPORT, SELF_SERVICE_PATH, find_visitors, write_archive
from chinwag.api.base import authenticate, endpoint, json_body
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.schemas import Strict, StrictBool
from chinwag.timefmt import UtcDateTime

__all__ = ["bp", "erase_visitor", "export_visitor", "widget_bp"]

bp = Blueprint("privacy", __name__, url_prefix="/api/v1/visitors")
widget_bp = Blueprint("widget_privacy", __name__, url_prefix=SELF_SERVICE_PATH)

#: archives up to this size stay in memory while they are written; larger ones spill to disk
_SPOOL_BYTES = 8 << 20


class VisitorSearch(Strict):
    visitor_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    email = fields.String(validate=validate.Length(min=3, max=320))
    external_id = fields.String(validate=validate.Length(min=1, max=200))
    site_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))

    @validates_schema
    def _one_criterion(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not ({"visitor_id", "email", "external_id"} & set(data)):
            raise ValidationError("Give a visitor id, an email or an external id.", "_schema")


class VisitorFoundOut(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    verified = StrictBool()
    email_verified_by = fields.String(allow_none=True, dump_default=None)
    created_at = UtcDateTime()
    last_seen_at = UtcDateTime()


@endpoint(bp, "", query=VisitorSearch, response=VisitorFoundOut, many=True, roles=("admin",))
def search(query: dict[str, Any]) -> Any:
    """Visitors by id, email (any case) or verified external id; newest first, at most 50."""
    return find_visitors(**query)


@endpoint(bp, "/<int:visitor_id>/export", roles=("admin",), errors=("not_found",))
def export(visitor_id: int) -> Any:
    """Everything Chinwag and its plugins hold about a visitor (GDPR access request)."""
    data = export_visitor(get_visitor(visitor_id))
    audit.record(g.user, "visitor.export", "visitor", visitor_id)
    db.session.commit()
    return data


@bp.get("/<int:visitor_id>/export.zip")
def export_archive(visitor_id: int) -> Response:
    """The export as one zip: ``export.json`` and ``files/<plugin>/...`` (the visitor's files).

    A plain route, not ``endpoint()``: the answer is a file, not JSON (errors are still JSON)."""
    authenticate(("admin",))
    visitor = get_visitor(visitor_id)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (send_file closes)
    write_archive(visitor, spool)
    audit.record(g.user, "visitor.export", "visitor", visitor_id, archive=True)
    db.session.commit()
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"chinwag-visitor-{visitor_id}.zip",
        max_age=0,
    )


@endpoint(bp, "/<int:visitor_id>", methods=["DELETE"], roles=("admin",), errors=("not_found",))
def erase(visitor_id: int) -> Any:
    """Erase a visitor and everything held about them (GDPR erasure request)."""
    failed = erase_visitor(get_visitor(visitor_id), g.user)
    revocation.revoke("visitor", [visitor_id])
    return {"erased": True, "failed_plugins": failed}


# -- the visitor's own requests (the widget's Privacy tab) -------------------------------------


def _visitor() -> Any:
    from chinwag.visitors import visitor_from_token

    header = request.headers.get("Authorization", "")
    visitor = visitor_from_token(header[8:].strip()) if header.startswith("Visitor ") else None
    if visitor is None:
        raise ApiError("token_invalid", "The visitor token is not valid.", 401)
    return visitor


class TranscriptIn(Strict):
    #: where to send it; ignored for a verified visitor (their site's signed address is used)
    email = fields.Email(
        validate=validate.Length(max=320), error_messages={"invalid": "Not a valid e-mail address."}
    )


class TranscriptOut(Schema):
    status = fields.String()  # "sent" or "verification_sent"
    to = fields.String()  # the address, masked (a…@example.com)


class LinkIn(Strict):
    token = fields.String(required=True, validate=validate.Length(min=10, max=2000))


class HistoryErasedOut(Schema):
    erased = StrictBool()


_MAIL_ERRORS = ("token_invalid", "email_required", "mail_unavailable", "not_found", "rate_limited")


def _public_url() -> str:
    """The address visitors reach Chinwag at (behind a proxy, not the request's own host)."""
    return str(current_app.config.get("CHINWAG_PUBLIC_URL") or request.host_url)


@endpoint(
    widget_bp,
    "/transcript",
    methods=["POST"],
    body=TranscriptIn,
    response=TranscriptOut,
    roles=None,
    errors=_MAIL_ERRORS,
)
def transcript(body: dict[str, Any]) -> Any:
    """Mail the visitor their transcript (verified e-mail), or a link that verifies ``email``
    and then sends it. ``email_required``, ``mail_unavailable`` (503), ``rate_limited`` (429)."""
    answer = privacy_mail.request_mail(_visitor().id, body.get("email"), _public_url())
    return answer, 202


@endpoint(
    widget_bp,
    "/export",
    methods=["POST"],
    body=TranscriptIn,
    response=TranscriptOut,
    roles=None,
    errors=_MAIL_ERRORS,
)
def export_by_mail(body: dict[str, Any]) -> Any:
    """Mail the visitor a signed link (valid 24 hours) to download their archive (everything
    held about them, as an admin's export), at their verified e-mail at once, else once a
    link mailed to ``email`` confirmed it. The same errors and limits as the transcript."""
    answer = privacy_mail.request_mail(_visitor().id, body.get("email"), _public_url(), EXPORT)
    return answer, 202


@endpoint(
    widget_bp,
    "/history",
    methods=["DELETE"],
    response=HistoryErasedOut,
    roles=None,
    errors=("token_invalid", "not_found"),
)
def delete_history(**_kwargs: Any) -> Any:
    """Erase the visitor and their conversations (every plugin's erase hook runs); audited as
    requested by the visitor. Their token stops working: the widget starts a fresh session."""
    self_service.erase_own_history(_visitor().id)
    return {"erased": True}


_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
)


def _page(title: str, body: str, status: int = 200) -> Response:
    html = _PAGE.format(title=escape(title), body=body)
    return Response(html, status, mimetype="text/html", headers={"Cache-Control": "no-store"})


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _error_page(err: ApiError) -> Response:
    body = f'<p data-code="{escape(err.code)}">{escape(err.message)}</p>'
    return _page("This link does not work", body, err.status)


#: a confirmation link's page, by what the link sends: (button, what it sends, when sent)
_CONFIRMS = {
    "transcript": ("Send my transcript", "receive your chat transcript", "Your transcript"),
    "export": (
        "Send me a link to my data",
        "receive a link to download a copy of all your data",
        "A link to download your data",
    ),
}


def _button_page(title: str, intro: str, token: str, button: str) -> Response:
    """A page whose one button posts the link's token (a GET changes nothing, so a mail
    scanner that follows links neither uses a link up nor downloads anything)."""
    form = (
        f"<p>{escape(intro)}</p>"
        f'<form method="post"><input type="hidden" name="token" value="{escape(token)}">'
        f'<button type="submit">{escape(button)}</button></form>'
    )
    return _page(title, form)


def _link_token(read: Any) -> tuple[str, dict[str, Any]]:
    """The ``token`` of a link's page (query string) and what ``read`` finds in it."""
    token = request.args.get("token", "")
    try:
        LinkIn().load({"token": token})
    except ValidationError:
        raise ApiError("link_invalid", "This link is not valid.", 400) from None
    return token, read(token)


@widget_bp.get("/confirm")
def confirm_page() -> Response:
    """What the mailed link opens: a button that confirms."""
    try:
        token, payload = _link_token(self_service.read_link)
    except ApiError as err:
        return _error_page(err)
    button, what, _ = _CONFIRMS[payload["w"]]
    intro = f"Press the button to confirm your e-mail address and {what}."
    return _button_page("Confirm your e-mail address", intro, token, button)


def _posted_token() -> str:
    raw = json_body() if request.is_json else {"token": request.form.get("token", "")}
    try:
        return str(LinkIn().load(raw if isinstance(raw, dict) else {})["token"])
    except ValidationError as exc:
        raise ApiError(
            "validation_error", "Give the link's token.", 400, details=exc.messages
        ) from None


@widget_bp.post("/confirm")
def confirm() -> Response | tuple[dict[str, Any], int]:
    """Confirm the address (the link is used up) and send what the link is for: JSON for a
    JSON request (``{"token"}``), else a page. ``link_invalid``, ``link_expired``, ``link_used``."""
    try:
        answer = privacy_mail.confirm_link(_posted_token(), _public_url())
        db.session.commit()
    except ApiError as err:
        return _error_answer(err)
    if _wants_json():
        return answer, 202
    sent = _CONFIRMS[answer.pop("what")][2]
    body = f"<p>Thank you. {escape(sent)} is on its way to {escape(answer['to'])}.</p>"
    return _page("Address confirmed", body, 202)


@widget_bp.get("/download")
def download_page() -> Response:
    """What the mailed download link opens: a button that downloads the archive."""
    try:
        token, _ = _link_token(privacy_download.download_visitor)
    except ApiError as err:
        return _error_page(err)
    intro = (
        "Press the button to download a copy of all your data: one zip archive with your "
        "conversations and the files you shared."
    )
    return _button_page("Download your data", intro, token, "Download my data")


@widget_bp.post("/download")
def download() -> Response | tuple[dict[str, Any], int]:
    """The visitor's archive (the same zip as an admin's export), for a valid download link's
    ``token`` (form or JSON); audited. ``link_invalid``, ``link_expired``, ``rate_limited``."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (send_file closes)
    try:
        visitor_id = privacy_download.write_own_archive(_posted_token(), spool)
    except ApiError as err:
        spool.close()
        return _error_answer(err)
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"chinwag-my-data-{visitor_id}.zip",
        max_age=0,
    )


def _error_answer(err: ApiError) -> Response | tuple[dict[str, Any], int]:
    if _wants_json():
        raise err
    return _error_page(err)
