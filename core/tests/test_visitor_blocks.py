"""Visitors send text and their own uploads; cards, buttons and links anywhere come from agents
and bots (issue 21 item 7)."""

from typing import Any

import pytest

CARD = {"type": "card", "title": "Your invoice", "url": "https://evil.example/invoice.exe"}
FILE_ANYWHERE = {
    "type": "file",
    "url": "https://evil.example/invoice.exe",
    "name": "invoice.pdf",
    "size": 1000,
    "content_type": "application/pdf",
}


def _ack(client: Any, event: str, payload: Any, ns: str) -> Any:
    return client.emit(event, payload, namespace=ns, callback=True)


@pytest.fixture
def visitor_socket(visitor_session: Any, demo_site: Any, socket_client: Any) -> Any:
    s = visitor_session()
    auth = {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    return socket_client("/widget", auth, origin="https://shop.example")


@pytest.mark.parametrize(
    ("blocks", "code"),
    [
        ([CARD], "block_not_allowed"),
        (
            [{"type": "buttons", "buttons": [{"label": "Pay", "url": "https://evil.example"}]}],
            "block_not_allowed",
        ),
        ([{"type": "suggestions", "items": ["yes"]}], "block_not_allowed"),
        ([FILE_ANYWHERE], "media_not_allowed"),
        ([{**FILE_ANYWHERE, "media_id": "0" * 32}], "media_not_allowed"),
        ([{"type": "image", "url": "https://evil.example/x.png"}], "media_not_allowed"),
        (
            [{"type": "image", "url": "//evil.example/x.png", "media_id": "0" * 32}],
            "media_not_allowed",
        ),
    ],
)
def test_visitor_cannot_send_rich_or_unbacked_blocks(
    visitor_socket: Any, blocks: list[dict[str, Any]], code: str
) -> None:
    ack = _ack(
        visitor_socket,
        "message.send",
        {"client_msg_id": "m1", "text": "", "blocks": blocks},
        "/widget",
    )
    assert not ack["ok"] and ack["error"]["code"] == code, ack
    # nothing was stored: the same key may carry a plain message now
    ack = _ack(visitor_socket, "message.send", {"client_msg_id": "m1", "text": "hello"}, "/widget")
    assert ack["ok"] and ack["message"]["blocks"] == [], ack


def test_agents_still_send_cards(visitor_socket: Any, admin_token: str, socket_client: Any) -> None:
    first = _ack(visitor_socket, "message.send", {"client_msg_id": "m1", "text": "hi"}, "/widget")
    conv = first["message"]["conversation_id"]
    agent = socket_client("/agent", {"token": admin_token}, origin="http://localhost")
    card = {**CARD, "url": "https://shop.example/orders/7"}
    ack = _ack(
        agent,
        "message.send",
        {"conversation_id": conv, "client_msg_id": "a1", "text": "", "blocks": [card]},
        "/agent",
    )
    assert ack["ok"], ack
    assert ack["message"]["blocks"][0]["type"] == "card"


@pytest.mark.parametrize("field", ["url", "thumbnail_url", "poster_url", "captions_url"])
def test_every_link_of_a_visitor_media_block_stays_on_chinwag(field: str) -> None:
    """A visitor's video names an upload, but a link of it (its WebVTT captions, say) points
    elsewhere: refused by the core itself, whatever the media plugin would do."""
    from chinwag_plugin_api import MessageDraft, Refused

    from chinwag.blocks import VisitorBlocks

    video = {
        "type": "video",
        "url": "/media/v/1.mp4",
        "media_id": "0" * 32,
        field: "/media/v/1.vtt",
    }
    ok = MessageDraft(conversation_id=None, author_kind="visitor", text="", blocks=[video])
    assert VisitorBlocks().process(None, ok) is ok  # type: ignore[arg-type]
    for elsewhere in ("https://evil.example/track.vtt", "//evil.example/track.vtt"):
        draft = MessageDraft(
            conversation_id=None,
            author_kind="visitor",
            text="",
            blocks=[{**video, field: elsewhere}],
        )
        with pytest.raises(Refused) as refused:
            VisitorBlocks().process(None, draft)  # type: ignore[arg-type]
        assert refused.value.code == "media_not_allowed"
