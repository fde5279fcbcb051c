"""The board: places and ETAs for every active job, from one look at the rows and the broker."""
import dataclasses
import datetime as dt
import threading
import time

from neurocanvas.services.board import Board, remaining, waiting_order


@dataclasses.dataclass
class Row:
    id: int
    status: str = "queued"
    priority: int = 0
    estimate_s: float = 10.0
    started_at: dt.datetime | None = None


class Broker:
    """The two reads the board makes of huey's key/value store."""
    def __init__(self, values: dict) -> None:
        self.values = values

    def get(self, key, peek=False):
        return self.values.get(key)


def test_waiting_order_is_priority_then_first_come():
    rows = [Row(1, priority=0), Row(2, priority=10), Row(3, status="running"), Row(4, priority=10), Row(5, priority=9)]
    assert [r.id for r in waiting_order(rows)] == [2, 4, 5, 1]


def test_remaining_uses_steps_once_there_are_some():
    started = dt.datetime.fromtimestamp(time.time() - 10)
    assert abs(remaining(Row(1, started_at=started), {"step": 5, "total": 10}) - 10) < 0.5
    assert abs(remaining(Row(1, started_at=started, estimate_s=30), {}) - 20) < 0.5
    assert remaining(Row(1, started_at=started, estimate_s=3), {}) == 0.0


def test_positions_and_etas_follow_the_running_job_and_those_ahead():
    started = dt.datetime.fromtimestamp(time.time() - 4)
    rows = [Row(1, status="running", started_at=started, estimate_s=100), Row(2, estimate_s=5), Row(3, priority=10, estimate_s=2)]
    board = Board()
    board.refresh(rows, Broker({"nc:progress:1": {"step": 1, "total": 2}, "nc:cancel:2": True}), slots=1)
    running, second, first = board.get(1), board.get(2), board.get(3)
    assert (running.position, first.position, second.position) == (0, 1, 2)
    assert abs(running.eta_s - 4) < 0.5 and running.progress == {"step": 1, "total": 2}  # half done in 4 s
    assert abs(first.eta_s - (4 + 2)) < 0.5 and abs(second.eta_s - (4 + 2 + 5)) < 0.5
    assert second.cancelling and not first.cancelling
    board.refresh(rows[1:], Broker({}), slots=2)  # a free slot: nothing to wait for
    assert board.get(1) is None and abs(board.get(3).eta_s - 2) < 1e-6 and abs(board.get(2).eta_s - (1 + 5)) < 1e-6


def test_a_refresh_wakes_the_watchers():
    board = Board()
    woke = []
    watcher = threading.Thread(target=lambda: (board.wait(30), woke.append(time.monotonic())))
    watcher.start()
    time.sleep(0.2)
    before = time.monotonic()
    board.refresh([Row(1)], Broker({}), slots=1)
    watcher.join(5)
    assert woke and woke[0] - before < 5 and board.get(1).position == 1
