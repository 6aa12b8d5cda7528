"""Chinese texts of the nudges."""

from __future__ import annotations

from handlers.nudge_list import month_day

NEED_BY_CHILD_AGE = {3: "入园 → 教育规划", 6: "入学 → 教育规划", 12: "小升初 → 教育规划",
                     15: "中考 → 教育规划", 18: "高考/留学 → 教育规划"}
NEED_BY_CLIENT_AGE = {50: "养老规划", 55: "退休在即 → 养老规划", 60: "退休 → 养老与传承"}


md = month_day  # "3月5日"

