"""Guided forms: /record 记录, /policy 保单, /family 家人 — start, answer, save."""

from __future__ import annotations

from dataclasses import replace

from handlers import flow
from handlers.apply import add_member, add_policy, apply_to_client, new_client
from handlers.commands import edits, item_edit
from handlers.context import Context
from handlers.fields.money import display_money
from handlers.filled import filled_keys
from handlers.flow import FORM_NAMES
from handlers.lookup import sound_alikes
from handlers.promotion import promote_if_due
from handlers.resolve import (
    MAX_NAME,
    NEW_CLIENT,
    ask_which,
    describe,
    find_clients,
    is_id_ref,
    name_problem,
    one_client,
)
from handlers.types import Reply
from storage.models import Client

UPDATE_WORDS = {"更新", "全部", "update", "all"}


def start_record(ctx: Context, args: str) -> list[Reply]:
    """/record NAME [更新]: continue the client's record, asking only what is missing."""
    parts = args.split()
    if not parts:
        return [Reply("请写上客户姓名，如：/record 张三（加「更新」可重新填写全部项目）")]
    everything = len(parts) > 1 and parts[-1] in UPDATE_WORDS
    if everything:
        parts = parts[:-1]
    if parts[0] == NEW_CLIENT:
        return _start_new(ctx, " ".join(parts[1:]))
    name = " ".join(parts)  # "Zhang Wei" and "孙 明" are one name
    if len(name) > MAX_NAME:
        return [Reply(f"姓名太长了（最多 {MAX_NAME} 个字）。备注可以写在档案里。")]
    if (problem := name_problem(name)) is not None:
        return [Reply(problem)]
    suffix = " 更新" if everything else ""
    candidates = find_clients(ctx, name)
    if not candidates and not everything:
        chosen = _chosen_fields(ctx, parts)  # /record 孙明 手机 城市: just these
        if chosen is not None:
            return chosen
    if not candidates and is_id_ref(name):  # a button of a client since deleted
        return [Reply(f"没有找到客户「{name}」（可能已删除）。可以用 /find 查找。")]
    if len(candidates) > 1:

        def rebuild(ref: str) -> str:
            return f"/record {NEW_CLIENT} {name}" if ref == NEW_CLIENT else f"/record {ref}{suffix}"

        return [ask_which(ctx, name, candidates, rebuild, allow_new=True)]
    client = candidates[0] if candidates else None
    display_name = client.name if client else name
    return _begin(ctx, "record", display_name, client, everything)


def _chosen_fields(ctx: Context, parts: list[str]) -> list[Reply] | None:
    """``/record NAME FIELD…``: ask again only the named fields of the client's record (a
    typo in the phone, a new city); None when the words are not a client and its fields."""
    for cut in range(len(parts) - 1, 0, -1):
        keys = [ctx.config.templates.key_named("record", "核心", word)  # every book
                for word in parts[cut:]]
        if None in keys:
            continue
        name, wanted = " ".join(parts[:cut]), " ".join(parts[cut:])
        candidates = find_clients(ctx, name)
        if len(candidates) > 1:
            return [ask_which(ctx, name, candidates,
                              lambda ref, wanted=wanted: f"/record {ref} {wanted}")]
        if candidates:
            return _begin_fields(ctx, candidates[0], [key for key in keys if key is not None])
    return None


def _begin_fields(ctx: Context, client: Client, keys: list[str]) -> list[Reply]:
    if ctx.form is not None:
        return _begin(ctx, "record", client.name, client, everything=False)  # "finish first"
    templates = ctx.config.templates
    order = [spec.key for _, spec in templates.form_fields("record", client.tier)]
    queue = [key for key in order if key in keys]
    if not queue:
        return [Reply(f"「{client.name}」所在的【{client.tier}本】没有这一项。")]
    draft = flow.FormDraft(form="record", client_name=client.name, client_id=client.id,
                           tier=client.tier, queue=queue)
    ctx.form = draft.to_json()
    return [Reply(f"修改{describe(client, ctx.now, ctx.zone)}的 {len(queue)} 项："),
            flow.question(draft, templates)]


