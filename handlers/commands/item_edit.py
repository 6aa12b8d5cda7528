"""Correcting a recorded policy or family member: ``/policy 张三 修改 [p12] [保费 受益人]`` and
``/family 张三 修改 [m3] [生日]``.

The policy (family) form is asked again, all its fields or just the named ones, with the
item's values already filled in: the agent types the new value, or 跳过 to keep one. On save
only what the agent changed in the form is written (a change made elsewhere meanwhile stays),
the timeline and the agent are told "old → new", and what hangs on the changed values
follows: a status goes through ``edits.set_status``; pending reminders computed from a
changed day (renewals, birthdays) go, and the sweep makes those of the new day; those that
name a changed premium, type, payment years or family member are written again; a changed
premium or ownership re-checks the tier.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from handlers import fields, flow
from handlers.apply import set_birthday
from handlers.card import birthday_value, member_line, policy_line
from handlers.commands.edits import (
    drop_reviews_if_moved,
    item_id,
    reminders_changing,
    review_anchor,
    set_status,
)
from handlers.context import Context
from handlers.fields.children import CHILD_RELATIONS
from handlers.flow import FORM_NAMES
from handlers.promotion import note_if_rules_give_less, promote_if_due
from handlers.reminder_texts import person, renewal_day, renewal_text
from handlers.resolve import ask_pick, one_client
from handlers.template import FieldSpec
from handlers.types import Option, Reply
from storage.models import Client, FamilyMember, Policy

EDIT_WORDS = frozenset({"修改", "更正", "修正", "编辑", "改"})
ITEM_KIND = {"policy": "p", "family": "m"}

# The reminders computed from a date that was wrong go; the sweep makes those of the new date
# on their days (today's and tomorrow's within half an hour).
RENEWALS_REDONE = "这份保单还没处理的续期提醒已删除，今后按新日期提醒。"
BIRTHDAYS_REDONE = "按旧生日排的提醒已删除，今后按新生日提醒。"
DATES_REDONE = "按旧纪念日排的提醒已删除，今后按新日期提醒。"
BIRTHDAY_KINDS = ("birthday", "birthday_ahead")
LIFE_STAGE = ("life_stage",)
LIFE_STAGE_REDONE = "按原来的年龄或关系排的成长提醒已删除，今后按新资料提醒。"
# Reminders that name what was corrected are written again; the agent is told.
RENEWALS_REWRITTEN = "这份保单还没处理的续期提醒已按新内容更新。"
NAMING_REWRITTEN = "提到这位家人的提醒已按新称呼更新。"
RENEWAL_INPUTS = frozenset({"annual_premium", "product_type", "payment_years"})
MEMBER_KINDS = ("birthday", "birthday_ahead", "life_stage")  # the ones naming a family member

Item = Policy | FamilyMember


def is_edit(args: str) -> bool:
    """Whether ``/policy`` or ``/family`` arguments ask to correct a recorded item."""
    return any(word in EDIT_WORDS for word in args.split()[1:])


def plan(ctx: Context, form: str, args: str) -> list[Reply] | flow.FormDraft:
    """The draft that corrects the item ``args`` names, or the reply to send instead
    (which client? which policy? an unknown field)."""
    parts = args.split()
    cut = next(i for i, word in enumerate(parts) if i and word in EDIT_WORDS)
    name, rest = " ".join(parts[:cut]), parts[cut + 1:]
    ref = rest.pop(0) if rest and item_id(rest[0], ITEM_KIND[form]) is not None else None
    words = " ".join(rest)
    found = one_client(ctx, name, lambda client_ref: _command(form, client_ref, ref, words))
    if isinstance(found, Reply):
        return [found]
    client = found
    specs = [spec for _, spec in ctx.config.templates.form_fields(form, client.tier)]
    keys = [ctx.config.templates.key_named(form, client.tier, word) for word in rest]
    # The other words name the item: a family member's name or relation, a policy's type or
    # insurer (/family 孙明 修改 孙小雨 生日).
    naming = [word for word, key in zip(rest, keys, strict=True) if key is None]
    fields_only = " ".join(word for word, key in zip(rest, keys, strict=True) if key is not None)
    items = _items(client, form)
    if not items:
        return [Reply(f"「{client.name}」还没有{FORM_NAMES[form]}记录。"
                      f"录入请发送：/{form} {client.name}")]
    if ref is not None:
        items = [item for item in items if item.id == item_id(ref, ITEM_KIND[form])]
        if not items:
            return [Reply(f"没有找到这一项（可能已删除），请重新发送 /{form} {client.name} 修改。")]
    named = [item for item in items if all(_names(item, word) for word in naming)]
    if not named:
        labels = "、".join(spec.label for spec in specs)
        example = "孙小雨 生日" if form == "family" else "重疾 保费"
        return [Reply(f"没有看懂要改哪一项。{FORM_NAMES[form]}的项目有：{labels}。\n"
                      f"如：/{form} {client.name} 修改 {specs[-1].label}"
                      f"（也可以写明改哪一项{FORM_NAMES[form]}，如：{example}）")]
    if len(named) > 1:
        return [ask_pick(ctx, f"「{client.name}」有 {len(named)} 项{FORM_NAMES[form]}，改哪一项？",
                         [Option(_line(item, ctx), f"{ITEM_KIND[form]}{item.id}")
                          for item in named],
                         lambda value: _command(form, f"#{client.id}", value, fields_only))]
    item = named[0]
    wanted = [key for key in keys if key is not None]
    values = {spec.key: value for spec in specs
              if (value := current_value(item, spec)) is not None}
    draft = flow.FormDraft(form=form, client_name=client.name, client_id=client.id,
                           tier=client.tier, queue=[spec.key for spec in specs],
                           answers=values, item_id=item.id, original=values)
    if not wanted:
        return draft
    queue = [key for key in draft.queue
             if key in wanted and flow.applies(draft, key, ctx.config.templates)]
    if not queue:  # e.g. 保险公司 of one of our own policies
        asked = "、".join(spec.label for spec in specs if spec.key in wanted)
        return [Reply(f"这项{FORM_NAMES[form]}没有「{asked}」可改（比如本公司保单不填保险公司）。"
                      f"要修改全部项目，请发送：/{form} {client.name} 修改")]
    return replace(draft, queue=queue)


def opening(ctx: Context, draft: flow.FormDraft) -> Reply:
    """What the agent reads before the first question of a correction."""
    what = FORM_NAMES[draft.form]
    return Reply(f"修改「{draft.client_name}」的{what}，共 {len(draft.queue)} 项。"
                 "每项显示现在的内容：输入新内容修改，回复 跳过 保持不变，改完可随时回复 保存。")


def save(ctx: Context, draft: flow.FormDraft, client: Client) -> list[Reply]:
    """Write the corrections in ``draft`` to its item, and what follows from them."""
    assert draft.item_id is not None
    item = _by_id(_items(client, draft.form), draft.item_id)
    if item is None:
        return [Reply(f"这项{FORM_NAMES[draft.form]}已不存在（可能已删除），本次修改未保存。")]
    specs = {spec.key: spec for _, spec in ctx.config.templates.form_fields(draft.form,
                                                                             draft.tier)}
    # Only what the agent changed in this form: a value changed elsewhere meanwhile (a
    # status set by /policy 张三 退保 while this form was open) is not written back.
    changed = [(specs[key], value) for key, value in draft.answers.items()
               if key in specs and flow.applies(draft, key, ctx.config.templates)
               and value != draft.original.get(key)]
    if not changed:
        return [Reply(f"没有改动，「{client.name}」的{FORM_NAMES[draft.form]}保持原样。")]
    lines = [f"{spec.label}：{_shown(spec, current_value(item, spec))} → {_shown(spec, value)}"
             for spec, value in changed]
    attrs = {spec.target.split(".", 1)[1]: value for spec, value in changed}
    follow = (_save_policy(ctx, client, item, attrs) if isinstance(item, Policy)
              else _save_member(ctx, client, item, attrs))
    what = FORM_NAMES[draft.form]
    ctx.clients.add_timeline(client, draft.form, f"修改{what}：" + "；".join(lines), ctx.now)
    ctx.audit(f"edit_{draft.form}", client, "、".join(spec.label for spec, _ in changed))
    return [Reply(f"✅ 已修改「{client.name}」的{what}：\n" + "\n".join(lines)
                  + (f"\n{follow}" if follow else ""))]


def current_value(item: Item, spec: FieldSpec) -> Any:
    """The item's value of a policy/family field, shaped as the field's parser gives it."""
    attr = spec.target.split(".", 1)[1]
    if attr == "birthday" and isinstance(item, FamilyMember):
        return birthday_value(item)
    value = getattr(item, attr)
    if isinstance(value, date):  # as the date parser gives it
        return {"calendar": "solar", "year": value.year, "month": value.month, "day": value.day,
                "leap": False}
    return value


def _save_policy(ctx: Context, client: Client, policy: Policy, attrs: dict[str, Any]) -> str:
    status = attrs.pop("status", None)
    start = attrs.pop("start_date", None)
    anchor = review_anchor(client)
    policy.changed_at = ctx.now
    # Renewals fall on the start date's month and day, for own policies only.
    moved = (start is not None and (start["month"], start["day"]) != (
        policy.start_month, policy.start_day)) or "is_own" in attrs
    if start is not None:
        policy.start_date = date(start["year"], start["month"], start["day"])
        policy.start_month, policy.start_day = start["month"], start["day"]
    for attr, value in attrs.items():
        setattr(policy, attr, value)
    notes = []
    if moved or review_anchor(client) != anchor:
        with reminders_changing(ctx):
            if moved:
                ctx.uow.nudges(ctx.agent.id).drop_pending(f"p:{policy.id}")
            drop_reviews_if_moved(ctx, client, anchor)
    if moved:
        notes.append(RENEWALS_REDONE)
    elif (start is not None or RENEWAL_INPUTS & attrs.keys()) \
            and _rewrite_renewals(ctx, client, policy):
        notes.append(RENEWALS_REWRITTEN)
    if status is not None:
        notes.append(set_status(ctx, client, policy, status))
    elif {"annual_premium", "is_own"} & attrs.keys():
        promote_if_due(ctx, client)
        note_if_rules_give_less(ctx, client)
    return "".join(notes)


def client_dates(client: Client) -> tuple[tuple[Any, ...], frozenset[int | None]]:
    """What a client's own reminders are computed from: the birthday (and age: the
    life-stage ones), and which dates (anniversaries) there are."""
    birthday = (client.birth_calendar, client.birth_year, client.birth_month, client.birth_day,
                bool(client.birth_leap), client.age)
    return birthday, frozenset(entry.id for entry in client.dates)


def redo_date_reminders(ctx: Context, client: Client,
                        before: tuple[tuple[Any, ...], frozenset[int | None]]) -> str:
    """After a client's answers were saved: the reminders not yet dealt with that were made
    from a birthday since changed, and every reminder of an anniversary since replaced, go
    (the sweep makes them again from the new dates). The sentence that tells the agent."""
    birthday, dates = before
    new_birthday, new_dates = client_dates(client)
    replaced = [date_id for date_id in dates - new_dates if date_id is not None]
    _, year, month, day, _, age = birthday
    known = any(value is not None for value in (year, month, day, age))
    moved = known and birthday != new_birthday
    if not moved and not replaced:
        return ""
    nudges = ctx.uow.nudges(ctx.agent.id)
    with reminders_changing(ctx):
        if moved:
            nudges.drop_pending(f"c:{client.id}", kinds=BIRTHDAY_KINDS + LIFE_STAGE)
        for date_id in replaced:
            nudges.forget_subject(f"d:{date_id}")
    return BIRTHDAYS_REDONE if moved else DATES_REDONE


def _rewrite_renewals(ctx: Context, client: Client, policy: Policy) -> bool:
    """The pending renewal reminders of ``policy`` say its new type, premium and period (and
    go when no premium falls due on their day any more); whether there were any."""
    nudges = ctx.uow.nudges(ctx.agent.id)
    pending = nudges.pending(f"p:{policy.id}", ("renewal",))
    if not pending or policy.start_date is None:
        return False
    with reminders_changing(ctx):
        for nudge in pending:
            target = renewal_day(nudge.occurrence)
            text = renewal_text(client.name, policy.product_type, policy.annual_premium,
                                policy.payment_years, policy.start_date.year, target,
                                (target - nudge.due_date).days)  # as made: late, or on time
            if text is None:
                nudges.remove(nudge)
            else:
                nudge.text = text
    return True


def _save_member(ctx: Context, client: Client, member: FamilyMember,
                 attrs: dict[str, Any]) -> str:
    named_as = person(client.name, member.relation, member.name)
    life_stage_before = (member.birth_year, member.relation in CHILD_RELATIONS)
    birthday = attrs.pop("birthday", None)
    moved = False
    if birthday is not None:
        moved = (birthday["calendar"], birthday["month"], birthday["day"],
                 bool(birthday.get("leap"))) != (member.birth_calendar, member.birth_month,
                                                  member.birth_day, bool(member.birth_leap))
        set_birthday(member, birthday)  # "5月3日" keeps the year an age gave
    for attr, value in attrs.items():
        setattr(member, attr, value)
    notes = []
    # A school-age reminder rests on the birth year and on being a child of the client.
    restaged = life_stage_before != (member.birth_year, member.relation in CHILD_RELATIONS)
    nudges, subject = ctx.uow.nudges(ctx.agent.id), f"m:{member.id}"
    if moved:
        with reminders_changing(ctx):
            nudges.drop_pending(subject, kinds=BIRTHDAY_KINDS + LIFE_STAGE)
        notes.append(BIRTHDAYS_REDONE)
    elif restaged and nudges.pending(subject, LIFE_STAGE):
        with reminders_changing(ctx):
            nudges.drop_pending(subject, kinds=LIFE_STAGE)
        notes.append(LIFE_STAGE_REDONE)
    renamed = person(client.name, member.relation, member.name)
    if renamed != named_as and _rename_in_reminders(ctx, member, named_as, renamed):
        notes.append(NAMING_REWRITTEN)
    return "".join(notes)


def _rename_in_reminders(ctx: Context, member: FamilyMember, old: str, new: str) -> bool:
    """The pending reminders naming ``member`` as ``old`` name it as ``new``; whether there
    were any."""
    nudges = ctx.uow.nudges(ctx.agent.id)
    pending = [nudge for nudge in nudges.pending(f"m:{member.id}", MEMBER_KINDS)
               if old in nudge.text]
    if not pending:
        return False
    with reminders_changing(ctx):
        for nudge in pending:
            nudge.text = nudge.text.replace(old, new, 1)
    return True


def _names(item: Item, word: str) -> bool:
    """Whether ``word`` names ``item``: a member's name or relation, a policy's type or
    insurer."""
    if isinstance(item, Policy):
        return word in (item.product_type, item.insurer)
    return word in (item.name, item.relation)


def _items(client: Client, form: str) -> list[Item]:
    return list(client.policies) if form == "policy" else list(client.family)


def _by_id(items: list[Item], wanted: int | None) -> Item | None:
    return next((item for item in items if item.id == wanted), None)


def _line(item: Item, ctx: Context) -> str:
    return policy_line(item) if isinstance(item, Policy) else member_line(item, ctx.now, ctx.zone)


def _command(form: str, client_ref: str, item_ref: str | None, words: str) -> str:
    return " ".join(part for part in (f"/{form} {client_ref} 修改", item_ref, words) if part)


def _shown(spec: FieldSpec, value: Any) -> str:
    return "（空）" if value is None else fields.display(spec.type, value)
