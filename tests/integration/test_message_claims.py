"""Redelivered messages are answered once, wherever their ids were claimed: in processed_messages
(a stranger's, the first after the upgrade) or in the agent's conversation row (SQLite)."""

from __future__ import annotations

from sqlalchemy import text

from bot.agents_admin import bind_accounts, create_invite
from handlers.types import Incoming


def _send(app, user, body, message_id, platform="telegram"):
    return app.router.handle(Incoming(platform=platform, user_id=user, chat_id=user, text=body,
                                      message_id=message_id, display_name="李娜"))


def test_the_registration_message_redelivered_in_order_is_answered_once(app):
    code = create_invite(app, leader=False)
    assert _send(app, "777", f"/start {code}", "reg")  # a stranger's: processed_messages
    assert _send(app, "777", "/help", "next")  # the agent's: the row's list begins
    # the channel redelivers both, in order (a crash before the offset was confirmed)
    assert _send(app, "777", f"/start {code}", "reg") == []
    assert _send(app, "777", "/help", "next") == []


def test_a_message_claimed_before_the_upgrade_is_known_after_the_list_begins(app, chat):
    chat.send("/help", message_id="x0")
    chat.send("/help", message_id="x1")
    with app.uow() as uow:  # as 0019 left it: x-ids claimed apart, the row keeps no list
        uow.session.execute(text("UPDATE agent_sessions SET recent_messages = NULL"))
        uow.session.execute(text(
            "INSERT INTO processed_messages (platform, message_id, at) "
            "SELECT 'terminal', 'old', at FROM processed_messages LIMIT 1"))
        uow.commit()
    assert chat.send("/help", message_id="new")  # first since the upgrade: the list begins
    assert chat.send("/help", message_id="old") == ""  # claimed under 0019: still known


def test_a_strangers_message_redelivered_after_the_account_is_bound_is_not_handled(app, chat):
    chat.send("/help", message_id="a0")  # 王芳's row keeps a list
    assert _send(app, "888", "/help", "s1")  # a stranger: refused, claimed apart
    bind_accounts(app, "王芳", telegram="888", wechat=None)  # their new phone
    assert _send(app, "888", "/help", "s1") == []  # not run as 王芳's command


def _race(apps, texts_by_id: dict[str, str]) -> list:
    """Each message delivered to every app (process) at once; the non-empty answers."""
    from concurrent.futures import ThreadPoolExecutor

    messages = [Incoming("terminal", "王芳", "王芳", body, message_id=message_id)
                for message_id, body in texts_by_id.items()]
    jobs = [(app, message) for message in messages for app in apps]
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda job: job[0].router.handle(job[1]), jobs))
    return [reply for reply in replies if reply]


def test_the_same_unsaved_answer_racing_into_two_processes_is_handled_once(make_app, chat):
    """The before_commit path (an answer that does not save the row), raced across processes."""
    from handlers.router import MAX_TEXT

    chat.script("/help", "/help")  # the row keeps a list
    too_long = "很" * (MAX_TEXT + 1)
    handled = _race([chat.app, make_app()], {f"t{n}": too_long for n in range(12)})
    assert all("太长" in reply[0].text for reply in handled), handled
    assert len(handled) == 12


def test_the_same_help_racing_into_two_processes_is_handled_once(make_app, chat):
    """The same race on the save path (/help writes the row)."""
    chat.script("/help", "/help")
    handled = _race([chat.app, make_app()], {f"h{n}": "/help" for n in range(12)})
    assert all("/record" in reply[0].text for reply in handled), handled
    assert len(handled) == 12
