"""Admission of renders by cost, in two lanes, before anything is read.

A render asks for room with its estimated working memory (`edge/imaging/cost.py`). It
runs when its lane has a free slot, its lane's share of the memory budget has room and
the whole budget has room; otherwise it waits in its lane's FIFO queue.

- light lane: `light_slots` (the render workers), may use the whole budget;
- heavy lane: `heavy_slots`, may use at most `HEAVY_SHARE` of the budget, so light
  renders always find at least a quarter of it, and never wait behind a heavy one.

Background renders (`edge/imaging/background.py`: nobody waits for them) ask with
`background=True` and wait in their lane's idle queue, which is served only while the
lane's own queue is empty: a foreground miss is always admitted before them. They have
no deadline and no bound here (their own queue is bounded).

A queue is bounded: a request that finds it full, or that waits longer than `wait_s`,
gets `RenderBusy` (503 with Retry-After). A render that needs more than its lane could
ever give is refused at once (`SourceRejected`, 422: retrying cannot help). A waiter
cancelled while queued leaves the queue; one admitted holds its room until the block
under `admitted()` ends (a render thread that overruns its deadline keeps it).
How long each admitted render waited (0 when admitted at once) goes to `wait_seconds`.
`admitted_at_once` admits only what needs no wait, and refuses nothing: a caller with
something to do before queueing (asking the cache) does it when the answer is no.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from edge.errors import RenderBusy, SourceRejected
from edge.imaging.cost import MIB, RenderCost
from edge.instruments import HistogramFamily

HEAVY_SHARE = 0.75


@dataclass(slots=True)
class _Waiter:
    cost: int
    granted: asyncio.Future[None]


@dataclass(slots=True)
class Lane:
    name: str
    slots: int
    limit: int  # bytes this lane may hold at once
    running: int = 0
    held: int = 0  # bytes held by running renders
    queue: deque[_Waiter] = field(default_factory=deque)
    idle: deque[_Waiter] = field(default_factory=deque)  # background renders, served last
    admitted: int = 0  # counters, for /metrics
    refused: int = 0

    @property
    def queued(self) -> int:
        return len(self.queue)


class Admission:
    def __init__(
        self,
        budget_bytes: int,
        *,
        light_slots: int,
        heavy_slots: int,
        max_queue: int,
        wait_s: float,
    ) -> None:
        self.budget = budget_bytes
        self.light = Lane("light", light_slots, budget_bytes)
        self.heavy = Lane("heavy", heavy_slots, int(budget_bytes * HEAVY_SHARE))
        self._max_queue = max_queue
        self._wait_s = wait_s
        self.wait_seconds = HistogramFamily(
            "imgedge_render_queue_wait_seconds",
            "How long admitted renders waited for room (0: admitted at once), by lane",
            ("lane",),
        )
        self._waits = {lane.name: self.wait_seconds.child(lane.name) for lane in self.lanes}

    @property
    def lanes(self) -> tuple[Lane, Lane]:
        return self.light, self.heavy

    @property
    def held(self) -> int:
        return self.light.held + self.heavy.held

    @asynccontextmanager
    async def admitted(self, cost: RenderCost, *, background: bool = False) -> AsyncIterator[None]:
        lane = self._lane(cost)
        if background:
            await self._enter_idle(lane, cost.bytes)
        else:
            await self._enter(lane, cost.bytes)
        try:
            yield
        finally:
            self._leave(lane, cost.bytes)

    @contextmanager
    def admitted_at_once(self, cost: RenderCost, *, background: bool = False) -> Iterator[bool]:
        """True, holding the room until the block ends, when `cost` is admitted without
        waiting (as `admitted` would admit it); else False, holding nothing, refusing
        nothing: the caller goes on to `admitted`."""
        lane = self._lane(cost)
        if cost.bytes > lane.limit or not self._room_at_once(lane, cost.bytes, background):
            yield False
            return
        self._take(lane, cost.bytes)
        if not background:
            self._waits[lane.name].observe(0.0)
        try:
            yield True
        finally:
            self._leave(lane, cost.bytes)

    def _lane(self, cost: RenderCost) -> Lane:
        return self.heavy if cost.heavy else self.light

    def _room_at_once(self, lane: Lane, cost: int, background: bool) -> bool:
        """Nobody queues ahead (a background render also yields to queued ones) and it fits."""
        return not lane.queue and not (background and lane.idle) and self._fits(lane, cost)

    def _check_cost(self, lane: Lane, cost: int) -> None:
        if cost > lane.limit:
            lane.refused += 1
            raise SourceRejected(
                f"this render needs about {cost // MIB} MiB, over the {lane.limit // MIB} MiB "
                f"the {lane.name} render lane may hold; ask for a smaller size",
                code="render_too_costly",
            )

    async def _enter(self, lane: Lane, cost: int) -> None:
        self._check_cost(lane, cost)
        if self._room_at_once(lane, cost, background=False):
            self._take(lane, cost)
            self._waits[lane.name].observe(0.0)
            return
        if len(lane.queue) >= self._max_queue:
            lane.refused += 1
            raise self._busy(f"the {lane.name} render queue is full")
        queued_at = time.perf_counter()
        try:
            async with asyncio.timeout(self._wait_s):
                await self._wait(lane, lane.queue, cost)
        except TimeoutError:
            lane.refused += 1
            raise self._busy(f"no room in the {lane.name} render lane in time") from None
        self._waits[lane.name].observe(time.perf_counter() - queued_at)

    async def _enter_idle(self, lane: Lane, cost: int) -> None:
        self._check_cost(lane, cost)
        if self._room_at_once(lane, cost, background=True):
            self._take(lane, cost)
            return
        await self._wait(lane, lane.idle, cost)

    async def _wait(self, lane: Lane, queue: deque[_Waiter], cost: int) -> None:
        waiter = _Waiter(cost, asyncio.get_running_loop().create_future())
        queue.append(waiter)
        try:
            await waiter.granted
        except BaseException:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._leave(lane, cost)  # granted just as the wait ended: give it back
            else:
                if waiter in queue:  # (`_wake` drops a cancelled head itself)
                    queue.remove(waiter)
                self._wake()  # the head may have left: the next one may fit now
            raise

    def _fits(self, lane: Lane, cost: int) -> bool:
        return (
            lane.running < lane.slots
            and lane.held + cost <= lane.limit
            and self.held + cost <= self.budget
        )

    def _take(self, lane: Lane, cost: int) -> None:
        lane.running += 1
        lane.held += cost
        lane.admitted += 1

    def _leave(self, lane: Lane, cost: int) -> None:
        lane.running -= 1
        lane.held -= cost
        self._wake()

    def _wake(self) -> None:
        """Grant queued renders in order, per lane, while the head of each fits; a lane's
        background renders only once its own queue is empty."""
        for lane in self.lanes:
            if self._grant(lane, lane.queue):
                self._grant(lane, lane.idle)

    def _grant(self, lane: Lane, queue: deque[_Waiter]) -> bool:
        """Grant from the head of `queue` while it fits; True when it emptied."""
        while queue:
            waiter = queue[0]
            if waiter.granted.cancelled():  # its task has not yet run to leave
                queue.popleft()
                continue
            if not self._fits(lane, waiter.cost):
                return False
            queue.popleft()
            self._take(lane, waiter.cost)
            waiter.granted.set_result(None)
        return True

    def _busy(self, why: str) -> RenderBusy:
        retry = math.ceil(self._wait_s) or 1
        return RenderBusy(f"{why}; try again shortly", retry_after_s=retry)
