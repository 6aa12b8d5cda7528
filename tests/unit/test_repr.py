"""Nothing printed by repr() (logs, tracebacks, a debugger) shows a password or a full number."""

from __future__ import annotations

import pytest

from bot.settings import load_settings
from handlers.flow import FormDraft
from handlers.types import Incoming


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://dangan:pw-S3cret@db.example:5432/dangan", "dangan:***@db.example:5432"),
        ("postgresql+psycopg://dangan:pw-S3cret@db/dangan?sslmode=require", "dangan:***@db"),
        ("postgresql://db/dangan?user=dangan&password=pw-S3cret", "password=***"),
    ],
)
def test_settings_never_show_the_database_password(url: str, shown: str) -> None:
    settings = load_settings(env={"DATABASE_URL": url})
    assert settings.database_url == url  # still usable
    for text in (repr(settings), str(settings)):
        assert "pw-S3cret" not in text and shown in text


def test_settings_without_a_password_show_the_url() -> None:
    settings = load_settings(env={"DATABASE_URL": "sqlite:///data/dangan.db"})
    assert "sqlite:///data/dangan.db" in repr(settings)


def test_an_incoming_message_does_not_show_what_was_typed() -> None:
    incoming = Incoming(platform="telegram", user_id="42", chat_id="42",
                        text="/note 张三 新号码 13887654321", message_id="m1")
    assert "13887654321" not in repr(incoming) and "张三" not in repr(incoming)
    assert "telegram" in repr(incoming) and "m1" in repr(incoming)


def test_a_form_draft_does_not_show_its_answers() -> None:
    draft = FormDraft(form="record", client_name="张三", client_id=None, tier="普通",
                      queue=["phone", "id_number"], pos=2,
                      answers={"phone": {"e164": "+8613887654321", "masked": "138****4321"},
                               "id_number": {"value": "110105194912310021"}})
    shown = repr(draft)
    assert "13887654321" not in shown and "110105194912310021" not in shown
    assert "record" in shown and "pos=2" in shown
