"""An invalid config.yaml is reported so that an operator can fix it: where, and what."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings

BROKEN = "database_url: sqlite:///a.db\nnudges:\n  birthday_days: [1, 2\n  x: 3\n"


def test_a_yaml_error_quotes_the_line_with_a_caret(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    message = str(caught.value)
    assert str(config) in message
    assert "不是合法的 YAML" in message
    assert "line 3, column 18" in message
    assert "birthday_days: [1, 2\n" in message  # the line itself, quoted
    assert "^" in message.split("birthday_days: [1, 2\n", 1)[1].splitlines()[0]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_settings(tmp_path / "nowhere.yaml", env={})


@pytest.mark.parametrize(("nudges", "where"), [
    ("followup_days: {普通: 0}", "nudges.followup_days.普通"),  # would divide by zero
    ("review_months: {成交: 0}", "nudges.review_months"),
    ("review_months: {成交: 5}", "nudges.review_months"),  # not a whole division of a year
    ("followup_days: {VIP: 30}", "nudges.followup_days"),  # no such tier
    ("birthday_lead_days: {精选: -7}", "nudges.birthday_lead_days.精选"),
    ("festivals_solar: {元旦: [13, 1]}", "nudges.festivals_solar"),
])
def test_a_nudge_setting_that_would_stop_the_sweep_is_refused_at_start(
    tmp_path: Path, nudges: str, where: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"nudges:\n  {nudges}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert f"  {where}: " in str(caught.value)


def test_a_zero_premium_threshold_for_select_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("tiers:\n  select_premium: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tiers\.select_premium"):
        load_settings(config, env={})


def test_a_mistyped_time_zone_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("timezone: Asia/Shanghia\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"timezone: .*没有「Asia/Shanghia」这个时区"):
        load_settings(config, env={})
