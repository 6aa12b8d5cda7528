"""`nudges`, `sweep` and `run` as real subprocesses."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import ROOT, bot


def _setup(env, database_url, birthday: str) -> None:
    if not database_url.startswith("sqlite"):
        assert bot(env, "agent", "add", "王芳").returncode == 0
    # Quiet hours (22-8 by default) moved half a day away, so a push may go out at any hour.
    quiet = (datetime.now(ZoneInfo("Asia/Shanghai")).hour + 12) % 24
    script = (f"/record 张丽华\n女\n{birthday}\n保存\n/settings 提醒时间 0\n"
              f"/settings 免打扰 {quiet}-{(quiet + 1) % 24}\n")
    assert bot(env, "chat", "--agent", "王芳", stdin=script).returncode == 0


def test_nudges_lists_what_falls_due_without_sending(env, database_url):
    _setup(env, database_url, "1976-3-5")
    result = bot(env, "nudges", "--date", "2027-03-04", "--days", "3", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    birthdays = [row for row in rows if row["kind"] == "birthday"]
    assert [row["date"] for row in birthdays] == ["2027-03-05"]
    assert birthdays[0]["agent"] == "王芳" and birthdays[0]["client"] == "张丽华"
    assert "张丽华 今天生日" in birthdays[0]["text"]
    filtered = json.loads(bot(env, "nudges", "--date", "2027-03-05", "--agent", "王芳",
                              "--json").stdout)
    assert filtered
    text = bot(env, "nudges", "--date", "2027-03-05").stdout
    assert "2027-03-05 [王芳] 🎂 张丽华 今天生日" in text
    assert "扫描完成" in bot(env, "sweep").stdout


def test_nudges_for_today_lists_the_late_reminders_the_sweep_makes(env, database_url):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    birthday = today + timedelta(days=3)  # the 7-day gift time went by without her
    _setup(env, database_url, f"1984-{birthday.month}-{birthday.day}")
    assert bot(env, "chat", "--agent", "王芳", stdin="/tier 张丽华 精选 大客户\n").returncode == 0

    def gifts(day) -> list[tuple[str, str, str]]:
        result = bot(env, "nudges", "--date", day.isoformat(), "--json")
        assert result.returncode == 0, result.stderr
        return [(row["date"], row["client"], row["text"]) for row in json.loads(result.stdout)
                if row["kind"] == "birthday_ahead"]

    (gift,) = gifts(today)
    assert gift[:2] == (today.isoformat(), "张丽华") and "张丽华 3天后" in gift[2]
    assert gifts(today + timedelta(days=1)) == []
    assert "扫描完成" in bot(env, "sweep").stdout
    assert gifts(today) == [gift]  # made now, and listed as the sweep made it


def test_run_shows_pushes_in_the_terminal_as_they_arrive(env, database_url):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    _setup(env, database_url, f"1980-{today.month}-{today.day}")
    process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--agent", "王芳"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    try:
        assert process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                         daemon=True).start()
        deadline = time.monotonic() + 60
        seen = ""
        while time.monotonic() < deadline and "今天生日" not in seen:
            with contextlib.suppress(queue.Empty):  # a silent bot fails the test, not hangs it
                seen += lines.get(timeout=max(0.0, deadline - time.monotonic()))
        assert "🔔" in seen and "张丽华 今天生日" in seen
    finally:
        assert process.stdin is not None
        process.stdin.close()  # end of input ends `run`
        process.wait(timeout=30)
    assert process.returncode == 0
