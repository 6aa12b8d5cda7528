"""/salon 每周二四六 …: set up, list and stop recurring salons (每周二四六小沙)."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.context import Context
from handlers.salon_text import NewSalon, salon_filters, salon_title
from handlers.series import make_upcoming
from handlers.series_text import (
    ROTATION_DAYS,
    next_meeting,
    series_title,
    stop_hint,
)
from handlers.types import Option, Reply
from handlers.when import has_passed, local_now, show_day
from storage.models import Salon


def create(ctx: Context, parsed: NewSalon) -> list[Reply]:
    """Set up the series; the occurrences due within the lead time are made at once."""
    repo = ctx.uow.series(ctx.agent.id)
    series = repo.add(parsed.weekdays, parsed.time, parsed.topic, parsed.tags, parsed.tiers,
                      _first_day(ctx, parsed.time), ctx.now)
    lead = ctx.config.salon_invite_days_before
    make_upcoming(repo, ctx.today, lead, ctx.now, ctx.zone)
    ctx.audit("salon_series_create", detail=f"系列{series.id} {series.weekdays} {series.topic}")
    first_day = next_meeting(series.weekdays, series.starts_on)
    made = repo.occurrences(series, ctx.today)
    title = series_title(series.id, series.weekdays, series.time, series.topic)
    lines = [f"✅ 已设置每周沙龙{title}", salon_filters(series.tags, series.tiers)]
    options: tuple[Option, ...] = ()
    if made:
        first = made[0]
        invited = len(ctx.uow.events(ctx.agent.id).invites(first))
        lines.append(f"第一场：{_when(first, ctx.today)}（沙龙 #{first.id}），"
                     f"已推荐 {invited} 位邀请对象。")
        options = (Option("查看第一场", f"/salon #{first.id}"),)
    else:
        lines.append(f"第一场：{show_day(first_day, ctx.today)}"
                     f"{' ' + series.time if series.time else ''}。")
    lines += [f"每场沙龙前 {lead} 天，我会按分层和兴趣推荐邀请对象，列在那天早上的提醒里；"
              f"近 {ROTATION_DAYS} 天已推荐过的客户排在后面，避免总是同一批人。",
              f"停止这个系列：{stop_hint(series.id)}（已生成的沙龙会保留）"]
    return [Reply("\n".join(lines), options)]


def stop(ctx: Context, series_id: int) -> list[Reply]:
    repo = ctx.uow.series(ctx.agent.id)
    series = repo.get(series_id)
    if series is None:
        return [Reply(f"没有找到沙龙系列 {series_id}。发送 /salon 查看进行中的系列。")]
    title = series_title(series.id, series.weekdays, series.time, series.topic)
    if series.stopped_at is not None:
        return [Reply(f"沙龙{title} 已经停止了。")]
    repo.stop(series, ctx.now)
    ctx.audit("salon_series_stop", detail=f"系列{series.id}")
    lines = [f"✅ 已停止沙龙{title}，不会再生成新的沙龙。"]
    kept = repo.occurrences(series, ctx.today)
    if kept:
        listed = "、".join(f"#{salon.id} {_when(salon, ctx.today)}" for salon in kept)
        lines.append(f"已经生成的沙龙保留：{listed}。如果不举行，请告知已邀请的客户。")
    return [Reply("\n".join(lines))]


def running(ctx: Context) -> Reply | None:
    """The agent's running series, each with how to stop it (None when there are none)."""
    series = ctx.uow.series(ctx.agent.id).active()
    if not series:
        return None
    lines = ["进行中的每周沙龙："]
    lines += [f"· {series_title(s.id, s.weekdays, s.time, s.topic)}"
              f"（{salon_filters(s.tags, s.tiers)}） — 停止：{stop_hint(s.id)}" for s in series]
    return Reply("\n".join(lines))


def make_due(ctx: Context) -> None:
    """Occurrences the sweep would have made by now (the list shows them at once)."""
    make_upcoming(ctx.uow.series(ctx.agent.id), ctx.today, ctx.config.salon_invite_days_before,
                  ctx.now, ctx.zone)


def _first_day(ctx: Context, time: str) -> date:
    """Today, unless the salon's time has passed already today (then tomorrow)."""
    if has_passed(ctx.today, time, local_now(ctx.now, ctx.zone)):
        return ctx.today + timedelta(days=1)
    return ctx.today


def _when(salon: Salon, today: date) -> str:
    return salon_title(salon.day, salon.time, "", today).strip()

