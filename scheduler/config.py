"""Lead times and cadences of the nudges (config.yaml → nudges), validated."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from handlers.template import TIERS

Days = Annotated[int, Field(ge=1)]
Age = Annotated[int, Field(ge=1, le=120)]
# The review cadence in months: the reviews of a year fall on the same days every year.
REVIEW_MONTHS = (1, 2, 3, 4, 6, 12)


class NudgeRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    birthday_lead_days: dict[str, Days] = {"精选": 7, "核心": 7}
    renewal_days_before: list[Annotated[int, Field(ge=0)]] = [30, 7, 1]
    review_months: dict[str, int] = {"成交": 12, "精选": 6, "核心": 6}
    followup_days: dict[str, Days] = {"核心": 14, "精选": 30, "成交": 60, "筛选": 7, "普通": 90}
    child_ages: list[Age] = [3, 6, 12, 15, 18]
    client_ages: list[Age] = [50, 55, 60]
    record_after_minutes: int = Field(60, ge=1)
    festivals_lunar: dict[str, tuple[int, int]] = {
        "春节": (1, 1), "元宵": (1, 15), "端午": (5, 5), "中秋": (8, 15), "重阳": (9, 9)}
    festivals_solar: dict[str, tuple[int, int]] = {"元旦": (1, 1)}
    salon_invite_days_before: int = Field(2, ge=0)
    catch_up_days: int = Field(31, ge=1)
    max_attempts: int = Field(14, ge=1)

    @field_validator("birthday_lead_days", "review_months", "followup_days")
    @classmethod
    def _known_tiers(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [tier for tier in value if tier not in TIERS]
        if unknown:
            raise ValueError(f"未知的客户层级 {'、'.join(unknown)}（可用：{'、'.join(TIERS)}）")
        return value

    @field_validator("review_months")
    @classmethod
    def _whole_divisions_of_a_year(cls, value: dict[str, int]) -> dict[str, int]:
        wrong = [f"{tier}: {months}" for tier, months in value.items()
                 if months not in REVIEW_MONTHS]
        if wrong:
            raise ValueError(f"检视间隔（月）须是 {'、'.join(map(str, REVIEW_MONTHS))} 之一："
                             + "，".join(wrong))
        return value

    @field_validator("festivals_lunar", "festivals_solar")
    @classmethod
    def _month_and_day(cls, value: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        wrong = [name for name, (month, day) in value.items()
                 if not (1 <= month <= 12 and 1 <= day <= 31)]
        if wrong:
            raise ValueError(f"节日的（月, 日）不对：{'、'.join(wrong)}")
        return value
