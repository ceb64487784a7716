"""Migration 0003: surveys mailed before it said ``email`` for every mail; they become
``email_on_close`` (nothing stored tells a close's mail from the idle job's) and widget
surveys keep theirs. (``chinwag plugins check`` rolls every revision back.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from chinwag.testing import app_session, dispose, make_app, migrate

ROWS = [(1, "email"), (2, "on_close"), (3, "after_idle")]


def _triggers(app: Any) -> list[tuple[int, str]]:
    with app_session(app) as s:
        found = s.execute(text("SELECT id, trigger FROM feedback_surveys ORDER BY id"))
        return [(int(i), str(t)) for i, t in found]


def test_mailed_surveys_get_their_own_trigger(tmp_path: Any, database_url: str) -> None:
    app = make_app(tmp_path, database_url, revision="0002_teams_articles")
    try:
        with app_session(app) as s:
            for survey_id, trigger in ROWS:
                s.execute(
                    text(
                        "INSERT INTO feedback_surveys (id, conversation_id, visitor_id, site_id,"
                        " scale, trigger, asked_at) VALUES (:i, :i, 1, 1, 'stars', :t,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"i": survey_id, "t": trigger},
                )
            s.commit()
        migrate(app, "0003_mail_triggers")
        assert _triggers(app) == [(1, "email_on_close"), (2, "on_close"), (3, "after_idle")]
        with app_session(app) as s:
            confirmed = s.execute(text("SELECT address_confirmed FROM feedback_surveys")).all()
            assert {row[0] for row in confirmed} == {None}
    finally:
        dispose(app)
