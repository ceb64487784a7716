"""Configuration from ``CHINWAG_*`` environment variables; every key is documented in docs/configuration.md.

The embedded defaults need nothing installed: SQLite in the instance folder, an in-process
message bus, media on local disk.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """The configuration cannot start a server (e.g. no secret key in production)."""


@dataclass(frozen=True)
class Setting:
    """One configuration key: its environment variable, default and meaning (docs come from here)."""

    key: str
    default: Any
    doc: str
    cast: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENV",
        "development",
        "`development` or `production`; production requires a secret key, an https "
        "`CHINWAG_PUBLIC_URL` and secure cookies (docs/security.md).",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL. Default: SQLite file `chinwag.db` in the "
        "instance folder (WAL mode). PostgreSQL: `postgresql+psycopg://user@host/db`.",
    ),
    Setting(
        "REDIS_URL",
        None,
        "Optional. Socket.IO message queue shared by several processes, and rate-limit counters. "
        "(Plugin state needs no broadcast: every process re-reads it from the database.)",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Signs tokens and sessions. Required in production; in development "
        "generated once and kept in the instance folder.",
    ),
    Setting(
        "REDIS_CHANNEL",
        "chinwag",
        "Pub/sub channel (and rate-limit key prefix) of this deployment in Redis.",
    ),
    Setting("HOST", "127.0.0.1", "Address `chinwag run` listens on."),
    Setting("PORT", 5000, "Port `chinwag run` listens on.", int),
    Setting(
        "INSTANCE_PATH",
        None,
        "Folder for the SQLite database, the generated secret and local "
        "media. Default: `./instance`.",
    ),
    Setting("ASYNC_MODE", "gevent", "`gevent` (default) or `eventlet`; `threading` for tests."),
    Setting("STORAGE", "local", "Media storage driver (entry point in `chinwag.storage`)."),
    Setting(
        "PUBLIC_URL",
        None,
        "The URL visitors reach Chinwag at, used in embed snippets. "
        "Default: derived from the request.",
    ),
    Setting("ASSET_URL", None, "Serve the widget's hashed assets from this base URL (a CDN)."),
    Setting("ACCESS_TOKEN_MINUTES", 15, "Lifetime of agent/admin access tokens.", int),
    Setting("REFRESH_TOKEN_DAYS", 14, "Lifetime of agent/admin refresh tokens.", int),
    Setting(
        "AGENT_IDLE_MINUTES",
        10,
        "An online agent with no activity in the inbox for this long shows as away "
        '(docs/admin.md, "Availability").',
        int,
    ),
    Setting(
        "VISITOR_TOKEN_HOURS", 24, "Lifetime of a visitor token before it must be renewed.", int
    ),
    Setting("MAX_MESSAGE_CHARS", 4000, "Longest message text accepted.", int),
    Setting(
        "MAX_HTTP_BUFFER", 1_000_000, "Largest Socket.IO/Engine.IO packet accepted, bytes.", int
    ),
    Setting("RATE_LIMIT_MESSAGES", 20, "Messages a visitor may send per 10 seconds.", int),
    Setting(
        "HOOK_TIMEOUT_MS",
        2000,
        "Time budget of one plugin hook call; slower calls count as failures.",
        int,
    ),
    Setting(
        "PLUGIN_REFRESH_SECONDS",
        1.0,
        "How often a process re-reads plugin state from the "
        "database (toggles apply within this plus one request).",
        float,
    ),
    Setting(
        "ADMIN_ORIGIN",
        None,
        "Origin allowed on the `/agent` namespace. Default: Chinwag's own origin.",
    ),
    Setting(
        "OIDC_ISSUER",
        None,
        "OpenID Connect sign-in: the provider's issuer URL (its discovery document is read "
        "from `<issuer>/.well-known/openid-configuration`). Unset: password sign-in only.",
    ),
    Setting("OIDC_CLIENT_ID", None, "OpenID Connect client id registered at the provider."),
    Setting(
        "OIDC_CLIENT_SECRET",
        None,
        "OpenID Connect client secret. The provider must redirect to "
        "`<public URL>/api/v1/auth/oidc/callback`.",
    ),
    Setting("OIDC_LABEL", "single sign-on", "Provider name on the admin's sign-in button."),
    Setting(
        "OIDC_NEW_USER_ROLE",
        "",
        "`agent` or `admin` to create an account on the first OpenID Connect sign-in of an "
        "unknown (provider-verified) email; empty refuses unknown emails.",
    ),
    Setting(
        "DISABLED_PLUGINS",
        "",
        "Comma-separated plugin names that are never imported (blocked); needs a restart.",
    ),
    # -- hardening (docs/security.md) --
    Setting(
        "REQUEST_TIMEOUT_SECONDS",
        10.0,
        "Longest time a request's headers and body may take to arrive (and a keep-alive "
        "connection may sit idle); slower clients are cut off. WebSockets are exempt once open.",
        float,
    ),
    Setting(
        "MAX_CONNECTIONS_PER_IP",
        100,
        "Concurrent connections one client address may hold on `chinwag run` (gevent), and "
        "Socket.IO sockets per process in every async mode (threading and eventlet too); more "
        "are refused at once (`too_many_connections`). `0`: no cap (behind a proxy without "
        "`CHINWAG_TRUSTED_PROXIES` every client shares the proxy's address: cap there).",
        int,
    ),
    Setting(
        "MAX_CONNECTIONS",
        0,
        "Concurrent connections one `chinwag run` (gevent) process holds in all, from every "
        "address; more are refused at once (`503 too_many_connections`), so that many addresses "
        "together cannot exhaust the open-file limit either. `0`: derived from that limit (a "
        "quarter of it, 64 to 1024, is kept for the database, Redis and files).",
        int,
    ),
    Setting(
        "LISTEN_BACKLOG",
        2048,
        "Connections the kernel queues for `chinwag run` (gevent, eventlet) before the process "
        "accepts them: a reconnect storm after a restart arrives at once, and gevent's own "
        "default (128) drops the rest (their clients wait and retry). Linux caps it at "
        "`net.core.somaxconn`.",
        int,
    ),
    Setting(
        "RATE_LIMIT_SESSIONS",
        30,
        "Visitor sessions (`POST /api/v1/widget/session`) one client address may start per minute.",
        int,
    ),
    Setting(
        "RATE_LIMIT_SITE_SESSIONS",
        3000,
        "Visitor sessions one site may start per minute, all addresses together.",
        int,
    ),
    Setting(
        "RATE_LIMIT_SIGNINS",
        20,
        "Failed sign-ins (password or single sign-on) one client address may make per "
        "`CHINWAG_RATE_LIMIT_SIGNIN_WINDOW_SECONDS`; further attempts get `429 rate_limited`.",
        int,
    ),
    Setting(
        "RATE_LIMIT_ACCOUNT_SIGNINS",
        10,
        "Failed sign-ins one account (email, known or not) may take per window, from every "
        "address together.",
        int,
    ),
    Setting(
        "RATE_LIMIT_SIGNIN_WINDOW_SECONDS",
        900.0,
        "The sliding window of the two sign-in limits above.",
        float,
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of Chinwag whose `X-Forwarded-For`/`X-Forwarded-Proto` are "
        "believed (werkzeug's ProxyFix, on HTTP and Socket.IO alike). `0`: trust nothing, the "
        "client is the TCP peer. Never set it higher than the hops you run: a client could "
        "then choose its own address.",
        int,
    ),
)


#: background jobs (docs/jobs.md)
JOB_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "JOBS_URL",
        None,
        "Job queue storage: `redis://...`/`rediss://...`, `sqlite:////path/jobs.sqlite3` or "
        "`memory`. Default: Redis at `CHINWAG_REDIS_URL` when set, else SQLite file "
        "`jobs.sqlite3` in the instance folder.",
    ),
    Setting(
        "JOBS_IN_PROCESS",
        "true",
        "`chinwag run` also runs a job worker in its own process; `false` when separate "
        "`chinwag worker` processes run the jobs.",
    ),
    Setting("JOBS_WORKERS", 2, "Jobs one worker process runs at once (greenlets).", int),
    Setting("JOBS_RETRIES", 5, "Retries of a failing job before it counts as failed.", int),
    Setting(
        "JOBS_RETRY_DELAY",
        2.0,
        "Seconds before a failed job's first retry; doubled for each further retry.",
        float,
    ),
    Setting(
        "JOBS_TIMEOUT_SECONDS",
        300.0,
        "Longest one run of a job may take: a run still going after it is interrupted and "
        "counts as a failure (retried with back-off like one). Enforced by greenlet workers "
        "(`chinwag run`/`chinwag worker` under gevent, the default); thread workers cannot "
        "interrupt a job. 0: no limit.",
        float,
    ),
    Setting(
        "JOBS_LEASE_SECONDS",
        30.0,
        "A worker silent for this long is taken for dead and its running jobs are re-queued.",
        float,
    ),
)
SETTINGS = SETTINGS + JOB_SETTINGS

#: the analytics pipeline (docs/analytics.md)
ANALYTICS_SETTINGS: tuple[Setting, ...] = (
    Setting("ANALYTICS_BATCH", 100, "Analytics events handed to a sink in one delivery job.", int),
    Setting(
        "ANALYTICS_BUFFER",
        10000,
        "Analytics events per sink waiting for delivery (also while the sink is down); "
        "events beyond it are dropped and counted in the sink's health.",
        int,
    ),
    Setting(
        "ANALYTICS_FLUSH_SECONDS",
        2.0,
        "Longest time an analytics event waits for its batch to fill before it is queued.",
        float,
    ),
    Setting(
        "ANALYTICS_ATTEMPTS",
        20,
        "Deliveries of a batch a failing sink gets (back-off from 2 s, doubling, at most "
        "5 minutes apart) before its events count as dead letters.",
        int,
    ),
)
SETTINGS = SETTINGS + ANALYTICS_SETTINGS

#: the plugin supply chain (docs/security.md)
PLUGIN_IMPORT_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PLUGIN_IMPORT_TIMEOUT_SECONDS",
        10.0,
        "Longest a plugin's modules may take to import at start-up; a plugin still importing "
        "after it is refused (shown in the admin) and the server starts without it.",
        float,
    ),
)
SETTINGS = SETTINGS + PLUGIN_IMPORT_SETTINGS

#: teams and scoping (docs/admin.md, chinwag.access)
ACCESS_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "UNSCOPED_AGENTS",
        "auto",
        "What an agent on no team and no site sees: `all` sites or `none`. `auto`: what the "
        "database decided when it was migrated: `none` on a fresh install, `all` on an "
        "upgrade that had such agents (docs/admin.md). Set `none` once every agent has a team "
        "or a site.",
    ),
)
SETTINGS = SETTINGS + ACCESS_SETTINGS
#: transport and secrets at rest (docs/security.md, production)
SECURITY_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PASSWORD_HASHING",
        "standard",
        "`standard`: argon2id with RFC 9106's low-memory parameters (64 MiB, 3 passes); "
        "`cheapest`: the least argon2 allows, for test suites only (refused in production). "
        "A stored hash keeps the parameters it was made with: either setting checks both.",
    ),
    Setting(
        "COOKIE_SECURE",
        "auto",
        "`auto`: the admin's session cookies are `Secure` when the request or "
        "`CHINWAG_PUBLIC_URL` is https; `true`: always; `false`: never (refused in production).",
    ),
    Setting(
        "DATA_KEYS",
        None,
        "Keys that encrypt secrets stored in the database (sites' identity secrets, plugins' "
        "secret settings): comma-separated Fernet keys, newest first (`chinwag secrets "
        "generate-key` makes one; `chinwag secrets rotate` re-encrypts with the first). "
        "Default: one key derived from `CHINWAG_SECRET_KEY`.",
    ),
)
SETTINGS = SETTINGS + SECURITY_SETTINGS

#: outgoing e-mail (chinwag.mailer; visitors' transcripts, docs/privacy.md)
MAIL_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SMTP_URL",
        None,
        "Outgoing mail server: `smtp://user:password@host:587` (STARTTLS when offered) or "
        "`smtps://…:465`; credentials only over TLS or to a loopback address. Unset: no mail "
        "(features that need it say so). Mail is sent on the job queue, with retries.",
    ),
    Setting("MAIL_FROM", "chinwag@localhost", "`From` address of the mail Chinwag sends."),
)
SETTINGS = SETTINGS + MAIL_SETTINGS


def _instance_path(env: Mapping[str, str]) -> Path:
    raw = env.get("CHINWAG_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")
    return Path(raw).resolve()


def _secret_key(instance: Path, production: bool, env: Mapping[str, str]) -> str:
    key = env.get("CHINWAG_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError(
            "refusing to start with CHINWAG_ENV=production: CHINWAG_SECRET_KEY must be set."
        )
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Why ``config`` must not serve production traffic (empty: it may). Only checked when
    ``CHINWAG_ENV=production``; docs/security.md says how to mend each."""
    if config.get("CHINWAG_ENV") != "production":
        return []
    problems = []
    public = str(config.get("CHINWAG_PUBLIC_URL") or "")
    if not public:
        problems.append(
            "CHINWAG_PUBLIC_URL must be set to the https:// address visitors reach Chinwag at"
        )
    elif not public.lower().startswith("https://"):
        problems.append(f"CHINWAG_PUBLIC_URL must be an https:// URL, not {public!r}")
    if str(config.get("CHINWAG_PASSWORD_HASHING") or "standard") != "standard":
        problems.append("CHINWAG_PASSWORD_HASHING must be standard (cheapest is for tests)")
    cookie = str(config.get("CHINWAG_COOKIE_SECURE") or "auto").lower()
    if cookie not in ("auto", "true"):
        problems.append(
            f"CHINWAG_COOKIE_SECURE={cookie} sends session cookies without TLS; use auto or true"
        )
    return problems


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse (``ConfigError``, every problem in one message) a production configuration that
    would leak sessions: see :func:`production_problems`."""
    problems = production_problems(config)
    if problems:
        raise ConfigError(
            "refusing to start with CHINWAG_ENV=production: " + "; ".join(problems) + "."
        )


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from ``env`` (default: ``os.environ``) into Flask config keys ``CHINWAG_*``."""
    env = os.environ if env is None else env
    config: dict[str, Any] = {}
    for s in SETTINGS:
        raw = env.get(f"CHINWAG_{s.key}")
        config[f"CHINWAG_{s.key}"] = s.cast(raw) if raw not in (None, "") else s.default
    instance = _instance_path(env)
    config["CHINWAG_INSTANCE_PATH"] = str(instance)
    unscoped = str(config["CHINWAG_UNSCOPED_AGENTS"]).lower()
    if unscoped not in ("auto", "all", "none"):
        raise ConfigError(f"CHINWAG_UNSCOPED_AGENTS must be auto, all or none, not {unscoped!r}.")
    config["CHINWAG_UNSCOPED_AGENTS"] = unscoped
    hashing = str(config["CHINWAG_PASSWORD_HASHING"]).lower()
    if hashing not in ("standard", "cheapest"):
        raise ConfigError(
            f"CHINWAG_PASSWORD_HASHING must be standard or cheapest, not {hashing!r}."
        )
    config["CHINWAG_PASSWORD_HASHING"] = hashing
    if config["CHINWAG_TRUSTED_PROXIES"] < 0:
        raise ConfigError("CHINWAG_TRUSTED_PROXIES must be 0 or more.")
    production = config["CHINWAG_ENV"] == "production"
    config["SECRET_KEY"] = _secret_key(instance, production, env)
    if not config["CHINWAG_DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        config["CHINWAG_DATABASE_URL"] = f"sqlite:///{instance / 'chinwag.db'}"
    config["CHINWAG_STORAGE_OPTIONS"] = {
        k[len("CHINWAG_STORAGE_") :].lower(): v
        for k, v in env.items()
        if k.startswith("CHINWAG_STORAGE_")
    }
    return config


def settings_markdown() -> str:
    """The configuration reference table (docs/configuration.md embeds it; a test keeps them equal)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "—" if s.default in (None, "") else f"`{s.default}`"
        rows.append(f"| `CHINWAG_{s.key}` | {default} | {s.doc} |")
    return "\n".join(rows) + "\n"
