"""跳过 / 返回 / 保存 / 取消, bad input, and a restart in the middle of a record."""

from __future__ import annotations

from bot.queries import export_clients, show_client


def _draft(app, agent="王芳"):
    with app.uow() as uow:
        agent_row = uow.agents.by_name(agent)
        return uow.conversations.by_agent(agent_row.id).draft


def test_bad_input_re_asks_with_the_reason_and_keeps_the_draft(chat, app):
    chat.send("/record 张丽华")
    chat.send("女")
    before = _draft(app)
    reply = chat.send("明天吧")
    assert "⚠️" in reply and "第2/" in reply and "生日" in reply
    assert _draft(app) == before
    reply = chat.send("农历二月三十一")
    assert "⚠️" in reply and _draft(app) == before
    assert "第4/" in chat.send("1976-2-29")  # a real leap day (the year gives the age)
    chat.send("取消")
    chat.script("/record 孙明", "男")
    assert "年龄" in chat.send("2月29日")  # no year: the age is asked
    assert "⚠️" in chat.send("一百五十岁")
    assert "⚠️" in chat.send("12345")  # an age out of range


def test_skip_back_and_save_now(chat, app):
    chat.send("/record 张丽华")
    assert "第2/" in chat.send("女")
    assert "第3/" in chat.send("跳过")
    reply = chat.send("返回")
    assert "第2/" in reply and "生日" in reply
    assert "第3/" in chat.send("3月5日")
    reply = chat.send("返回")
    assert "已填：" in reply  # going back shows the answer kept
    assert "第3/" in chat.send("3月8日")
    reply = chat.send("保存")
    assert "✅ 已保存「张丽华」的档案（2 项）" in reply
    row = show_client(app, "王芳", "张丽华")
    assert row["gender"] == "女"
    assert (row["birthday"]["month"], row["birthday"]["day"]) == (3, 8)
    assert _draft(app) is None


def test_cancel_discards_the_draft_and_saves_nothing(chat, app):
    chat.script("/record 张丽华", "女", "1976-3-5")
    reply = chat.send("取消")
    assert "已取消" in reply and "2 项" in reply
    assert export_clients(app, "王芳") == []
    assert "当前没有进行中的操作" in chat.send("取消")


def test_continuing_a_record_asks_only_what_is_missing(chat):
    chat.script("/record 张丽华", "女", "1976-3-5", "保存")
    reply = chat.send("/record 张丽华")
    # gender, birthday and (from the birth year) age are known: the phone comes first
    assert "第1/" in reply and "手机" in reply and "性别" not in reply.split("\n")[2]
    chat.send("取消")
    reply = chat.send("/record 张丽华 更新")
    assert "性别" in reply


def test_restart_in_the_middle_of_a_record_resumes_at_the_same_question(make_app, chat):
    chat.script("/record 张丽华", "女", "农历八月十五", "50")
    question_before = chat.send("/record 张丽华")
    assert "第4/" in question_before and "手机" in question_before
    chat.app.dispose()

    restarted = make_app()  # a new process: new engine, new router, same database
    chat.app = restarted
    reply = chat.send("13812345678")
    assert "第5/" in reply and "城市" in reply
    reply = chat.send("保存")
    assert "✅ 已保存「张丽华」的档案（4 项）" in reply


def test_lookups_work_in_the_middle_of_a_form_without_losing_it(chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/record 张丽华", "女")
    reply = chat.send("/find 孙")
    assert "孙明" in reply
    assert "「张丽华」的档案还没记录完（第2/24项）。回复 继续 接着填写" in reply
    reply = chat.send("继续")
    assert "第2/" in reply and "生日" in reply
    reply = chat.send("/record 张丽华")
    assert "继续上次的记录" in reply and "第2/" in reply
    assert "请先回复 保存 或 取消" in chat.send("/record 孙明")


def test_redelivered_message_is_ignored(chat):
    chat.send("/record 张丽华")
    assert "第2/" in chat.send("女", message_id="tg-77")
    assert chat.send("女", message_id="tg-77") == ""
    assert "第4/" in chat.send("1976-3-5", message_id="tg-78")


def test_a_draft_survives_a_template_change(make_app, chat, app):
    chat.script("/record 张丽华", "女")
    with app.uow() as uow:
        agent = uow.agents.by_name("王芳")
        state = uow.conversations.by_agent(agent.id)
        draft = dict(state.draft)
        form = dict(draft["form"])
        form["queue"] = ["gender", "removed_field", *form["queue"][1:]]
        form["answers"] = {**form["answers"], "removed_field": "旧答案"}
        uow.conversations.save(state, {**draft, "form": form}, [])
        uow.commit()
    reply = chat.send("1976-3-5")  # the birthday question is still answered normally
    assert "第4/" in reply and "手机" in reply
    assert "✅ 已保存「张丽华」的档案（2 项）" in chat.send("保存")