def _start_new(ctx: Context, name: str) -> list[Reply]:
    """Another client with a name that already exists (chosen from the which-one question)."""
    if not name or len(name) > MAX_NAME:
        return [Reply("请写上客户姓名，如：/record 张三")]
    if (problem := name_problem(name)) is not None:
        return [Reply(problem)]
    return _begin(ctx, "record", name, None, everything=False)


def start_policy(ctx: Context, args: str) -> list[Reply]:
    """/policy NAME: record a new policy; /policy NAME STATUS: change one's status;
    /policy NAME 修改: correct one."""
    if item_edit.is_edit(args):
        return _start_edit(ctx, "policy", args)
    if edits.is_status_change(args):
        return edits.policy_status(ctx, args)
    return _start_sub_form(ctx, "policy", args)


def start_family(ctx: Context, args: str) -> list[Reply]:
    """/family NAME: record a family member; /family NAME 修改: correct one."""
    if item_edit.is_edit(args):
        return _start_edit(ctx, "family", args)
    return _start_sub_form(ctx, "family", args)


def _start_edit(ctx: Context, form: str, args: str) -> list[Reply]:
    if ctx.form is not None:
        return [_busy(flow.FormDraft.from_json(ctx.form))]
    planned = item_edit.plan(ctx, form, args)
    if isinstance(planned, list):
        return planned
    ctx.form = planned.to_json()
    return [item_edit.opening(ctx, planned), flow.question(planned, ctx.config.templates)]


def _start_sub_form(ctx: Context, form: str, args: str) -> list[Reply]:
    name = args.strip()
    if not name:
        return [Reply(f"请写上客户姓名，如：/{form} 张三")]
    found = one_client(ctx, name, lambda ref: f"/{form} {ref}")
    if isinstance(found, Reply):
        return [found]
    return _begin(ctx, form, found.name, found, everything=True)


def _begin(ctx: Context, form: str, name: str, client: Client | None,
           everything: bool) -> list[Reply]:
    if ctx.form is not None:
        current = flow.FormDraft.from_json(ctx.form).known_to(ctx.config.templates)
        if current.form == form and current.client_id == (client.id if client else None) \
                and current.client_name == name and not current.finished:
            return [Reply("继续上次的记录："), flow.question(current, ctx.config.templates)]
        return [_busy(current)]
    templates = ctx.config.templates
    tier = client.tier if client else "普通"
    specs = [spec for _, spec in templates.form_fields(form, tier)]
    filled = filled_keys(client, specs) if form == "record" else set()
    draft = flow.begin(form, templates, name, client.id if client else None, tier, filled,
                       everything)
    if form == "record" and everything and client is not None \
            and client.birth_year is not None:
        # re-asking all: an age would contradict the birth year on file, which gives it
        dated = {spec.key for spec in specs if spec.unless_year_in}
        draft = replace(draft, queue=[key for key in draft.queue if key not in dated])
    if not draft.queue:
        return [Reply(f"「{name}」的档案各项都已填写。要重新填写全部项目，请发送："
                      f"/record {name} 更新")]
    ctx.form = draft.to_json()
    count, what = len(draft.queue), FORM_NAMES[form]
    if client is None:
        opening = Reply(f"开始记录新客户「{name}」的{what}，共 {count} 项。"
                        + _sounds_like(ctx, name))
    elif form == "record":  # say whose: a second person of the same name must not merge in
        who = describe(client, ctx.now, ctx.zone)
        opening = Reply(f"继续记录已有客户{who}的档案，共 {count} 项。\n"
                        f"如果是另一位同名客户，请回复 取消，再发送 /record {NEW_CLIENT} {name}")
    else:
        opening = Reply(f"开始记录客户「{name}」的{what}，共 {count} 项。")
    return [opening, flow.question(draft, templates)]


def _busy(current: flow.FormDraft) -> Reply:
    return Reply(f"正在记录「{current.client_name}」的{FORM_NAMES[current.form]}"
                 f"（第{current.pos + 1}/{len(current.queue)}项）。"
                 "请先回复 保存 或 取消，再开始新的记录。")


