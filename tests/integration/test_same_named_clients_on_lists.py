"""Two clients may share a name (an agent can have two 王芳): deleting one, or moving one to
another tier, changes that one's entry in the festival and salon lists and on referral lines,
never the other's."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update

from storage.models import Client, Nudge, TimelineEntry
from tests.integration.test_deletion_traces import _open_lists


@pytest.fixture(params=["ids", "names"])
def sweep(request, app):
    """A sweep tick; "names": its lists then keep no ids, as those made before revision 0017
    (read by name, where the client can be on them)."""

    def tick() -> None:
        app.nudges.tick()
        if request.param == "names":
            with app.uow() as uow:
                uow.session.execute(update(Nudge).values(listed=None))
                uow.commit()

    return tick


def _two_wang_fang(chat, app) -> tuple[int, int]:
    """王芳 (女) and another 王芳 (男), in the order they were added."""
    chat.script("/record 王芳", "女", "保存")
    chat.script("/record #new 王芳", "男", "保存")
    return _ids(app, "王芳")


def _ids(app, name: str) -> tuple[int, ...]:
    with app.uow() as uow:
        return tuple(uow.session.scalars(
            select(Client.id).where(Client.name == name).order_by(Client.id)))


def _delete(chat, client_id: int) -> None:
    chat.script(f"/delete #{client_id}", "整个客户档案")
    assert "🗑 已删除客户" in chat.send("确认删除")


def test_deleting_a_wang_fang_not_on_a_salon_list_leaves_the_other_on_it(app, chat, sweep):
    first, second = _two_wang_fang(chat, app)
    chat.send(f"/tier #{second} 筛选 有潜力")
    chat.send("/salon 周四 19:30 读书会 @筛选")  # proposes the second 王芳 only
    sweep()  # the invitation list is due today
    assert "建议邀请：王芳【筛选】（发送" in _open_lists(app)["salon"]
    _delete(chat, first)
    assert "建议邀请：王芳【筛选】（发送" in _open_lists(app)["salon"]
    _delete(chat, second)
    assert "建议邀请：（暂无建议人选）（发送" in _open_lists(app)["salon"]


def test_deleting_one_wang_fang_strikes_their_own_entry_from_both_lists(app, chat, clock, sweep):
    first, second = _two_wang_fang(chat, app)
    chat.script("/record 李四", "男", "保存")
    chat.send(f"/tier #{second} 筛选 有潜力")
    chat.send("/salon 2027-1-2 19:30 读书会")  # its list is open on 元旦 (one over is retired)
    sweep()
    clock.set(datetime(2027, 1, 1, 1, 0))  # 元旦
    sweep()
    lists = _open_lists(app)
    assert "建议问候：王芳【筛选】、李四【普通】、王芳【普通】（共 3 位）" in lists["festival"]
    assert "建议邀请：王芳【筛选】、王芳【普通】、李四【普通】（发送" in lists["salon"]
    _delete(chat, first)  # the 普通 one
    lists = _open_lists(app)
    assert "建议问候：王芳【筛选】、李四【普通】（共 2 位）" in lists["festival"]
    assert "建议邀请：王芳【筛选】、李四【普通】（发送" in lists["salon"]


def test_a_wang_fang_added_after_the_festival_list_takes_nobody_off_it(app, chat, clock, sweep):
    chat.script("/record 王芳", "女", "保存")
    clock.set(datetime(2027, 1, 1, 1, 0))  # 元旦
    sweep()
    assert "建议问候：王芳【普通】（共 1 位）" in _open_lists(app)["festival"]
    clock.advance(minutes=5)
    chat.script("/record #new 王芳", "男", "保存")  # not on the list
    _delete(chat, _ids(app, "王芳")[1])
    assert "建议问候：王芳【普通】（共 1 位）" in _open_lists(app)["festival"]


def test_a_new_tier_changes_only_that_wang_fangs_entry(app, chat, clock, sweep):
    chat.script("/record 王芳", "女", "保存")
    clock.set(datetime(2027, 1, 1, 1, 0))  # 元旦
    sweep()
    clock.advance(minutes=5)
    chat.script("/record #new 王芳", "男", "保存")  # not on the list
    chat.send(f"/tier #{_ids(app, '王芳')[1]} 筛选 有潜力")
    assert "建议问候：王芳【普通】（共 1 位）" in _open_lists(app)["festival"]


def test_a_new_tier_changes_the_entry_of_that_wang_fang_among_two(app, chat, clock, sweep):
    first, second = _two_wang_fang(chat, app)
    chat.send(f"/tier #{first} 筛选 有潜力")
    clock.set(datetime(2027, 1, 1, 1, 0))  # 元旦
    sweep()
    assert "建议问候：王芳【筛选】、王芳【普通】（共 2 位）" in _open_lists(app)["festival"]
    chat.send(f"/tier #{second} 成交 已签单")
    assert "建议问候：王芳【筛选】、王芳【成交】（共 2 位）" in _open_lists(app)["festival"]
    _delete(chat, first)
    assert "建议问候：王芳【成交】（共 1 位）" in _open_lists(app)["festival"]


def _referral_lines(app, client_id: int) -> list[tuple[str, datetime]]:
    with app.uow() as uow:
        return [(line.text, line.at) for line in uow.session.scalars(select(TimelineEntry).where(
            TimelineEntry.client_id == client_id, TimelineEntry.kind == "referral")
            .order_by(TimelineEntry.id))]


def test_deleting_one_of_two_referred_wang_fangs_keeps_the_others_referral_line(app, chat,
                                                                                 clock):
    chat.script("/record 孙明", "男", "保存")
    first, second = _two_wang_fang(chat, app)
    (referrer,) = _ids(app, "孙明")
    chat.send(f"/referral 孙明 #{first}")
    clock.advance(minutes=1)
    chat.send(f"/referral 孙明 #{second}")
    first_at, _ = (at for _, at in _referral_lines(app, referrer))
    assert _referral_lines(app, first) == [("由孙明介绍", first_at)]
    _delete(chat, second)  # the later line is theirs
    assert _referral_lines(app, referrer) == [("转介绍：王芳", first_at)]
    assert _referral_lines(app, first) == [("由孙明介绍", first_at)]
    _delete(chat, first)
    assert _referral_lines(app, referrer) == []


def test_going_down_from_0017_keeps_nudge_ids_never_reused(app, chat, database_url):
    """The downgrade rebuilds the nudges table on SQLite: still AUTOINCREMENT (revision 0006),
    and the lists' texts stay."""
    from alembic import command
    from sqlalchemy import text

    from storage.migrate import alembic_config, upgrade

    _two_wang_fang(chat, app)
    chat.send("/salon 周四 19:30 读书会")
    app.nudges.tick()
    before = _open_lists(app)["salon"]
    assert "王芳【普通】、王芳【普通】" in before
    app.dispose()
    command.downgrade(alembic_config(database_url), "0016")
    upgrade(database_url)
    assert _open_lists(app)["salon"] == before
    if database_url.startswith("sqlite"):
        with app.uow.engine.connect() as connection:
            assert "AUTOINCREMENT" in connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'nudges'")).scalar()
