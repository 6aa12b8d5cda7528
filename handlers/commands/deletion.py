"""/delete 删除 NAME removes a policy, a family member or the whole client, always after a
question and a confirmation.

The choices travel as options whose commands name the client by ``#id`` and the item as
``p<id>`` (policy), ``m<id>`` (family member) or ``all``; everything is looked up again through
the agent's own repository, so a typed command cannot reach another agent's data. A deletion
runs only as the answer to its own confirmation question: the 确认删除 option carries a
one-time value, so neither a typed command nor an old button can confirm another question.
"""

from __future__ import annotations

import secrets

from handlers.card import member_line, policy_line
from handlers.commands.edits import (
    drop_reviews_if_moved,
    item_id,
    policy_of,
    reminders_changing,
    review_anchor,
)
from handlers.context import Context
from handlers.promotion import note_if_rules_give_less
from handlers.resolve import ask_pick, one_client
from handlers.types import Option, Reply
from storage.models import Client, FamilyMember, Policy
from storage.outbox import record_push_key

WHOLE_CLIENT = "all"
CONFIRM = "确认删除"
KEEP, KEEP_VALUE = "不删了", "不删"


def delete(ctx: Context, args: str) -> list[Reply]:
    """/delete NAME → which item? → confirm → delete."""
    parts = args.split()
    if not parts:
        return [Reply("请写上客户姓名，如：/delete 张三"
                      "（可删除其保单、家人或整个档案，删除前会确认）")]
    if parts[0].startswith("#") and len(parts) in (2, 3):
        ref, item, decision = parts[0], parts[1], parts[2] if len(parts) == 3 else None
    else:
        ref, item, decision = " ".join(parts), None, None
    found = one_client(ctx, ref, lambda found_ref: f"/delete {found_ref}")
    if isinstance(found, Reply):
        return [found]
    client = found
    if item is None:
        return [_ask_item(ctx, client)]
    target = _target(client, item)
    if target is None:
        return [Reply("没有找到要删除的这一项，请重新发送 /delete 姓名。")]
    what = _describe(client, target, ctx)
    if decision is None:
        return [_ask_to_confirm(ctx, client, item, what)]
    picked = ctx.picked or {}
    if decision == KEEP_VALUE:
        return [Reply("好的，没有删除任何内容。")]
    if decision != picked.get("confirms") or f"#{client.id} {item}" != picked.get("item"):
        return [Reply(f"删除前需要确认：请发送 /delete {client.name}，再按提示回复「{CONFIRM}」。")]
    return [_remove(ctx, client, target, what)]


def _ask_to_confirm(ctx: Context, client: Client, item: str, what: str) -> Reply:
    confirms = f"确认{secrets.token_hex(4)}"
    return ask_pick(ctx, f"确定删除{what}吗？删除后无法恢复。",
                    [Option(KEEP, KEEP_VALUE), Option(CONFIRM, confirms)],
                    lambda value: f"/delete #{client.id} {item} {value}",
                    confirms=confirms, item=f"#{client.id} {item}")


def _ask_item(ctx: Context, client: Client) -> Reply:
    options = [Option(f"保单：{policy_line(p)}", f"p{p.id}") for p in client.policies]
    options += [Option(f"家人：{member_line(m, ctx.now, ctx.zone)}", f"m{m.id}")
                for m in client.family]
    options.append(Option("整个客户档案", WHOLE_CLIENT))
    return ask_pick(ctx, f"要删除「{client.name}」的哪一项？", options,
                    lambda value: f"/delete #{client.id} {value}")


Target = Policy | FamilyMember | Client


def _target(client: Client, item: str) -> Target | None:
    if item == WHOLE_CLIENT:
        return client
    member_id = item_id(item, "m")
    return policy_of(client, item) or next((m for m in client.family if m.id == member_id), None)


def _describe(client: Client, target: Target, ctx: Context) -> str:
    if isinstance(target, Policy):
        return f"「{client.name}」的保单（{policy_line(target)}）"
    if isinstance(target, FamilyMember):
        return f"「{client.name}」的家人（{member_line(target, ctx.now, ctx.zone)}）"
    return f"客户「{client.name}」的全部档案（含保单、家人、笔记和提醒）"


def _remove(ctx: Context, client: Client, target: Target, what: str) -> Reply:
    queued: list[str] = []
    if isinstance(target, Client):  # the record-it-now pushes about them
        meetings = ctx.uow.events(ctx.agent.id).meetings(client)
        queued = [record_push_key(meeting.id) for meeting in meetings]
    with reminders_changing(ctx, queued):
        _delete(ctx, client, target)
    return Reply(f"🗑 已删除{what}。")


def _delete(ctx: Context, client: Client, target: Target) -> None:
    nudges = ctx.uow.nudges(ctx.agent.id)
    if isinstance(target, Policy):
        nudges.forget_subject(f"p:{target.id}")
        anchor = review_anchor(client)
        ctx.clients.remove_policy(target)
        drop_reviews_if_moved(ctx, client, anchor)
        ctx.clients.add_timeline(client, "policy", f"删除保单：{target.product_type or ''}",
                                 ctx.now)
        ctx.audit("delete_policy", client, f"policy {target.id}")
        note_if_rules_give_less(ctx, client)
    elif isinstance(target, FamilyMember):
        nudges.forget_subject(f"m:{target.id}")
        ctx.clients.remove_family(target)
        ctx.clients.add_timeline(client, "family", f"删除家人：{target.relation or ''}", ctx.now)
        ctx.audit("delete_family", client, f"member {target.id}")
    else:
        referrer = ctx.clients.get(client.referred_by_id) if client.referred_by_id else None
        ctx.audit("delete_client", client, "")
        ctx.uow.audit.forget_details(client.id)
        nudges.strike_from_lists(client)
        ctx.clients.remove(client)
        if referrer is not None:  # their 核心 may have rested on this client
            note_if_rules_give_less(ctx, referrer)
        if ctx.form is not None and ctx.form.get("client_id") == client.id:
            ctx.form = None  # its record can no longer be saved
