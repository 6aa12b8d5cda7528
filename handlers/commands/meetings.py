"""/meet 见面 NAME [time]: log a meeting; the sweep reminds to record it an hour later."""

from __future__ import annotations

from handlers.context import Context
from handlers.resolve import name_and_rest, one_client
from handlers.types import Reply
from handlers.when import local_now, parse_clock, show_clock, to_utc

USAGE = ("用法：/meet 客户姓名 [时间]，时间是今天的几点，不写就是现在。"
         "如：/meet 张三、/meet 张三 15:00、/meet 张三 下午3点")


def meet(ctx: Context, args: str) -> list[Reply]:
    name, rest = name_and_rest(ctx, args)
    rest = rest.strip()
    if not name:
        return [Reply(USAGE)]
    zone = ctx.zone
    local = local_now(ctx.now, zone)
    at, clock = ctx.now, local.time()
    if rest:
        parsed = parse_clock(rest)
        if parsed is None:
            return [Reply(f"没看懂见面时间「{rest[:20]}」。{USAGE}")]
        at, clock = to_utc(local.date(), parsed, zone), parsed
    found = one_client(ctx, name, lambda ref: f"/meet {ref} {rest}".strip())
    if isinstance(found, Reply):
        return [found]
    client = found
    ctx.uow.events(ctx.agent.id).add_meeting(client, at)
    ctx.touch(client)
    ctx.clients.add_timeline(client, "meeting", f"见面（{show_clock(clock)}）", at)
    ctx.audit("meeting", client, f"at {at:%Y-%m-%d %H:%M} UTC")
    return [Reply(f"🤝 已记录：今天 {show_clock(clock)} 与「{client.name}」见面。\n"
                  "趁记忆新鲜，记下这次了解到的情况吧："
                  f"/note {client.name} 内容，或 /record {client.name}。"
                  "如果见面一小时后还没有记录，我会提醒您。")]
