"""Reminders: calendar maths, nudge rules, the sweep and the APScheduler wiring."""
