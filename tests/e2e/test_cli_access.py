"""Access through the real command line: the terminal never adopts an invitee's archive; an
agent's access can be taken away and unused invites withdrawn."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from handlers.types import Incoming, SystemClock
from tests.e2e.conftest import ROOT, bot

ADMIN_SUBCOMMANDS = [["agent", "terminal"], ["agent", "remove"], ["invite", "revoke"]]


@pytest.mark.parametrize("words", ADMIN_SUBCOMMANDS, ids=" ".join)
def test_admin_subcommands_have_help(words):
    result = subprocess.run([sys.executable, "-m", "bot", *words, "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def _register_by_invite(env: dict[str, str], wechat_id: str, display: str) -> None:
    """An invitee joins over WeChat: a real router in a child process, as the bot would run."""
    code = bot(env, "invite").stdout.strip()
    script = (
        "from bot.bootstrap import build_app\n"
        "from bot.settings import Secrets, load_settings\n"
        "from handlers.types import Incoming\n"
        "app = build_app(load_settings(), Secrets.from_env())\n"
        f"print(app.router.handle(Incoming('wechat', {wechat_id!r}, {wechat_id!r},"
        f" '绑定 {code}', 'j1', display_name={display!r}))[0].text)\n"
        "app.dispose()\n")
    joined = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert f"欢迎，{display}" in joined.stdout, joined.stderr


def test_chat_run_and_demo_refuse_an_agent_without_a_terminal(env):
    assert bot(env, "migrate").returncode == 0
    _register_by_invite(env, "wxid_m", "王芳")
    for command in (["chat", "--agent", "王芳"], ["demo", "--agent", "王芳"],
                    ["run", "--agent", "王芳"]):
        refused = bot(env, *command, stdin="/record 张丽华\n女\n保存\n")
        assert refused.returncode == 2, command
        assert "没有终端身份" in refused.stderr and "agent terminal 王芳" in refused.stderr
    assert "张丽华" not in bot(env, "clients", "--agent", "王芳").stdout

    opened = bot(env, "agent", "terminal", "王芳")
    assert opened.returncode == 0 and "chat --agent 王芳" in opened.stdout
    chatted = bot(env, "chat", "--agent", "王芳", stdin="/record 孙明\n男\n保存\n")
    assert chatted.returncode == 0 and "已保存「孙明」" in chatted.stdout


def test_agent_remove_unbinds_every_account_and_keeps_the_data(env, make_app, clock):
    clock.set(SystemClock().now())  # the command line runs on the real clock
    assert bot(env, "agent", "add", "王芳", "--telegram", "4242", "--wechat", "wxid_wf"
               ).returncode == 0
    assert bot(env, "chat", "--agent", "王芳", stdin="/record 张丽华\n女\n保存\n").returncode == 0
    app = make_app()
    with app.uow() as uow:
        agent_id = uow.agents.by_name("王芳").id
        uow.outbox.enqueue("push:test", agent_id, "telegram", "4242", "push",
                           [{"text": "张丽华 生日", "options": []}], app.clock.now())
        uow.commit()

    removed = bot(env, "agent", "remove", "王芳")
    assert removed.returncode == 0, removed.stderr
    for said in ("已停用经纪人 王芳", "telegram:4242", "wechat:wxid_wf", "terminal:王芳",
                 "资料仍保留", "/delete"):
        assert said in removed.stdout
    for platform, user in (("telegram", "4242"), ("wechat", "wxid_wf")):
        (reply,) = app.router.handle(Incoming(platform, user, user, "/card 张丽华", f"r-{user}"))
        assert "仅限已注册的经纪人" in reply.text and "张丽华" not in reply.text
    refused = bot(env, "chat", "--agent", "王芳", stdin="/card 张丽华\n")
    assert refused.returncode == 2 and "没有终端身份" in refused.stderr
    assert json.loads(bot(env, "agent", "list").stdout)[0]["identities"] == []
    assert "张丽华" in bot(env, "clients", "--agent", "王芳").stdout  # the data stays
    with app.uow() as uow:
        assert "agent_remove" in [entry.action for entry in uow.audit.entries(agent_id)]
        assert uow.outbox.status_of("push:test") == "withdrawn"
    assert bot(env, "agent", "remove", "无此人").returncode == 2


def test_invite_revoke_withdraws_unused_codes(env, make_app, clock):
    assert bot(env, "migrate").returncode == 0
    first, second = (bot(env, "invite").stdout.strip() for _ in range(2))
    revoked = bot(env, "invite", "revoke", first.lower())
    assert revoked.returncode == 0 and "已作废 1 个" in revoked.stdout
    app = make_app()

    def join(code: str, user: str) -> str:
        clock.set(SystemClock().now())  # the command line's clock: the real one
        return app.router.handle(Incoming("wechat", user, user, f"绑定 {code}", f"j-{user}",
                                          display_name=user))[0].text

    assert "邀请码无效或已过期" in join(first, "wx1")
    assert "欢迎" in join(second, "wx2")
    third = bot(env, "invite", "--leader").stdout.strip()
    assert "已作废 1 个" in bot(env, "invite", "revoke", "--all").stdout  # not the used one
    assert "邀请码无效或已过期" in join(third, "wx3")
    neither = bot(env, "invite", "revoke")
    assert neither.returncode == 2 and "--all" in neither.stderr
