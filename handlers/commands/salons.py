"""/salon 沙龙: list, create (with proposed invitees; weekly ones in salon_series), show, and
mark invitations."""

from __future__ import annotations

import re

from handlers.commands import salon_series
from handlers.context import Context
from handlers.invitees import propose_invitees
from handlers.resolve import ask_which, find_clients
from handlers.salon_text import (
    STATUS_LABELS,
    USAGE,
    VERBS,
    NewSalon,
    already_over,
    parse_new_salon,
    salon_filters,
    salon_title,
    status_counts,
)
from handlers.series_text import parse_stop, stop_hint
from handlers.types import Option, Reply
from handlers.when import has_passed, local_now
from storage.events import EventRepository
from storage.models import Client, Salon

SALON_REF = re.compile(r"[#＃](\d{1,9})")


def salon(ctx: Context, args: str) -> list[Reply]:
    events = ctx.uow.events(ctx.agent.id)
    words = args.split()
    if not words:
        return _upcoming(ctx, events)
    ref = SALON_REF.fullmatch(words[0])
    if ref is None:
        series_id = parse_stop(words)
        if series_id is None:
            return _create(ctx, events, args)
        if isinstance(series_id, str):
            return [Reply(series_id)]
        return salon_series.stop(ctx, series_id)
    found = events.get_salon(int(ref[1]))
    if found is None:
        return [Reply(f"没有找到沙龙 {words[0]}。发送 /salon 查看即将举行的沙龙。")]
    if len(words) == 1:
        return _show(ctx, events, found)
    return _mark(ctx, events, found, words[1], words[2:])


def _upcoming(ctx: Context, events: EventRepository) -> list[Reply]:
    today = ctx.today
    salon_series.make_due(ctx)
    now = local_now(ctx.now, ctx.zone)  # today's salons whose time has come are not upcoming
    salons = [s for s in events.upcoming_salons(today) if not has_passed(s.day, s.time, now)]
    series = salon_series.running(ctx)
    if not salons:
        if series is None:
            return [Reply(f"暂时没有即将举行的沙龙。\n\n{USAGE}")]
        return [Reply("暂时没有即将举行的沙龙。"), series]
    options = tuple(
        Option(f"#{s.id} {salon_title(s.day, s.time, s.topic, today)}", f"/salon #{s.id}")
        for s in salons
    )
    listed = Reply("即将举行的沙龙，选一个查看受邀名单：", options)
    return [listed] if series is None else [listed, series]


def _create(ctx: Context, events: EventRepository, args: str) -> list[Reply]:
    today = ctx.today
    parsed = parse_new_salon(args, today)
    if isinstance(parsed, NewSalon) and parsed.weekdays:
        return salon_series.create(ctx, parsed)
    if not isinstance(parsed, NewSalon) or parsed.day is None:
        return [Reply(str(parsed))]
    over = already_over(parsed.day, parsed.time, local_now(ctx.now, ctx.zone))
    if over is not None:
        return [Reply(over)]
    new = events.add_salon(parsed.day, parsed.time, parsed.topic, parsed.tags, parsed.tiers,
                           ctx.now)
    proposals = propose_invitees(new.tags, new.tiers, events.candidates(new.tiers))
    for proposal in proposals:
        events.set_invite(new, proposal.client, "proposed", ctx.now)
    ctx.audit("salon_create", detail=f"#{new.id} {new.day} {new.topic} 推荐{len(proposals)}位")
    lines = [f"✅ 已创建沙龙 #{new.id}：{salon_title(new.day, new.time, new.topic, today)}",
             salon_filters(new.tags, new.tiers)]
    if proposals:
        lines.append(f"建议邀请（{len(proposals)} 位）：")
        for index, proposal in enumerate(proposals, start=1):
            reason = f" — 匹配：{'、'.join(proposal.matched)}" if proposal.matched else ""
            lines.append(f"{index}. {proposal.client.name}【{proposal.client.tier}】{reason}")
        lines.append(f"邀请后请发送：/salon #{new.id} 邀请 姓名（可写多位）")
    else:
        lines.append("目标分层里暂时没有客户。可以发送 /salon "
                     f"#{new.id} 邀请 姓名 手动添加。")
    return [Reply("\n".join(lines), (Option("查看受邀名单", f"/salon #{new.id}"),))]


def _show(ctx: Context, events: EventRepository, found: Salon) -> list[Reply]:
    pairs = events.invitees(found)
    ctx.audit("salon_view", detail=f"#{found.id}")
    title = salon_title(found.day, found.time, found.topic, ctx.today)
    lines = [f"🎙 沙龙 #{found.id}：{title}",
             salon_filters(found.tags, found.tiers)]
    if found.series_id is not None:
        lines.append(f"（每周沙龙系列 {found.series_id} 的一场；停止这个系列："
                     f"{stop_hint(found.series_id)}）")
    if pairs:
        lines.append(f"受邀名单（{len(pairs)} 位）：")
        lines += [f"· {client.name}【{client.tier}】{STATUS_LABELS.get(invite.status, '')}"
                  for invite, client in pairs]
        lines.append(status_counts([invite.status for invite, _ in pairs]))
    else:
        lines.append("受邀名单还是空的。")
    lines.append(f"更新：/salon #{found.id} 邀请 张三 李四（也可以：接受 / 拒绝 / 参加）")
    return [Reply("\n".join(lines))]


def _mark(ctx: Context, events: EventRepository, found: Salon, verb: str,
          names: list[str]) -> list[Reply]:
    status = VERBS.get(verb)
    if status is None or not names:
        return [Reply(f"请写上要做的更新和客户姓名，如：/salon #{found.id} 邀请 张三 李四"
                      "（也可以：接受 / 拒绝 / 参加）")]
    chosen: list[Client] = []
    missing: list[str] = []
    for index, name in enumerate(names):
        candidates = find_clients(ctx, name)
        if len(candidates) > 1:
            before = [f"#{c.id}" for c in chosen] + missing
            after = names[index + 1:]

            def rebuild(ref: str, before: list[str] = before, after: list[str] = after) -> str:
                return f"/salon #{found.id} {verb} {' '.join([*before, ref, *after])}"

            return [ask_which(ctx, name, candidates, rebuild)]
        if candidates:
            chosen.append(candidates[0])
        else:
            missing.append(name)
    return [Reply(_apply(ctx, events, found, status, chosen, missing))]


def _apply(ctx: Context, events: EventRepository, found: Salon, status: str,
           chosen: list[Client], missing: list[str]) -> str:
    previous = {invite.client_id: invite.status for invite in events.invites(found)}
    done: list[str] = []
    for client in {client.id: client for client in chosen}.values():
        events.set_invite(found, client, status, ctx.now)
        if status == "attended" and previous.get(client.id) != "attended":
            ctx.touch(client)
            ctx.clients.add_timeline(client, "salon", f"参加沙龙：{found.topic}", ctx.now)
        ctx.audit("salon_invite", client, f"#{found.id} {previous.get(client.id)} -> {status}")
        done.append(client.name)
    lines = []
    if done:
        lines.append(f"✅ 沙龙 #{found.id}「{found.topic}」：{'、'.join(done)} → "
                     f"{STATUS_LABELS[status]}。")
    if missing:
        lines.append(f"没有找到客户：{'、'.join(missing)}。可以用 /find 查找，"
                     "或用 /record 姓名 新建档案。")
    return "\n".join(lines)
