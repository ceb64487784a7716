"""Migrated database templates for test apps (used by :func:`chinwag.testing.make_app`).

Migrating was most of a test app's start (about 1 s on SQLite and 4 s on PostgreSQL on a busy
machine, for each of several hundred apps). A test process now migrates once per backend and set
of plugin migrations, keeps that database as a template, and starts each later app's *empty*
database as a copy of it: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
A database that already holds tables is never replaced: it is migrated as before, so two apps on
one database (a restart, a second process) keep their data.

Creating and dropping a PostgreSQL database each request a checkpoint (one or two seconds on a
busy machine, for each of several hundred tests): a background thread of each test process
drops the databases tests are done with and keeps one copy of the usual template ready for the
next test (:func:`new_database`, :func:`drop_later`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

#: the PostgreSQL server tests create their databases on (its ``postgres`` database)
PG_ADMIN_DSN = os.environ.get("CHINWAG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

Key = tuple[str, tuple[tuple[str, str], ...]]

PREFIX = "chinwag_tpl_"
#: test databases: ``chinwag_test_<pid>_<hex>`` (the pid lets a later process drop a dead one's)
TEST_PREFIX = "chinwag_test_"
_templates: dict[Key, str] = {}  # key -> SQLite file or PostgreSQL database name
_pg_origin: dict[str, Key] = {}  # database made from a template, not used by an app yet -> key
_default_pg: Key | None = None  # the key of the first PostgreSQL app made with no overrides
_folder: Path | None = None


def _key(app: Flask) -> Key:
    from chinwag.dbmigrate import plugin_migration_dirs
    from chinwag.extensions import db

    with app.app_context():
        backend = db.engine.url.get_backend_name()
    dirs = tuple(sorted((name, str(path)) for name, path in plugin_migration_dirs(app).items()))
    return backend, dirs


def _url(app: Flask) -> Any:
    from chinwag.extensions import db

    with app.app_context():
        return db.engine.url


def _dispose(app: Flask) -> None:
    from chinwag.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _pg(sql: str) -> Any:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def _pg_has_tables(app: Flask) -> bool:
    from sqlalchemy import text

    from chinwag.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar_one()
    return bool(found)


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])


def _sqlite_copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{target}{suffix}")
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _sqlite_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="chinwag-templates-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def _recreate(name: str, template: str | None) -> None:
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def start_migrated(app: Flask) -> bool:
    """Give ``app``'s database the migrated schema from a template; False when there is no
    template for it yet or its database is not empty (then the caller migrates)."""
    key = _key(app)
    url = _url(app)
    if key[0] == "sqlite":
        path = Path(url.database or "")
        template = _templates.get(key)
        if template is None or not url.database or _sqlite_has_tables(path):
            return False
        _dispose(app)
        _sqlite_copy(Path(template), path)
        return True
    if key[0] != "postgresql":
        return False
    name = str(url.database)
    origin = _pg_origin.pop(name, None)
    if origin == key:
        return True  # made from this very template by the fixture
    template = _templates.get(key)
    if origin is None and (template is None or _pg_has_tables(app)):
        return False
    _dispose(app)
    _recreate(name, template)  # from the right template, or empty again for a migration
    return template is not None


def make_empty(app: Flask) -> None:
    """Undo a fixture's template copy for an app that migrates on its own (to an older
    revision, or not at all)."""
    url = _url(app)
    if url.get_backend_name() == "postgresql" and _pg_origin.pop(str(url.database), None):
        _dispose(app)
        _recreate(str(url.database), None)


def remember(app: Flask, overrides: bool) -> None:
    """Keep ``app``'s just-migrated database as the template of its key (the first one only).
    ``overrides``: the app was made with settings of the test's own."""
    global _default_pg
    key = _key(app)
    if key in _templates:
        return
    url = _url(app)
    _dispose(app)
    if key[0] == "sqlite" and url.database:
        target = _sqlite_folder() / f"{uuid.uuid4().hex}.db"
        _sqlite_copy(Path(url.database), target)
        _templates[key] = str(target)
    elif key[0] == "postgresql":
        _drop_stale()
        name = f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
        _pg(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
        if not _templates_pg():
            atexit.register(_drop_own)
        _templates[key] = name
        if not overrides and _default_pg is None:
            _default_pg = key


def _templates_pg() -> list[str]:
    return [name for key, name in _templates.items() if key[0] == "postgresql"]


def default_pg_template() -> str | None:
    """The template a fresh PostgreSQL test database can start from (the fixtures' usual app)."""
    return _templates.get(_default_pg) if _default_pg is not None else None


def made_from(name: str, template: str) -> None:
    """Record that database ``name`` was created from ``template`` (and not used yet)."""
    for key, value in _templates.items():
        if value == template:
            _pg_origin[name] = key


def forget(name: str) -> None:
    _pg_origin.pop(name, None)


def _test_name() -> str:
    return f"{TEST_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"


class _Background:
    """A few threads per test process: they drop finished databases and make a spare copy of a
    template, so neither waits in a test's set-up or teardown. Several threads, because each
    drop waits for a checkpoint and concurrent drops share one."""

    THREADS = 4

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[str, str]] = queue.Queue()
        self.lock = threading.Lock()
        self.spares: dict[str, list[str]] = {}  # template -> ready copies
        self.pending: set[str] = set()  # templates with a copy being made
        self.threads: list[threading.Thread] = []
        self.closed = False

    def submit(self, job: str, arg: str) -> None:
        with self.lock:
            if not self.threads:
                for n in range(self.THREADS):
                    thread = threading.Thread(target=self._run, name=f"test-db-{n}", daemon=True)
                    thread.start()
                    self.threads.append(thread)
                atexit.register(self.close)
            if job == "spare":
                if arg in self.pending or self.spares.get(arg):
                    return
                self.pending.add(arg)
        self.jobs.put((job, arg))

    def take(self, template: str) -> str | None:
        with self.lock:
            ready = self.spares.get(template)
            return ready.pop() if ready else None

    def _run(self) -> None:
        while True:
            job, arg = self.jobs.get()
            if job == "stop":
                return
            try:
                if job == "drop":
                    _pg(f'DROP DATABASE IF EXISTS "{arg}" WITH (FORCE)')
                else:
                    name = _test_name()
                    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{arg}"')
                    with self.lock:
                        self.spares.setdefault(arg, []).append(name)
            # a copy not made is made in the test; a database not dropped is dropped by a later
            # test process (its name carries this process's id)
            except Exception:  # noqa: S110
                pass
            finally:
                with self.lock:
                    self.pending.discard(arg)

    def close(self) -> None:
        """At exit: drop the spares, then wait (at most two minutes) for every drop."""
        with self.lock:
            if self.closed or not self.threads:
                return
            self.closed = True
            spares = [name for names in self.spares.values() for name in names]
            self.spares.clear()
        for name in spares:
            self.jobs.put(("drop", name))
        for _ in self.threads:
            self.jobs.put(("stop", ""))
        deadline = time.monotonic() + 120
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


