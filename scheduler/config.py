"""Lead times and cadences of the nudges (config.yaml → nudges), validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NudgeRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    birthday_lead_days: dict[str, int] = {"精选": 7, "核心": 7}
    renewal_days_before: list[int] = [30, 7, 1]
    review_months: dict[str, int] = {"成交": 12, "精选": 6, "核心": 6}
    followup_days: dict[str, int] = {"核心": 14, "精选": 30, "成交": 60, "筛选": 7, "普通": 90}
    child_ages: list[int] = [3, 6, 12, 15, 18]
    client_ages: list[int] = [50, 55, 60]
    record_after_minutes: int = Field(60, ge=1)
    festivals_lunar: dict[str, tuple[int, int]] = {
        "春节": (1, 1), "元宵": (1, 15), "端午": (5, 5), "中秋": (8, 15), "重阳": (9, 9)}
    festivals_solar: dict[str, tuple[int, int]] = {"元旦": (1, 1)}
    salon_invite_days_before: int = Field(2, ge=0)
    catch_up_days: int = Field(31, ge=1)
    max_attempts: int = Field(14, ge=1)
