"""Fakes of outside services (Telegram Bot API, WeChat puppet) that run on loopback in tests."""
