"""Correcting the archive: /policy NAME STATUS (有效 / 失效 / 退保 / 满期) changes a policy's
status; the item references (``p<id>`` a policy, ``m<id>`` a family member) it shares with
/delete (handlers/commands/deletion.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from handlers.card import policy_line
from handlers.context import Context
from handlers.promotion import note_if_rules_give_less, promote_if_due
from handlers.resolve import ask_pick, one_client
from handlers.types import Option, Reply
from storage.models import Client, Policy

POLICY_STATUSES = ("有效", "失效", "退保", "满期")
# What agents also say for them.
STATUS_SYNONYMS = {"生效": "有效", "恢复": "有效", "复效": "有效", "过期": "失效", "停效": "失效",
                   "中止": "失效", "解约": "退保", "退了": "退保", "到期": "满期"}
IN_FORCE = "有效"
REVIEW = ("review",)


def is_status_change(args: str) -> bool:
    """Whether ``/policy`` arguments end in a status word (then it is not a new policy)."""
    parts = args.split()
    if len(parts) >= 3 and _is_policy_ref(parts[-1]):
        parts.pop()
    return len(parts) >= 2 and (parts[-1] in POLICY_STATUSES or parts[-1] in STATUS_SYNONYMS)


def policy_status(ctx: Context, args: str) -> list[Reply]:
    """/policy NAME STATUS [p<id>]: set a policy's status; asks which when there are several."""
    parts = args.split()
    item = parts.pop() if _is_policy_ref(parts[-1]) else None
    status = parts.pop()
    status = STATUS_SYNONYMS.get(status, status)
    name = " ".join(parts)
    found = one_client(ctx, name, lambda ref: f"/policy {ref} {status}")
    if isinstance(found, Reply):
        return [found]
    client = found
    if not client.policies:
        return [Reply(f"「{client.name}」还没有保单记录。录入保单请发送：/policy {client.name}")]
    if item is None and len(client.policies) > 1:
        return [ask_pick(ctx, f"「{client.name}」有 {len(client.policies)} 份保单，改哪一份？",
                         [Option(policy_line(p), f"p{p.id}") for p in client.policies],
                         lambda value: f"/policy #{client.id} {status} {value}")]
    policy = policy_of(client, item) if item else client.policies[0]
    if policy is None:
        return [Reply("没有找到这份保单，请重新发送 /policy 姓名 状态。")]
    if policy.status == status:
        return [Reply(f"这份保单已经是「{status}」。")]
    previous = policy.status
    what = f"{policy.product_type or '保单'}：{previous}→{status}"
    ctx.clients.add_timeline(client, "policy", f"保单状态 {what}", ctx.now)
    ctx.audit("policy_status", client, what)
    follow = set_status(ctx, client, policy, status)
    return [Reply(f"✅ 「{client.name}」的{policy.product_type or '保单'}已改为「{status}」。"
                  + follow)]


def set_status(ctx: Context, client: Client, policy: Policy, status: str) -> str:
    """Change a policy's status with what follows from it: its renewal reminders held back
    or let out again, the reviews counted from another policy if need be, the tier checked.
    Returns the sentence that tells the agent."""
    anchor = review_anchor(client)
    policy.status, policy.changed_at = status, ctx.now
    nudges, subject = ctx.uow.nudges(ctx.agent.id), f"p:{policy.id}"
    if status == IN_FORCE:
        nudges.resume_subject(subject, ctx.today)
        drop_reviews_if_moved(ctx, client, anchor)
        promote_if_due(ctx, client)
        return "续期提醒照常。"
    with reminders_changing(ctx):
        nudges.pause_subject(subject)
        drop_reviews_if_moved(ctx, client, anchor)
    note_if_rules_give_less(ctx, client)
    return "不再提醒这份保单的续期（改回「有效」后恢复）。"


def review_anchor(client: Client) -> tuple[date, int] | None:
    """The policy a client's reviews count from (scheduler.rules.reviews): the earliest own
    policy in force, as (start date, id)."""
    return min(((policy.start_date, policy.id) for policy in client.policies
                if policy.is_own and policy.status == IN_FORCE and policy.start_date),
               default=None)


def drop_reviews_if_moved(ctx: Context, client: Client, anchor: tuple[date, int] | None) -> None:
    """The client's review reminders not yet dealt with go when the policy they count from
    is no longer ``anchor`` (deleted, not in force, moved); the sweep makes them again from
    the one they count from now, if any."""
    if review_anchor(client) != anchor:
        ctx.uow.nudges(ctx.agent.id).drop_pending(f"c:{client.id}", kinds=REVIEW)


def item_id(item: str, kind: str) -> int | None:
    """The id in an item reference such as "p12" (policy) or "m3" (family member)."""
    digits = item[1:]
    return int(digits) if item[:1] == kind and digits.isdecimal() and digits.isascii() else None


def _is_policy_ref(item: str) -> bool:
    return item_id(item, "p") is not None


def policy_of(client: Client, item: str) -> Policy | None:
    policy_id = item_id(item, "p")
    return next((p for p in client.policies if p.id == policy_id), None)


@contextmanager
def reminders_changing(ctx: Context, queued: Sequence[str] = ()) -> Iterator[None]:
    """Around a change of the agent's reminders (a deletion, a pause). No digest of theirs is
    built meanwhile (PostgreSQL: the lock is taken before anything changes); afterwards a
    push still waiting must not name what changed: their digest not yet sent (and the pushes
    keyed ``queued``) is withdrawn, and built again at the next push tick (every five
    minutes) from the reminders that are left."""
    ctx.uow.outbox.hold_digests(ctx.agent.id)
    yield
    withdrawn = ctx.uow.outbox.withdraw_queued(ctx.agent.id, queued)
    ctx.uow.nudges(ctx.agent.id).unmark_shown(withdrawn)
