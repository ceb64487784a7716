"""Privacy requests: GA4 holds a visitor's events under the client id this plugin sent (their
pseudonym), so an erasure asks GA4's User Deletion API to delete that client's data; the export
names the client id. The plugin keeps nothing in Chinwag's database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from chinwag_plugin_api import PluginContext, PluginError, PrivacyHandler, VisitorRef

from chinwag_ga4.plugin import Config
from chinwag_ga4.service_account import TOKENS, ServiceAccount, TokenError

TIMEOUT = 10
#: the identifier kinds of ``submitUserDeletion`` this plugin can have sent (it sends no user id
#: today: every event goes under the pseudonym as ``client_id``)
IDENTIFIERS = ("clientId", "userId")


def client_id(ctx: PluginContext, visitor: VisitorRef) -> str:
    """The ``client_id`` the sink sends for this visitor (``mapping.client_id``)."""
    return ctx.pseudonym(visitor.site_id, visitor.id)


class GA4Privacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        return {
            "service": "Google Analytics 4",
            "client_id": client_id(ctx, visitor),
            "kept_in_chinwag": False,
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        config = Config.of(ctx.settings)
        if not config.measurement_id:
            return  # never configured to send: GA4 cannot hold anything of this visitor
        if not config.can_delete:
            ctx.count("deletions_not_configured")
            raise PluginError(
                "No GA4 property id, or neither a service account key nor an access token, is "
                "set: Google Analytics was not asked to delete this visitor's data (set them "
                "before erasing; the visitor's export names their GA4 client id).",
                "ga4_deletion_not_configured",
                409,
            )
        # a job: it survives restarts and is retried with back-off while Google is unreachable
        ctx.run_in_background(request_deletion, ctx, "clientId", client_id(ctx, visitor))


def request_deletion(ctx: PluginContext, kind: str, value: str) -> None:
    """The job: one ``submitUserDeletion`` for one identifier; raises (retried) on failure."""
    if kind not in IDENTIFIERS:
        raise ValueError(f"unknown identifier kind {kind!r}")
    config = Config.of(ctx.settings)
    if not config.can_delete:
        ctx.count("deletions_not_configured")
        raise RuntimeError("no GA4 property id, service account key or access token is set")
    account = _account(config)
    res = _submit(config, account, kind, value)
    if res.status_code == 401 and account is not None:
        TOKENS.forget(account)  # revoked or expired early: one new token, one more try
        res = _submit(config, account, kind, value)
    if res.status_code != 200:
        raise RuntimeError(f"GA4's User Deletion API answered {res.status_code}: {res.text[:200]}")
    ctx.count("deletions_requested")
    ctx.logger.info("GA4 user deletion requested")


def _account(config: Config) -> ServiceAccount | None:
    """The service account of the settings (preferred over a pasted token), if one is set."""
    if not config.service_account_key:
        return None
    try:
        return ServiceAccount.parse(config.service_account_key)
    except ValueError as err:  # a key from CHINWAG_GA4_SERVICE_ACCOUNT_KEY skips the schema
        raise RuntimeError(f"GA4 service account key: {err}") from None


def _submit(
    config: Config, account: ServiceAccount | None, kind: str, value: str
) -> requests.Response:
    try:
        token = config.deletion_token if account is None else TOKENS.token(account)
    except TokenError as err:
        raise RuntimeError(str(err)) from None
    try:
        return requests.post(
            config.deletion_url(),
            json={kind: value},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as err:
        raise RuntimeError(f"GA4's User Deletion API unreachable: {type(err).__name__}") from None
