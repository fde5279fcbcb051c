"""The studio's schedule for throwing things away: expired deletes and old temp files, every few minutes.

It runs in the web process (workers have no images folder), on one daemon thread, and never stops the
studio: a failed pass is logged and the next one tries again.
"""
from __future__ import annotations

import logging
import threading

from neurocanvas.config import Settings
from neurocanvas.store.sweep import purge_deleted, sweep_temp

log = logging.getLogger(__name__)
INTERVAL_S = 600.0


class Housekeeper:
    def __init__(self, settings: Settings, interval_s: float = INTERVAL_S) -> None:
        self.settings, self.interval_s = settings, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        s = self.settings
        return {"purged": purge_deleted(s.images_dir, s.keep_deleted_hours * 3600),
                "temp_removed": sweep_temp(s.tmp_dir, s.temp_max_age_hours * 3600)}

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True, name="housekeeping")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:  # a first pass at start-up, then one per interval
            try:
                self.run_once()
            except Exception:
                log.exception("housekeeping pass failed; retrying in %.0f s", self.interval_s)
            if self._stop.wait(self.interval_s):
                return
