"""When and how the core calls each hook: the facts the generated reference states for every one.

Kept beside the extension points (one place; docs/plugins.md is generated from it, and a test
fails when an extension point has no entry). The core's behaviour is the authority: when it
changes how a hook is called, this table changes in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from chinwag_plugin_api.events import ANALYTICS


@dataclass(frozen=True)
class HookFacts:
    """How one extension point's hooks are called.

    :param runs: when the core calls it.
    :param transaction: which database transaction is open around the call.
    :param writes: whether it may write to the database, and who commits.
    :param order: the order among plugins (and within one).
    :param reruns: whether the same input can reach it twice.
    :param idempotency: the key it gets to recognise a repeat.
    :param added: the API version that introduced the extension point.
    """

    runs: str
    transaction: str
    writes: str
    order: str
    reruns: str
    idempotency: str
    added: str = "1.0"


ORDER = "core first, then plugins by distribution name; one plugin's entry points by name"

#: by entry-point namespace
FACTS: dict[str, HookFacts] = {
    "chinwag.routes": HookFacts(
        runs="`blueprint()` once per process at start-up; the views on each HTTP request while "
        "the plugin is enabled (404 while disabled)",
        transaction="a view runs in the request's session (`ctx.db_session`), none open yet",
        writes="yes: the view commits its own writes (`ctx.db_session.commit()`)",
        order="start-up order: " + ORDER,
        reruns="a client may repeat a request (network retry): make unsafe routes idempotent",
        idempotency="none from the core; accept a client key (e.g. `Idempotency-Key` header)",
    ),
    "chinwag.admin_pages": HookFacts(
        runs="`render()` each time a signed-in user with one of `roles` opens the page",
        transaction="the request's session, read-only use expected",
        writes="no: render is a read; change data through the plugin's routes",
        order="navigation entries: " + ORDER,
        reruns="on every page view",
        idempotency="not needed (no side effects)",
    ),
    "chinwag.socket_events": HookFacts(
        runs="`events()` once per process at start-up; a handler on each matching client event, "
        "after the core validated the payload and authenticated the sender",
        transaction="the event's session (`ctx.db_session`), none open yet",
        writes="yes: the handler commits its own writes before returning the acknowledgement",
        order="one handler per event name (names are `<plugin>.<action>`, unique)",
        reruns="a client resends an event whose acknowledgement it did not get",
        idempotency="none from the core: put a client-made id in the payload schema",
    ),
    "chinwag.inbound": HookFacts(
        runs="once for every message a visitor sends, before the acknowledgement, before it is "
        "stored (so a refusal stores nothing); never for a re-sent `client_msg_id` that is "
        "already stored (the original acknowledgement is returned)",
        transaction="none of the message's: processors run before its write transaction opens",
        writes="not in `process()` (such writes are discarded and counted as a failure): hand "
        "a function to `ctx.in_message_transaction(fn)`; `fn(message)` runs in the message's "
        "own transaction once the message row exists (its id, seq, conversation), and commits "
        "with it, so it happens exactly when the message is stored",
        order=ORDER + "; each gets the draft the previous one returned",
        reruns="no for a stored message, nor after a failed batch; two copies of one key in "
        "flight at the same instant may both be processed, but only the stored one's "
        "`in_message_transaction` functions run; yes after a refusal",
        idempotency="`draft.idempotency_key`: the sender's `client_msg_id` (None if it sent none)",
    ),
    "chinwag.outbound": HookFacts(
        runs="once for every message an agent or a bot sends, before it is stored and delivered; "
        "never for a re-sent `client_msg_id` that is already stored",
        transaction="none of the message's: processors run before its write transaction opens",
        writes="not in `process()`: use `ctx.in_message_transaction(fn)` (as for inbound)",
        order=ORDER + "; each gets the draft the previous one returned",
        reruns="no for a stored message, nor after a failed batch; yes after a refusal",
        idempotency="`draft.idempotency_key`: the sender's `client_msg_id`; a bot's reply has "
        "`re-<message id>-<plugin>`",
    ),
    "chinwag.responders": HookFacts(
        runs="after a visitor's message is stored and delivered (after commit), while no human "
        "agent holds the conversation and it is open",
        transaction="none open; the message it answers is committed",
        writes="the reply is stored by the core (its own transaction); other writes: commit them",
        order=ORDER + "; a reply with `handoff=True` stops the ones after it",
        reruns="no: each stored visitor message is offered once per process that stores it",
        idempotency="the reply is stored under `re-<message id>-<plugin>`: a repeat is a no-op",
    ),
    "chinwag.blocks": HookFacts(
        runs="the schema validates each block of that `type` in every message sent",
        transaction="none (pure validation)",
        writes="no",
        order="one schema per block type name",
        reruns="on every message carrying the block",
        idempotency="not needed (pure)",
    ),
    "chinwag.storage": HookFacts(
        runs="the deployment's one driver (`CHINWAG_STORAGE`): `configure()` at start-up, the "
        "others whenever a plugin stores or serves a file",
        transaction="the caller's; a driver touches no database",
        writes="bytes only; errors propagate as `StorageError` (not isolated)",
        order="one driver is active",
        reruns="a caller may retry a failed `save` under the same key",
        idempotency="the object key: saving the same key again replaces it",
    ),
    "chinwag.analytics": HookFacts(
        runs="after the change an event reports has committed (message sent, conversation "
        "started, widget events)",
        transaction="none open; the reported change is committed",
        writes="should not write to Chinwag's database; forward the event",
        order=ORDER,
        reruns="no: each event is delivered once per sink in the process that made it",
        idempotency="`event.name` + `event.occurred_at` + its ids identify an event",
    ),
    "chinwag.event_listeners": HookFacts(
        runs="after the change an event describes has committed, after the sender's ack, on a "
        "worker of the app's event bus (never on the socket that sent the message)",
        transaction="none open; the listener's own session (`ctx.db_session`), removed after",
        writes="yes: its own tables, committed by the listener",
        order=ORDER + "; one conversation's events one at a time, in the order they happened",
        reruns="no: each committed change is one event (a re-sent message makes none)",
        idempotency="`event.message.id` (stored messages), else the event's ids and name",
        added="1.1",
    ),
    "chinwag.events": HookFacts(
        runs="event classes are imported at start-up (a name outside the plugin's prefix, or a "
        "class that is not a frozen `Event` dataclass, is refused and shown in its load "
        "errors); `ctx.publish(event)` hands one to the bus after `ctx.db_session` commits",
        transaction="the publisher's: the event waits for its commit (at once with none open) "
        "and is dropped by a rollback",
        writes="listeners and sinks receive it on the bus's workers, after the caller returned",
        order="one lane (conversation, else visitor, else site) one event at a time, in the "
        "order published",
        reruns="no: each published and committed event is delivered once per process",
        idempotency="the event's own fields (put an id of the row it reports in it)",
        added="1.2",
    ),
    "chinwag.jobs": HookFacts(
        runs="once per `interval` seconds across every process, queued on the job queue and run "
        "by one worker (`chinwag worker`, or the one `chinwag run` starts)",
        transaction="a fresh app context and session per run (`ctx.db_session`), removed after",
        writes="yes: the job commits its own writes",
        order="each due job is queued on its own; no order between plugins",
        reruns="yes: a run that raises is retried with back-off, and a run whose worker died is "
        "run again; keep it idempotent",
        idempotency="none: make each run safe to repeat (e.g. delete rows older than a cutoff)",
    ),
    "chinwag.privacy": HookFacts(
        runs="`export()` on a data export request, `erase()` on an erasure request, for a visitor",
        transaction="the request's session; the core commits the erasure after every handler ran",
        writes="`erase()` deletes through `ctx.db_session` (the core commits) and removes files",
        order=ORDER,
        reruns="an admin may repeat a request: erasing what is gone is not an error",
        idempotency="the visitor's id: a second erase finds nothing",
    ),
    "chinwag.widget": HookFacts(
        runs="`features(ctx, site_id)` on each widget session start (with the widget's boot "
        "data) and again after an admin toggles or configures a plugin; the actions its "
        "components send reach the plugin's `/widget` socket events",
        transaction="the session request's (read-only use expected)",
        writes="no: declare data only; the socket event handlers do the writing",
        order=ORDER + "; the widget shows features in that order within a place",
        reruns="yes, on every session start: keep it fast and pure",
        idempotency="not needed (pure); an action's payload can carry your own ids",
        added="1.1",
    ),
    "chinwag.inbox": HookFacts(
        runs="`panels(ctx, conversation)` each time an agent opens a conversation in the inbox "
        "(`GET /api/v1/inbox/conversations/<id>/panels`) and after a plugin is toggled or "
        "configured; the actions its components send reach the plugin's `/agent` socket events",
        transaction="the agent's request session (read-only use expected)",
        writes="no: declare data only; the socket event handlers do the writing",
        order=ORDER + "; the side pane shows panels in that order",
        reruns="yes, on every opening: keep it fast and pure",
        idempotency="not needed (pure); an action's payload can carry your own ids",
        added="1.2",
    ),
    "chinwag.theme_checks": HookFacts(
        runs="`check(ctx, theme)` as a site owner edits the widget designer "
        "(`POST /api/v1/widget-settings/check`) and when a site's widget settings are saved "
        "(`PATCH /api/v1/sites/<id>`, before the change is written)",
        transaction="the admin request's (read-only use expected)",
        writes="no: report findings only",
        order=ORDER + "; the designer lists findings in that order",
        reruns="yes, on every keystroke pause and every save: keep it fast and pure",
        idempotency="not needed (pure)",
        added="1.2",
    ),
    "chinwag.cli": HookFacts(
        runs="`commands()` when the `chinwag` command starts and needs the plugins' commands "
        "(`chinwag --help`, or a word that is not a core command); the command itself when "
        "an operator runs `chinwag <name> ...`",
        transaction="none open: the command runs in the app's context with `ctx.db_session`",
        writes="yes: the command commits its own writes",
        order="listed by name after the core's commands",
        reruns="whenever an operator runs it again: make commands safe to repeat",
        idempotency="none from the core",
        added="1.3",
    ),
    # -- added in 1.4: content checks --
    "chinwag.content_checks": HookFacts(
        runs="`check(ctx, site_id, text, blocks)` when a canned response is created or changed "
        "(`POST`/`PATCH /api/v1/canned-responses`, after validation, before the commit) and "
        "whenever a plugin calls `ctx.content_advice(...)` (chinwag-kb's article preview)",
        transaction="the caller's request session (read-only use expected)",
        writes="no: return advice only; it never blocks the save",
        order=ORDER + "; the editor lists advice in that order",
        reruns="yes, on every save and preview: keep it fast and pure",
        idempotency="not needed (pure)",
        added="1.4",
    ),
    # -- added in 1.5: agents' view --
    "chinwag.agent_view": HookFacts(
        runs="`agent_copy(ctx, draft)` once for every visitor message, after the inbound "
        "processors, before the acknowledgement and before the message is stored; never for a "
        "re-sent `client_msg_id` that is already stored",
        transaction="none of the message's: it runs before its write transaction opens",
        writes="no: return the agents' copy only; a hook that raises or times out withholds the "
        "message from agents (`WITHHELD_TEXT`), the visitor keeps it",
        order=ORDER + "; each gets the copy the previous one returned",
        reruns="no for a stored message; yes after a refusal by a later processor",
        idempotency="`draft.idempotency_key` (the sender's `client_msg_id`)",
        added="1.5",
    ),
}


#: every analytics event a sink receives, by ``event.name``: its ``properties`` (each event also
#: carries ``site_id``, ``visitor_id``, ``distinct_id`` and ``occurred_at``); sent after the
#: change has committed. Made from :data:`chinwag_plugin_api.events.ANALYTICS` (one source).
ANALYTICS_EVENTS: dict[str, str] = {
    spec.name: ", ".join(f"`{p}`" if not p.startswith("(") else p for p in spec.properties)
    or "none"
    for spec in ANALYTICS.values()
}
