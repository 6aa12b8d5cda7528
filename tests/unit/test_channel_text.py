"""Channel text helpers: Telegram's message chunks and callback data, plain rendering, and
what a typed number picks."""

from __future__ import annotations

import html
import itertools

from bot.channels import telegram_mapping as mapping
from bot.channels.text_render import render_plain
from handlers import offered
from handlers.types import Option, Reply


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_chunks_are_packed_greedily_and_never_cut_an_entity() -> None:
    lines = [f"第{n}位 <VIP> & 家人" for n in range(40)]
    chunks = mapping.html_chunks("\n".join(lines), limit=200)
    assert all(units(chunk) <= 200 for chunk in chunks)
    assert html.unescape("\n".join(chunks)) == "\n".join(lines)
    for chunk, following in itertools.pairwise(chunks):
        assert units(chunk) + 1 + units(following.split("\n")[0]) > 200  # nothing more fit

    long_line = "&" * 500  # 2,500 units once escaped
    pieces = mapping.html_chunks(f"开头\n{long_line}\n结尾", limit=100)
    assert all(units(piece) <= 100 for piece in pieces)
    assert all(piece.count("&") == piece.count("&amp;") for piece in pieces)
    assert html.unescape("".join(pieces).replace("\n", "")) == f"开头{long_line}结尾"
    assert mapping.html_chunks("") == [""]


def test_only_commands_travel_as_themselves_in_callback_data() -> None:
    keyboard = mapping.keyboard(
        (Option("男", "男"), Option("查看档案", "/card #3"), Option("长", "/" + "x" * 70)),
        offer="57")
    assert keyboard is not None
    datas = [button.callback_data for row in keyboard.inline_keyboard for button in row]
    assert datas == ["~57.1", "/card #3", "~57.3"]
    assert mapping.pressed("~57.1") == ("1", "57")
    assert mapping.pressed("/card #3") == ("/card #3", None)
    assert mapping.pressed("男") == ("男", None)  # an old button without an offer


def test_plain_text_numbers_a_listed_reply_once() -> None:
    listed = Reply("今日提醒\n1. 🎂 张三 今天生日\n2. 🌅 李四 满50岁",
                   (Option("第1项", "/nudge 1"), Option("第2项", "/nudge 2")), listed=True)
    assert render_plain(listed) == f"{listed.text}\n（回复序号 1–2 打开对应的一项）"
    plain = Reply("性别？", (Option("男", "男"), Option("女", "女")))
    assert render_plain(plain) == "性别？\n\n1. 男\n2. 女\n（回复 1 / 2，或直接回复文字）"


def test_circled_numbers_pick_like_digits_unless_told_not_to() -> None:
    options: list = ["男", "女", ["第3项", "/nudge 9"]]
    assert [offered.pick(t, options) for t in ("①", "②", "③", "３", "④")] == \
        ["男", "女", "/nudge 9", "/nudge 9", "④"]
    assert offered.pick("①", options, circled=False) == "①"
