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
