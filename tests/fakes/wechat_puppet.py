"""A fake wechaty puppet service: grpclib handlers over the wechaty-grpc messages, on loopback.

The real wechaty client connects to it with ``endpoint=fake.endpoint``. It logs in the bot's own
contact on every event stream (scan → login → ready), serves message/contact/room payloads,
records ``MessageSendText`` calls with their arrival time, and lets a test inject messages,
re-emit old ones and end the event stream.

Events emitted while no event stream is open are kept and delivered when the client reconnects,
like a service that queues for a disconnected client.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from grpclib.const import Cardinality, Handler, Status
from grpclib.exceptions import GRPCError
from grpclib.server import Server, Stream
from wechaty_grpc.wechaty import puppet as pb

TEXT_ON_THE_WIRE = 7  # the service speaks the TypeScript MessageType: Text = 7
# Other TypeScript MessageTypes, for non-text messages (``inject_text(type_on_wire=...)``).
AUDIO_ON_THE_WIRE, EMOTICON_ON_THE_WIRE, IMAGE_ON_THE_WIRE = 2, 5, 6
RECALLED_ON_THE_WIRE = 13
SCAN_STATUS_SCANNED = 3  # not "Waiting" (2), which makes wechaty print a QR code

_END = object()
_FAIL = object()


class _Server(Server):
    """A grpclib server that can also drop its open connections, as a service that exits does
    (``Server.close()`` only cancels the running handlers)."""

    def __init__(self, handlers: list[Any]) -> None:
        super().__init__(handlers)
        self.protocols: list[Any] = []

    def _protocol_factory(self) -> Any:
        protocol = super()._protocol_factory()
        self.protocols.append(protocol)
        return protocol

    def drop_connections(self) -> None:
        for protocol in self.protocols:
            connection = getattr(protocol, "connection", None)
            if connection is not None:
                connection.close()


@dataclass(frozen=True)
class SentText:
    conversation_id: str
    text: str
    at: float  # time.monotonic() when the service received it
    message_id: str


class FakePuppetService:
    def __init__(
        self,
        *,
        self_id: str = "wxid_bot",
        self_name: str = "档案助手",
        scan_before_login: bool = False,
    ) -> None:
        """``scan_before_login``: also send a (scanned) scan event before login; wechaty 0.10.7
        then logs an "internal error" (its plugin manager asserts the scan status is a str)."""
        self.self_id = self_id
        self.scan_before_login = scan_before_login
        self.contacts: dict[str, str] = {self_id: self_name}
        self.rooms: dict[str, tuple[str, list[str]]] = {}
        self.messages: dict[str, pb.MessagePayloadResponse] = {}
        self.sent: list[SentText] = []
        # ("start" | "stop" | "stream-open" | "stream-closed", time.monotonic(), open streams)
        self.timeline: list[tuple[str, float, int]] = []
        self.stream_opens = 0
        self.fail_sends = 0  # the next N MessageSendText calls fail with UNAVAILABLE,
        self.fail_sends_after = 0  # after letting this many through
        self.fail_payloads = 0  # the next N MessagePayload calls fail with UNAVAILABLE
        self.payload_delay = 0.0  # seconds each MessagePayload answer takes
        self.payload_requests: list[str] = []  # the message ids asked for, in order
        self._queues: set[asyncio.Queue[Any]] = set()
        self._pending: list[pb.EventResponse] = []
        self._changed = asyncio.Event()
        self._server: _Server | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        # IPPROTO_TCP (not 0) so asyncio sets TCP_NODELAY on accepted connections, as real
        # gRPC servers do; without it every answer waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = _Server([self])
        await self._server.start(sock=sock)

    async def stop(self) -> None:
        """Shut down like a service process that exits: connections to clients are closed.
        ``start()`` again serves on the same port."""
        if self._server is not None:
            self._server.close()
            self._server.drop_connections()
            await self._server.wait_closed()
            self._server = None
        self._queues.clear()

    # --- test helpers ------------------------------------------------------------------------
    def add_contact(self, contact_id: str, name: str) -> None:
        self.contacts[contact_id] = name

    def add_room(self, room_id: str, topic: str, member_ids: list[str]) -> None:
        self.rooms[room_id] = (topic, [self.self_id, *member_ids])

    def inject_text(
        self,
        from_id: str,
        text: str,
        room_id: str | None = None,
        *,
        type_on_wire: int = TEXT_ON_THE_WIRE,
    ) -> str:
        """A text message arrives (from a contact, or from a contact in a room); another
        ``type_on_wire`` (e.g. 6 = image) makes it a non-text message."""
        message_id = f"msg-{uuid.uuid4().hex[:12]}"
        self.messages[message_id] = pb.MessagePayloadResponse(
            id=message_id,
            text=text,
            timestamp=int(time.time()),
            type=type_on_wire,
            from_id=from_id,
            room_id=room_id or "",
            to_id="" if room_id else self.self_id,
        )
        self.re_emit(message_id)
        return message_id

    def re_emit(self, message_id: str) -> None:
        """Send the message event again (as a service might after a reconnect)."""
        self._emit(pb.EventType.EVENT_TYPE_MESSAGE, {"messageId": message_id})

    def emit_heartbeat(self) -> None:
        self._emit(pb.EventType.EVENT_TYPE_HEARTBEAT, {"data": "heartbeat"})

    def drop_stream(self, *, error: bool = False) -> None:
        """End every open event stream: with OK status, or with UNAVAILABLE if ``error``.
        Later events wait for the client to reconnect."""
        for queue in self._queues:
            queue.put_nowait(_FAIL if error else _END)
        self._queues.clear()

    @property
    def open_streams(self) -> int:
        return len(self._queues)

    async def wait_for_sent(self, n: int, timeout: float = 5.0) -> list[SentText]:
        """Wait until at least ``n`` texts have been sent; return them all."""
        await self._wait(lambda: len(self.sent) >= n, timeout, f"{n} sent texts")
        return list(self.sent)

    async def wait_for_stream_opens(self, n: int, timeout: float = 5.0) -> None:
        """Wait until the client has opened ``n`` event streams in all (1 = first connect)."""
        await self._wait(
            lambda: self.stream_opens >= n and bool(self._queues), timeout, f"{n} event streams"
        )

    async def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        async def waiter() -> None:
            while not done():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(waiter(), timeout)
        except TimeoutError:
            raise AssertionError(f"fake puppet: timed out waiting for {what}") from None

    def _notify(self) -> None:
        self._changed.set()

    def _emit(self, event_type: pb.EventType, payload: dict[str, Any]) -> None:
        event = pb.EventResponse(type=event_type, payload=json.dumps(payload))
        if not self._queues:
            self._pending.append(event)
        for queue in self._queues:
            queue.put_nowait(event)

    def _mark(self, what: str) -> None:
        self.timeline.append((what, time.monotonic(), len(self._queues)))
        self._notify()

    # --- grpc handlers -----------------------------------------------------------------------
    def __mapping__(self) -> dict[str, Handler]:
        def unary(func: Callable[[Any], Awaitable[Any]], req: type, resp: type) -> Handler:
            async def handle(stream: Stream[Any, Any]) -> None:
                request = await stream.recv_message()
                await stream.send_message(await func(request))

            return Handler(handle, Cardinality.UNARY_UNARY, req, resp)

        routes = {
            "Start": unary(self._start, pb.StartRequest, pb.StartResponse),
            "Stop": unary(self._stop, pb.StopRequest, pb.StopResponse),
            "Ding": unary(self._ding, pb.DingRequest, pb.DingResponse),
            "Version": unary(self._version, pb.VersionRequest, pb.VersionResponse),
            "Logout": unary(self._logout, pb.LogoutRequest, pb.LogoutResponse),
            "ContactPayload": unary(
                self._contact_payload, pb.ContactPayloadRequest, pb.ContactPayloadResponse
            ),
            "MessagePayload": unary(
                self._message_payload, pb.MessagePayloadRequest, pb.MessagePayloadResponse
            ),
            "RoomPayload": unary(self._room_payload, pb.RoomPayloadRequest, pb.RoomPayloadResponse),
            "RoomMemberList": unary(
                self._room_members, pb.RoomMemberListRequest, pb.RoomMemberListResponse
            ),
            "MessageSendText": unary(
                self._send_text, pb.MessageSendTextRequest, pb.MessageSendTextResponse
            ),
        }
        mapping = {f"/wechaty.Puppet/{name}": handler for name, handler in routes.items()}
        mapping["/wechaty.Puppet/Event"] = Handler(
            self._event, Cardinality.UNARY_STREAM, pb.EventRequest, pb.EventResponse
        )
        return mapping

    async def _start(self, _: pb.StartRequest) -> pb.StartResponse:
        self._mark("start")
        return pb.StartResponse()

    async def _stop(self, _: pb.StopRequest) -> pb.StopResponse:
        self._mark("stop")
        return pb.StopResponse()

    async def _ding(self, request: pb.DingRequest) -> pb.DingResponse:
        self._emit(pb.EventType.EVENT_TYPE_DONG, {"data": request.data})
        return pb.DingResponse()

    async def _version(self, _: pb.VersionRequest) -> pb.VersionResponse:
        return pb.VersionResponse(version="fake-0.0.0")

    async def _logout(self, _: pb.LogoutRequest) -> pb.LogoutResponse:
        self._emit(pb.EventType.EVENT_TYPE_LOGOUT, {"contactId": self.self_id})
        return pb.LogoutResponse()

    async def _contact_payload(self, request: pb.ContactPayloadRequest) -> Any:
        return pb.ContactPayloadResponse(
            id=request.id,
            name=self.contacts.get(request.id, ""),
            friend=True,
            type=pb.ContactType.CONTACT_TYPE_PERSONAL,
        )

    async def _message_payload(self, request: pb.MessagePayloadRequest) -> Any:
        self.payload_requests.append(request.id)
        if self.payload_delay:
            await asyncio.sleep(self.payload_delay)
        if self.fail_payloads > 0:
            self.fail_payloads -= 1
            raise GRPCError(Status.UNAVAILABLE, "fake: message payload failed")
        if request.id not in self.messages:
            raise GRPCError(Status.NOT_FOUND, f"no message {request.id}")
        return self.messages[request.id]

    async def _room_payload(self, request: pb.RoomPayloadRequest) -> Any:
        topic, members = self.rooms.get(request.id, ("", []))
        return pb.RoomPayloadResponse(id=request.id, topic=topic, member_ids=members)

    async def _room_members(self, request: pb.RoomMemberListRequest) -> Any:
        return pb.RoomMemberListResponse(member_ids=self.rooms.get(request.id, ("", []))[1])

    async def _send_text(self, request: pb.MessageSendTextRequest) -> Any:
        if self.fail_sends > 0 and self.fail_sends_after > 0:
            self.fail_sends_after -= 1
        elif self.fail_sends > 0:
            self.fail_sends -= 1
            raise GRPCError(Status.UNAVAILABLE, "fake: send failed")
        # ids unique across fakes: wechaty's own de-duplication is process-wide
        message_id = f"sent-{uuid.uuid4().hex[:12]}"
        in_room = request.conversation_id in self.rooms
        self.messages[message_id] = pb.MessagePayloadResponse(
            id=message_id,
            text=request.text,
            timestamp=int(time.time()),
            type=TEXT_ON_THE_WIRE,
            from_id=self.self_id,
            room_id=request.conversation_id if in_room else "",
            to_id="" if in_room else request.conversation_id,
        )
        self.sent.append(
            SentText(request.conversation_id, request.text, time.monotonic(), message_id)
        )
        # Like a real service, our own sent messages come back as message events.
        self.re_emit(message_id)
        self._notify()
        return pb.MessageSendTextResponse(id=message_id)

    async def _event(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.stream_opens += 1
        greeting: list[tuple[pb.EventType, dict[str, Any]]] = [
            (pb.EventType.EVENT_TYPE_LOGIN, {"contactId": self.self_id}),
            (pb.EventType.EVENT_TYPE_READY, {"data": "ready"}),
        ]
        if self.scan_before_login:
            scan = {"status": SCAN_STATUS_SCANNED, "qrcode": ""}
            greeting.insert(0, (pb.EventType.EVENT_TYPE_SCAN, scan))
        for event_type, payload in greeting:
            queue.put_nowait(pb.EventResponse(type=event_type, payload=json.dumps(payload)))
        for event in self._pending:
            queue.put_nowait(event)
        self._pending.clear()
        self._queues.add(queue)
        self._mark("stream-open")
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if item is _FAIL:
                    raise GRPCError(Status.UNAVAILABLE, "fake: event stream dropped")
                await stream.send_message(item)
        finally:
            self._queues.discard(queue)
            self._mark("stream-closed")
