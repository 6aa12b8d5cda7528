"""Access through the real command line: the terminal never adopts an invitee's archive."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, bot

ADMIN_SUBCOMMANDS = [["agent", "terminal"]]


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
