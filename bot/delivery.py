"""Outbox delivery: claim due rows, send outside the transaction, mark sent or retry.

429 (retry_after) waits as asked without using up an attempt (and for the end of the agent's
quiet hours); permanent errors and unreachable agents end at once; anything else backs off
exponentially (5 s doubling up to 30 min: ``max_attempts`` 14 span about two and a half hours)
and then becomes a dead letter the agent is told about. A digest given up, or one that could
only go out after its day, hands its reminders to the next digest.

Delivery is at least once: a process stopped between the platform accepting a message and the
outbox recording it sends that message again after the lease (the README says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.channels.base import Channel, DeliveryError
from handlers import offered
from handlers.safe_log import log_failure
from handlers.types import Clock, Reply, reply_from_json, reply_to_json
from scheduler.digest import local_time, quiet_until
from storage.conversations import ConcurrentUpdate
from storage.models import OutboxMessage
from storage.outbox import DIGEST, SEND_LEASE, digest_day
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


# Where options are numbered lines: a number typed while a form is open answers the form.
NUMBERED_PLATFORMS = frozenset({"wechat", "terminal"})
BUSY_NOTE = ("（你正在填写的记录还没完成，现在回复数字会回答那边的问题。"
             "处理这里的提醒，请稍后发送 /today）")


def without_numbers(reply: Reply) -> Reply:
    """A push for an agent in the middle of a form: no numbered options (the number would
    answer the form, not this), and a word on how to open them later."""
    if not reply.options:
        return reply
    return Reply(f"{reply.text}\n{BUSY_NOTE}")


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 14
    # 5xx and timeouts: 5, 10, 20 s … then every 30 min, so an outage of a couple of hours
    # does not lose the morning's digest (a 429 carries its own wait)
    base_backoff: timedelta = timedelta(seconds=5)
    max_backoff: timedelta = timedelta(minutes=30)
    lease: timedelta = SEND_LEASE
    batch: int = 50
    concurrency: int = 20  # chats served at once; one chat's messages stay in order


class DeliveryWorker:
    def __init__(self, uow: UnitOfWorkFactory, channels: Mapping[str, Channel], clock: Clock,
                 zone: ZoneInfo, policy: DeliveryPolicy | None = None) -> None:
        """``zone``: the bot's, an agent's when the one stored is unusable (quiet hours)."""
        self._uow = uow
        self._channels = dict(channels)
        self._clock = clock
        self._zone = zone
        self._policy = policy or DeliveryPolicy()
        self.last_claimed = 0
        self._stopping = asyncio.Event()

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many messages were sent."""
        if not self._channels:
            return 0
        claimed = await asyncio.to_thread(self._claim)
        self.last_claimed = len(claimed)
        by_chat: dict[tuple[str, str], list[OutboxMessage]] = {}
        for message in claimed:
            by_chat.setdefault((message.platform, message.chat_id), []).append(message)
        gate = asyncio.Semaphore(self._policy.concurrency)

        async def serve(messages: list[OutboxMessage]) -> int:
            async with gate:
                sent = 0
                for index, message in enumerate(messages):
                    if self._stopping.is_set():  # not begun: due again at once, elsewhere
                        await asyncio.to_thread(self._release, messages[index:])
                        break
                    sent += await self._deliver(message)
                return sent

        return sum(await asyncio.gather(*(serve(chat) for chat in by_chat.values())))

    async def run_forever(self, interval: float = 2.0) -> None:
        """Deliver until ``stop`` (or cancelled); pause only when a round found less than a
        full batch."""
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as error:
                log_failure(log, "delivery round failed", error)
                self.last_claimed = 0
            if self.last_claimed < self._policy.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), interval)

    def stop(self) -> None:
        """Finish the sends under way (every part of a push) and begin no other; the rows
        claimed but not begun are let go at once. ``run_forever`` then returns."""
        self._stopping.set()

    def _release(self, messages: list[OutboxMessage]) -> None:
        with self._uow() as uow:
            for message in messages:
                uow.outbox.retry_later(message, self._clock.now(), message.last_error or "",
                                       count=False, parts_sent=message.parts_sent)
                uow.outbox.let_go_unsent(message)  # withdrawn meanwhile: rebuilt at once
            uow.commit()

    def _claim(self) -> list[OutboxMessage]:
        with self._uow() as uow:
            rows = uow.outbox.claim(sorted(self._channels), self._clock.now(),
                                    self._policy.batch, self._policy.lease)
            uow.commit()
            return rows

    async def _deliver(self, message: OutboxMessage) -> int:
        channel = self._channels[message.platform]
        try:
            if message.attempts >= self._policy.max_attempts:  # e.g. its senders crashed
                raise DeliveryError(f"given up after {message.attempts} attempts",
                                    permanent=True)
            replies = [reply_from_json(item) for item in message.payload]
            # Numbers or not is decided once: a retry after some of its messages went out sends
            # the rest of the same text (its row keeps the replies as the first attempt sent
            # them), whether a form was opened or closed since; decided again, the text would
            # split differently and ``parts_sent`` skip or repeat lines.
            numbered = message.parts_sent == 0 and message.platform in NUMBERED_PLATFORMS \
                and any(r.options for r in replies)
            ours, answering = await asyncio.to_thread(self._still_ours, message, numbered)
        except DeliveryError as error:
            await asyncio.to_thread(self._failed, message, error)
            return 0
        except Exception as error:  # an unreadable row, a database error: counted, retried
            log_failure(log, f"outbox #{message.id} could not be prepared", error)
            await asyncio.to_thread(self._failed, message, DeliveryError(type(error).__name__))
            return 0
        if not ours:
            return 0  # withdrawn or refilled while it waited its turn, or taken over
        if answering:
            replies = [without_numbers(reply) for reply in replies]
        try:
            await channel.send(message.chat_id, replies, message.parts_sent)
        except DeliveryError as error:
            await asyncio.to_thread(self._failed, message, error, replies)
            return 0
        except Exception as error:  # a bug or an unexpected client error: retry, don't crash
            log_failure(log, f"unexpected error delivering outbox #{message.id}", error)
            await asyncio.to_thread(self._failed, message, DeliveryError(type(error).__name__))
            return 0
        await asyncio.to_thread(self._sent, message, replies)
        return 1

    def _still_ours(self, message: OutboxMessage, numbered: bool) -> tuple[bool, bool]:
        """(still this sender's to send, the agent is in the middle of a form or question;
        asked only when the push offers ``numbered`` options)."""
        now = self._clock.now()
        claimed_at = message.claimed_at
        try:
            return self._check_still_ours(message, numbered, now)
        except BaseException:
            message.claimed_at = claimed_at  # its renewal was rolled back with the rest
            raise

    def _check_still_ours(self, message: OutboxMessage, numbered: bool,
                          now: datetime) -> tuple[bool, bool]:
        with self._uow() as uow:
            ours = uow.outbox.renew_claim(message, now)
            if not ours:
                uow.outbox.let_go_unsent(message)  # if it was withdrawn meanwhile
            if ours and uow.outbox.withdraw_unbound(message):
                log.warning("outbox #%s: its chat is no longer bound to the agent; withdrawn",
                            message.id)
                ours = False
            if ours and self._not_now(uow, message, now):
                # it waited past its time (the bot was down, or a lease ran out): held until
                # quiet hours end, or, a digest of a day gone by, folded into the next one
                self._retry(uow, message, now, "held: quiet hours, or its day has passed",
                            count=False, sent=0)
                ours = False
            conversation = uow.conversations.by_agent(message.agent_id) \
                if ours and numbered else None
            uow.commit()
            return ours, bool(conversation is not None and conversation.draft)

    def _not_now(self, uow: UnitOfWork, message: OutboxMessage, now: datetime) -> bool:
        """Whether sending now would wake the agent, or bring a digest of a past day."""
        agent = uow.agents.get(message.agent_id)
        if agent is None:
            return False
        if quiet_until(now, agent, self._zone) is not None:
            return True
        return message.kind == DIGEST and \
            local_time(now, agent, self._zone).date() > digest_day(message.dedupe_key)

    def _sent(self, message: OutboxMessage, replies: list[Reply]) -> None:
        with self._uow() as uow:
            uow.outbox.mark_sent(message.id, self._clock.now())
            uow.commit()
        options = offered.remember(option for reply in replies for option in reply.options)
        if not options:
            return
        try:
            with self._uow() as uow:
                uow.conversations.offer_options(message.agent_id, options)
                uow.commit()
        except ConcurrentUpdate:
            pass  # the agent is typing right now: their conversation's options stay

    def _failed(self, message: OutboxMessage, error: DeliveryError,
                sent_as: list[Reply] | None = None) -> None:
        """Retry, or give up, a row whose send failed; ``sent_as``: its replies as this attempt
        sent them (see ``_retry``)."""
        now = self._clock.now()
        reason = str(error) or type(error).__name__
        with self._uow() as uow:
            if error.unreachable:
                if uow.outbox.mark_dead(message, f"unreachable: {reason}"):
                    uow.outbox.mark_unreachable(message.agent_id)
            elif error.permanent:
                self._dead_letter(uow, message, reason)
            elif error.retry_after is not None:
                self._retry(uow, message, now + timedelta(seconds=error.retry_after), reason,
                            count=False, sent=error.sent_parts, sent_as=sent_as)
            else:
                attempts = message.attempts + 1
                if attempts >= self._policy.max_attempts:
                    self._dead_letter(uow, message, reason)
                else:
                    backoff = min(self._policy.base_backoff * 2 ** (attempts - 1),
                                  self._policy.max_backoff)
                    self._retry(uow, message, now + backoff, reason, count=True,
                                sent=error.sent_parts, sent_as=sent_as)
            uow.outbox.let_go_unsent(message)  # withdrawn meanwhile: rebuilt without waiting
            uow.commit()
        log.warning("delivery of outbox #%s failed: %s", message.id, reason)

    def _retry(self, uow: UnitOfWork, message: OutboxMessage, at: datetime, reason: str,
               count: bool, sent: int, sent_as: list[Reply] | None = None) -> None:
        """Try again at ``at``, or after the agent's quiet hours if ``at`` falls in them,
        after the parts already delivered (``sent`` more in this attempt, its replies as
        ``sent_as``: kept for the retry, which sends the rest of that very text). A digest
        whose next try would fall on a later day of the agent's is not sent stale: its
        reminders go into the next digest."""
        agent = uow.agents.get(message.agent_id)
        if agent is not None:
            at = quiet_until(at, agent, self._zone) or at
            if message.kind == DIGEST and local_time(at, agent, self._zone).date() > digest_day(
                    message.dedupe_key):
                if uow.outbox.fold_into_next_digest(message):
                    uow.nudges(message.agent_id).unmark_shown([digest_day(message.dedupe_key)])
                return
        payload = [reply_to_json(reply) for reply in sent_as] if sent and sent_as else None
        uow.outbox.retry_later(message, at, reason, count=count,
                               parts_sent=message.parts_sent + sent, payload=payload)

    def _dead_letter(self, uow: UnitOfWork, message: OutboxMessage, reason: str) -> None:
        if not uow.outbox.mark_dead(message, reason):
            return  # withdrawn meanwhile: nothing was lost
        if message.kind == DIGEST:  # its reminders are listed again in the next one
            uow.nudges(message.agent_id).unmark_shown([digest_day(message.dedupe_key)])
        if message.kind == "notice":
            return  # never a note about a note
        what = {"digest": "今日提醒", "push": "一条提醒"}.get(message.kind, "一条消息")
        note = Reply(f"⚠️ {what}多次发送失败，已停止重试。发送 /today 可查看今天的全部提醒。")
        uow.outbox.enqueue(f"dead:{message.id}", message.agent_id, message.platform,
                           message.chat_id, "notice", [reply_to_json(note)], self._clock.now())