def _sounds_like(ctx: Context, name: str) -> str:
    """A hint when the new name sounds like a client on file (a wrong character?)."""
    keys = ctx.clients.name_keys()
    ids = set(sound_alikes(keys, name))
    alike = sorted({other for row_id, other, _ in keys if row_id in ids})
    if not alike:
        return ""
    return (f"\n（已有读音相同的客户：{'、'.join(alike[:3])}。如果是同一人，请回复 取消，"
            f"再发送 /record {alike[0]}）")


def answer(ctx: Context, text: str) -> list[Reply]:
    """One message inside an active form."""
    assert ctx.form is not None
    draft = flow.FormDraft.from_json(ctx.form).known_to(ctx.config.templates)
    if draft.finished:
        ctx.form = None
        return save(ctx, draft)
    result = flow.step(draft, text, ctx.config.templates, lambda: ctx.today)
    if result.outcome == "cancel":
        ctx.form = None
        return [cancelled(draft)]
    if result.outcome == "save":
        ctx.form = None
        return [*result.replies, *save(ctx, result.draft)]
    ctx.form = result.draft.to_json()
    return result.replies


def cancelled(draft: flow.FormDraft) -> Reply:
    """The reply to 取消 (or /cancel) inside a form."""
    if draft.item_id is not None:
        return Reply(f"已取消，「{draft.client_name}」的{FORM_NAMES[draft.form]}没有改动。")
    return Reply(f"已取消，「{draft.client_name}」本次未保存的 {len(draft.answers)} 项回答已丢弃。")


def save(ctx: Context, draft: flow.FormDraft) -> list[Reply]:
    """Apply the draft's answers to the archive."""
    templates = ctx.config.templates
    client = ctx.clients.get(draft.client_id) if draft.client_id else None
    if draft.client_id and client is None:
        return [Reply("这位客户已不存在，本次记录无法保存。")]
    if client is not None and draft.item_id is not None:
        return item_edit.save(ctx, draft, client)
    created = client is None
    if client is None:
        client = new_client(ctx.clients, draft.client_name, ctx.now, ctx.today)
    specs = {spec.key: spec for _, spec in templates.form_fields(draft.form, draft.tier)}
    # An answer kept from before a change of mind (返回, then 未婚 or a birth year) is dropped.
    pairs = [(specs[key].target, value) for key, value in draft.answers.items()
             if key in specs and flow.applies(draft, key, templates)]
    if not pairs and not created:
        return [Reply(f"没有新填写的内容，「{client.name}」的档案未改动。")]
    changes: list[str] = []
    redone = ""
    if draft.form == "record":
        before = item_edit.client_dates(client)
        changes = apply_to_client(ctx.clients, client, pairs, ctx.now, ctx.today.year)
        redone = "" if created else item_edit.redo_date_reminders(ctx, client, before)
        summary = f"记录档案，填写 {len(pairs)} 项"
    elif draft.form == "policy":
        policy = add_policy(ctx.clients, client, {t.split(".", 1)[1]: v for t, v in pairs},
                            ctx.now)
        premium = display_money(policy.annual_premium) if policy.annual_premium else ""
        summary = f"新增保单：{policy.product_type or ''} {premium}"
    else:
        member = add_member(ctx.clients, client, {t.split(".", 1)[1]: v for t, v in pairs})
        summary = f"新增家人：{member.relation} {member.name or ''}"
    if created:
        client.last_contact_at = ctx.now  # a new client has no follow-ups to close
    else:
        ctx.touch(client)
    ctx.clients.add_timeline(client, draft.form, summary.strip(), ctx.now)
    ctx.audit(f"save_{draft.form}", client, summary)
    if draft.form == "policy":  # tiers follow policies and referrals, not profile answers
        promote_if_due(ctx, client)
    saved = f"✅ 已保存「{client.name}」的{FORM_NAMES[draft.form]}（{len(pairs)} 项）。"
    if changes:  # a child's corrected age: say what it was
        saved += "".join(f"\n已更新 {change}" for change in changes) + "\n"
    if redone:
        saved += f"\n{redone}\n"
    return [Reply(f"{saved}发送 /card #{client.id} 查看档案。")]
