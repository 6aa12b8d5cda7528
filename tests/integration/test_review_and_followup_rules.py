"""Policy reviews once a period at month ends."""

from __future__ import annotations

from datetime import date, timedelta


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _due(app, kind: str, name: str, days: list[date]) -> list[date]:
    return [day for day in days
            if any(n.kind == kind and name in n.text for n in app.nudges.preview(day))]


def _select_client_with_policy(chat, name: str, start: str) -> None:
    chat.script(f"/record {name}", "男", "保存")
    chat.script(f"/policy {name}", "是", "本公司", "年金", start, "10万", "10", "跳过", "跳过",
                "有效")  # 10万 a year: 精选, reviewed every six months


def test_a_review_falls_once_a_period_when_the_start_day_is_a_month_end(app, chat):
    _select_client_with_policy(chat, "二月底", "2025-02-28")
    _select_client_with_policy(chat, "九月底", "2025-09-30")
    _select_client_with_policy(chat, "八月底", "2025-08-31")
    month_ends = (_days(date(2026, 2, 25), date(2026, 3, 31))
                  + _days(date(2026, 8, 25), date(2026, 9, 30)))
    assert _due(app, "review", "二月底", month_ends) == [date(2026, 2, 28), date(2026, 8, 28)]
    assert _due(app, "review", "九月底", month_ends) == [date(2026, 3, 30), date(2026, 9, 30)]
    assert _due(app, "review", "八月底", month_ends) == [date(2026, 2, 28), date(2026, 8, 31)]
