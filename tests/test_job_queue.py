"""The studio's job queue: first in, first out, positions and ETAs, cancel from anywhere."""
import threading
import time

import pytest

from neurocanvas.job_queue import JobQueue, estimate_seconds, work_units


def test_first_in_first_out_with_positions_and_etas():
    jobs = JobQueue(slots=1)
    a, b, c = (jobs.join(i, "ann", f"job {i}", estimate=10) for i in (1, 2, 3))
    assert [jobs.position(t) for t in (a, b, c)] == [1, 2, 3]
    assert not jobs.try_start(b) and jobs.try_start(a)  # b is not first in line
    assert [jobs.position(t) for t in (a, b, c)] == [0, 1, 2]
    assert jobs.eta(a) == pytest.approx(10, abs=0.5)
    assert jobs.eta(b) == pytest.approx(20, abs=0.5) and jobs.eta(c) == pytest.approx(30, abs=0.5)
    jobs.progress(a, 0.5)  # halfway after ~0 s: the job's own pace says it is nearly done
    assert jobs.eta(b) < 15
    jobs.leave(a)
    assert jobs.try_start(b) and jobs.position(c) == 1


def test_two_slots_run_two_jobs():
    jobs = JobQueue(slots=2)
    a, b, c = (jobs.join(i, "ann", "x", estimate=10) for i in (1, 2, 3))
    assert jobs.try_start(a) and jobs.try_start(b) and not jobs.try_start(c)
    assert jobs.eta(c) == pytest.approx(20, abs=0.5)  # starts when the first running job ends


def test_a_waiting_job_starts_when_the_slot_frees_and_cancel_is_per_user():
    jobs = JobQueue()
    a, b = jobs.join(1, "ann", "x", 1), jobs.join(2, "bob", "y", 1)
    jobs.try_start(a)
    started = []
    waiter = threading.Thread(target=lambda: started.append(jobs.try_start(b, timeout=5)))
    waiter.start()
    time.sleep(0.1)
    assert not started
    jobs.leave(a)
    waiter.join(2)
    assert started == [True]
    assert not jobs.cancel(2, "ann") and jobs.cancel(2, "bob") and b.cancel.is_set()
    assert [r["job"] for r in jobs.snapshot("bob")] == [2] and jobs.snapshot("ann") == []


def test_a_cancelled_waiting_job_stops_waiting():
    jobs = JobQueue()
    a, b = jobs.join(1, "ann", "x", 1), jobs.join(2, "ann", "y", 1)
    jobs.try_start(a)
    threading.Timer(0.1, lambda: jobs.cancel(2, "ann")).start()
    started = time.monotonic()
    assert not jobs.try_start(b, timeout=5) and time.monotonic() - started < 2


def test_estimates_come_from_measured_history():
    assert estimate_seconds(work_units(4, 1, 512, 512), []) == 12.0  # 3 s a unit before anything is measured
    history = [(work_units(1, 1, 512, 512), 2.0), (work_units(2, 1, 512, 512), 4.4), (work_units(1, 1, 256, 256), 0.5)]
    assert estimate_seconds(work_units(4, 2, 512, 512), history) == pytest.approx(16.0)  # median 2 s a unit
