"""Reading the archive back: every note in full (/notes), and a client found by the sound of
the name when a character is wrong."""

from __future__ import annotations

from datetime import datetime


def test_the_card_shows_the_latest_and_notes_shows_everything(chat, clock):
    chat.script("/record 孙明", "男", "保存")
    long_note = "聊到孩子明年去英国读书，" + "他很关心学费和住宿安排，" * 6 + "母亲今年查出糖尿病"
    chat.send(f"/note 孙明 {long_note}")
    for n in range(1, 7):
        clock.advance(hours=1)
        chat.send(f"/note 孙明 第{'一二三四五六'[n - 1]}次电话回访，气氛不错")
    card = chat.send("/card 孙明")
    assert "第六次电话回访" in card and "第二次电话回访" in card
    assert "第一次电话回访" not in card and "糖尿病" not in card  # older than the latest five
    assert "全部记录：/notes #" in card
    everything = chat.send("/notes 孙明")
    assert long_note in everything and "第一次电话回访" in everything
    assert everything.index("第六次") < everything.index("第一次")  # newest first


def test_a_long_timeline_comes_a_page_at_a_time(chat, clock):
    chat.script("/record 孙明", "男", "保存")
    for n in range(25):
        clock.advance(minutes=1)
        chat.send(f"/note 孙明 回访记录编号{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n // 10}号")
    first = chat.send("/notes 孙明")
    assert "第 1 页" in first and "更早的记录：/notes #" in first
    second = chat.send("时间线 孙明 2")
    assert "第 2 页" in second and "更早的记录" not in second
    assert "没有更早的记录了" in chat.send("/notes 孙明 3")
    assert "没有找到客户「李四」" in chat.send("/notes 李四")


def test_a_short_card_entry_is_shown_whole(chat):
    chat.script("/record 孙明", "男", "保存")
    chat.send("/note 孙明 喜欢跑马拉松")
    card = chat.send("/card 孙明")
    assert "喜欢跑马拉松" in card and "全部记录" not in card


def test_a_wrong_character_of_the_same_sound_still_finds_the_client(chat):
    chat.script("/record 孙明", "男", "保存")
    assert "孙明" in chat.send("/find 孙铭")
    opening = chat.send("/record 孙铭")
    assert "开始记录新客户「孙铭」" in opening
    assert "已有读音相同的客户：孙明" in opening and "/record 孙明" in opening
    chat.send("取消")
    assert "读音相同" not in chat.send("/record 李四")


def test_a_card_shows_whom_the_client_introduced_and_the_premium_they_brought(chat):
    chat.script("/record 孙明", "男", "保存")
    for friend, premium in (("李一", "20万"), ("李二", "30万"), ("李三", "30万")):
        chat.send(f"/referral 孙明 {friend}")
        chat.script(f"/policy {friend}", "是", "年金", "2025-12-1", premium, "10", "跳过",
                    "跳过", "有效")
    chat.send("/referral 孙明 王五")  # introduced, not signed yet
    card = chat.send("/card 孙明")
    assert "—— 转介绍 ——" in card
    assert "介绍了 4 位，成交 3 位，带来年缴保费合计 800,000 元" in card
    assert "李一【精选】" in card and "王五【普通】" in card
    assert "介绍人：孙明" in chat.send("/card 李一")


def test_find_reads_occupation_employer_family_names_and_city_suffixes(chat):
    chat.script("/record 孙明", "男", "保存")
    chat.script("/record 孙明 常住城市 职业 工作单位", "杭州", "工程师", "阿里巴巴")
    chat.script("/family 孙明", "配偶", "李娜", "跳过", "跳过", "跳过", "跳过")
    chat.script("/record 王芳芳", "女", "保存")
    chat.script("/record 王芳芳 常住城市", "杭州市")
    reply = chat.send("/find 李娜")  # the client's wife: 孙明, and why
    assert "找到 1 位客户" in reply and "（孙明：配偶 李娜）" in reply
    assert "孙明" in chat.send("/find 阿里巴巴") and "（孙明：单位）" in chat.last[0].text
    assert "（孙明：职业）" in chat.send("/find 工程师")
    for place in ("杭州", "杭州市"):  # with or without 市, stored either way
        reply = chat.send(f"/find {place}")
        assert "找到 2 位客户" in reply and "孙明" in reply and "王芳芳" in reply
    assert "没有找到" in chat.send("/find 李小娜")


def test_find_reads_a_family_members_occupation_below_the_clients_own(chat):
    chat.script("/record 王芳芳", "女", "保存")
    chat.script("/family 王芳芳", "父亲", "王建国", "跳过", "医生", "跳过", "跳过")
    reply = chat.send("/find 医生")
    assert "找到 1 位客户" in reply and "（王芳芳：父亲职业 医生）" in reply
    chat.script("/record 赵敏", "女", "保存")
    chat.script("/record 赵敏 职业", "医生")
    reply = chat.send("/find 医生")
    assert "找到 2 位客户" in reply
    assert "1. 赵敏" in reply and "2. 王芳芳" in reply  # her own occupation first
    assert "（赵敏：职业；王芳芳：父亲职业 医生）" in reply


def test_a_whole_city_or_digits_bring_in_no_sound_alike_names(chat):
    chat.script("/record 杭洲", "男", "保存")  # sounds like 杭州 (hangzhou)
    assert "杭洲" in chat.send("/find 杭州")  # nothing else matched: the homophone is offered
    chat.script("/record 孙明", "男", "保存")
    chat.script("/record 孙明 常住城市", "杭州")
    reply = chat.send("/find 杭州")  # now plainly the city
    assert "找到 1 位客户" in reply and "孙明" in reply and "杭洲" not in reply
    assert "没有找到" in chat.send("/find 1234")


def test_lists_give_the_agents_own_day_not_the_servers(chat, clock):
    clock.set(datetime(2026, 12, 6, 22, 30))  # 06:30 on 7 December in Shanghai
    chat.script("/record 孙明", "男", "保存")
    chat.send("/tier 孙明 筛选 见过两次")
    chat.send("/note 孙明 喝了咖啡")
    found = chat.send("/find 孙明")
    assert "建档2026-12-07" in found and "2026-12-06" not in found
    assert "最近联系 12-07" in chat.send("/book 筛选")
    assert "继续记录已有客户孙明（男，筛选，建档2026-12-07）" in chat.send("/record #1")


def test_find_says_when_there_are_more_than_it_shows(chat):
    for n in range(11):
        chat.script(f"/record 张{'一二三四五六七八九十甲'[n]}", "保存")
    reply = chat.send("/find 张")
    assert "超过 10 位" in reply and "最相关的 10 位" in reply
    assert len(chat.last[0].options) == 10
    chat.script("/record 李四", "保存")
    assert "找到 1 位客户" in chat.send("/find 李四")