_background = _Background()


def new_database(template: str | None = None) -> str:
    """The name of a new PostgreSQL database (a copy of ``template`` when given): the copy made
    ahead by the background thread when it is ready, else one made now; then the next copy is
    made ahead."""
    name = _background.take(template) if template else None
    if name is None:
        _drop_stale()
        name = _test_name()
        _pg(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    if template:
        _background.submit("spare", template)
    return name


def drop_later(name: str) -> None:
    """Drop the test database ``name`` in the background (it must be unused from now on)."""
    _background.submit("drop", name)


def _drop_own() -> None:
    _background.close()  # no copy of a template is being made while it is dropped
    for name in _templates_pg():
        with contextlib.suppress(Exception):
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_stale_checked = False


def _drop_stale() -> None:
    """Templates and test databases left by test processes that no longer run (killed before
    their exit hook); looked for once per process."""
    global _stale_checked
    if _stale_checked:
        return
    _stale_checked = True
    with contextlib.suppress(Exception):
        rows = _pg(
            "SELECT datname FROM pg_database"  # noqa: S608 - constant prefixes
            f" WHERE datname LIKE '{PREFIX}%' OR datname LIKE '{TEST_PREFIX}%'"
        )
        for (name,) in rows or []:
            prefix = PREFIX if name.startswith(PREFIX) else TEST_PREFIX
            pid = name[len(prefix) :].split("_", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
