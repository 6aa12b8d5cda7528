"""The operator's commands refuse what cannot work, with a clear message."""

from __future__ import annotations

import pytest

from bot.agents_admin import AdminError, add_agent
from bot.cli import build_parser


@pytest.mark.parametrize("days", ["0", "-3", "999999999", "七"])
def test_invite_and_nudges_take_a_sensible_number_of_days(days, capsys):
    for command in (["invite", "--days", days], ["nudges", "--days", days]):
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args(command)
        assert exited.value.code == 2
        assert "天数" in capsys.readouterr().err
    assert build_parser().parse_args(["invite", "--days", "30"]).days == 30


@pytest.mark.parametrize(("name", "telegram", "says"), [
    ("", None, "不能为空"),
    (" 王芳", None, "前后也不能有空格"),
    ("王芳", "@wangfang", "应是一串数字"),
])
def test_an_agent_that_could_not_be_used_is_not_added(app, name, telegram, says):
    with pytest.raises(AdminError, match=says):
        add_agent(app, name, telegram, None, False)
    assert add_agent(app, "王芳2", "12345678", None, False).name == "王芳2"


def test_a_removed_agent_gets_their_chat_accounts_back_with_their_archive(app):
    from bot.agents_admin import bind_accounts, remove_agent
    from tests.support.chat import ChatDriver

    agent = add_agent(app, "王芳", "4242", None, False)
    ChatDriver(app, "王芳").script("/record 张三", "男", "保存")
    remove_agent(app, "王芳")
    assert bind_accounts(app, "王芳", "4242", "wxid_wf") == ["telegram:4242", "wechat:wxid_wf"]
    with app.uow() as uow:
        assert uow.agents.by_identity("telegram", "4242").id == agent.id
        assert uow.agents.by_identity("wechat", "wxid_wf").id == agent.id
        assert uow.clients(agent.id).count() == 1
    add_agent(app, "李四", "5151", None, False)
    with pytest.raises(AdminError, match="已绑定给另一位经纪人"):
        bind_accounts(app, "王芳", "5151", None)
    with pytest.raises(AdminError, match="请用 --telegram 或 --wechat"):
        bind_accounts(app, "王芳", None, None)
