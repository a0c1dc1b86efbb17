"""Admission by cost in two lanes: slots, budget, bounded queue, wait limit, cancellation.
No timing: renders are tasks holding their room until the test lets them go."""

from __future__ import annotations

import asyncio

import pytest

from edge.errors import RenderBusy, SourceRejected
from edge.imaging.admission import Admission
from edge.imaging.cost import MIB, RenderCost

LIGHT = RenderCost(10 * MIB, heavy=False)
HEAVY = RenderCost(300 * MIB, heavy=True)


class Holder:
    """A render that holds its admitted room until `release()`."""

    def __init__(self, admission: Admission, cost: RenderCost) -> None:
        self.admitted = asyncio.Event()
        self._done = asyncio.Event()
        self.task = asyncio.create_task(self._run(admission, cost))

    async def _run(self, admission: Admission, cost: RenderCost) -> None:
        async with admission.admitted(cost):
            self.admitted.set()
            await self._done.wait()

    async def release(self) -> None:
        self._done.set()
        await self.task


def admission(
    budget_mb: int = 1000, *, light: int = 2, heavy: int = 1, queue: int = 8, wait_s: float = 60
) -> Admission:
    return Admission(
        budget_mb * MIB, light_slots=light, heavy_slots=heavy, max_queue=queue, wait_s=wait_s
    )


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_slots_bound_a_lane_and_the_queue_is_first_in_first_out():
    adm = admission(light=2)
    a, b, c, d = (Holder(adm, LIGHT) for _ in range(4))
    await settle()
    assert (a.admitted.is_set(), b.admitted.is_set(), c.admitted.is_set()) == (True, True, False)
    assert (adm.light.running, adm.light.queued) == (2, 2)
    await a.release()
    await settle()
    assert c.admitted.is_set() and not d.admitted.is_set()
    for h in (b, c, d):
        await h.release()
    assert (adm.light.running, adm.light.held, adm.light.admitted) == (0, 0, 4)


async def test_budget_bounds_the_memory_held():
    adm = admission(budget_mb=100, light=8)
    big = RenderCost(60 * MIB, heavy=False)
    first, second = Holder(adm, big), Holder(adm, big)
    await settle()
    assert first.admitted.is_set() and not second.admitted.is_set()
    assert adm.held == 60 * MIB
    await first.release()
    await settle()
    assert second.admitted.is_set()
    await second.release()


async def test_heavy_renders_do_not_hold_up_light_ones():
    adm = admission(budget_mb=1000, light=1, heavy=1)
    heavy = [Holder(adm, RenderCost(700 * MIB, heavy=True)) for _ in range(3)]
    await settle()
    assert [h.admitted.is_set() for h in heavy] == [True, False, False]
    # The heavy lane is full and holds most of the budget: light still runs at once.
    light = Holder(adm, RenderCost(200 * MIB, heavy=False))
    await settle()
    assert light.admitted.is_set()
    await light.release()
    for h in heavy:
        await h.release()


async def test_heavy_lane_holds_at_most_three_quarters_of_the_budget():
    adm = admission(budget_mb=1000, heavy=4)
    a, b = Holder(adm, HEAVY), Holder(adm, HEAVY)
    c = Holder(adm, HEAVY)  # 900 MiB would be over the heavy lane's 750
    await settle()
    assert (a.admitted.is_set(), b.admitted.is_set(), c.admitted.is_set()) == (True, True, False)
    await a.release()
    await settle()
    assert c.admitted.is_set()
    await b.release()
    await c.release()


async def test_a_full_queue_refuses_at_once_with_retry_after():
    adm = admission(light=1, queue=1, wait_s=3)
    running, queued = Holder(adm, LIGHT), Holder(adm, LIGHT)
    await settle()
    with pytest.raises(RenderBusy) as refused:
        async with adm.admitted(LIGHT):
            pass
    assert refused.value.status == 503
    assert refused.value.headers == {"retry-after": "3"}
    assert adm.light.refused == 1
    await running.release()
    await queued.release()


async def test_no_room_within_the_wait_is_busy_and_leaves_the_queue():
    adm = admission(light=1, wait_s=0)
    running = Holder(adm, LIGHT)
    await settle()
    with pytest.raises(RenderBusy):
        async with adm.admitted(LIGHT):
            pass
    assert adm.light.queued == 0
    await running.release()


async def test_a_render_over_its_lane_is_refused_not_queued():
    adm = admission(budget_mb=100)
    with pytest.raises(SourceRejected) as refused:
        async with adm.admitted(RenderCost(80 * MIB, heavy=True)):  # heavy lane: 75 MiB
            pass
    assert refused.value.code == "render_too_costly"
    assert (adm.heavy.queued, adm.heavy.refused) == (0, 1)


async def test_a_cancelled_waiter_leaves_and_the_next_one_moves_up():
    adm = admission(budget_mb=100, light=4)
    running = Holder(adm, RenderCost(60 * MIB, heavy=False))
    blocked = Holder(adm, RenderCost(60 * MIB, heavy=False))
    small = Holder(adm, RenderCost(30 * MIB, heavy=False))  # fits, but waits its turn
    await settle()
    assert not small.admitted.is_set()
    blocked.task.cancel()
    await settle()
    assert small.admitted.is_set()
    assert adm.light.queued == 0
    await running.release()
    await small.release()
    assert adm.held == 0


async def test_a_waiter_cancelled_as_room_frees_is_skipped_and_its_room_not_leaked():
    # The waiter's task is cancelled (client gone, or its wait over) and, before it runs
    # again to leave the queue, another render ends and wakes the queue in the same turn.
    adm = admission(light=1)
    a, b, c = (Holder(adm, LIGHT) for _ in range(3))
    await settle()
    assert (a.admitted.is_set(), adm.light.queued) == (True, 2)
    a._done.set()  # a runs first, ends and wakes the queue …
    b.task.cancel()  # … whose head, b, is cancelled but has not run to leave it yet
    await settle()
    await a.task
    assert b.task.cancelled()
    assert c.admitted.is_set()
    await c.release()
    assert (adm.light.running, adm.light.held, adm.light.queued) == (0, 0, 0)


async def test_admitted_at_once_admits_only_without_a_wait_and_refuses_nothing():
    adm = admission(light=1)
    with adm.admitted_at_once(LIGHT) as now:
        assert now and adm.light.running == 1  # held for the block
        with adm.admitted_at_once(LIGHT) as again:
            assert not again  # no slot: nothing held, nothing raised
        assert adm.light.running == 1
    assert (adm.light.running, adm.light.held) == (0, 0)
    holder = Holder(adm, LIGHT)
    queued = Holder(adm, LIGHT)
    await settle()
    with adm.admitted_at_once(LIGHT) as now:
        assert not now  # one queues ahead
    with adm.admitted_at_once(RenderCost(2000 * MIB, heavy=True)) as now:
        assert not now  # over what the lane could ever hold: refused by `admitted`, not here
    assert adm.heavy.refused == 0
    await holder.release()
    await queued.release()
    with adm.admitted_at_once(LIGHT, background=True) as now:
        assert now and adm.light.running == 1
    assert adm.light.admitted == 4
