"""Progress of a long render: kits done against the total and the time left, as a live bar or as plain lines."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

# Off a terminal (a CI log), a line at least this often, so that a long build never looks hung.
LINE_INTERVAL = 10.0
# The rate of the first kits says little (fonts load, workers start): no estimate before this many have rendered.
ESTIMATE_AFTER = 3
PREFIX = "coachbook: "


def duration(seconds: float) -> str:
    """`1 h 5 min`, `2 min 10 s`, `40 s`: how long, in words a log reader takes in at a glance."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def _rounded_estimate(seconds: float) -> float:
    """An estimate no more precise than it can be: to 5 s under a minute, to 10 s above, never 0."""
    step = 5 if seconds < 60 else 10
    return max(step, round(seconds / step) * step)


def _kits(number: int) -> str:
    return f"{number} kit{'' if number == 1 else 's'}"


class Progress:
    """Counts the kits of one render and reports them; this base reports nothing (quiet).

    A render calls `start(total, cached)` (the kits found in the cache count as done at once), `advance(name, failed)`
    as each kit is done, rendered or failed, and `finish()` in the end, whatever happened. A reporter that
    `heartbeat`s runs a background thread calling `tick()` while the render lasts: a report is due even while
    no kit finishes, as when one large kit takes long.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, heartbeat: bool = False):
        self.clock, self.heartbeat = clock, heartbeat
        self.total = self.cached = self.done = self.failed = 0
        self.started = 0.0
        self.lock = threading.Lock()  # the heartbeat reports from its own thread
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, total: int, cached: int = 0) -> None:
        self.total, self.cached, self.done, self.failed, self.started = total, cached, cached, 0, self.clock()
        if self.heartbeat and total > cached:
            self.stopped.clear()
            self.thread = threading.Thread(target=self._beat, name="coachbook-progress", daemon=True)
            self.thread.start()

    def advance(self, name: str | None = None, failed: bool = False) -> None:
        with self.lock:
            self.done += 1
            self.failed += failed
            self._advanced(name)

    def tick(self) -> None:
        """Report what is due by now though no kit finished (the heartbeat calls it)."""
        with self.lock:
            if self.done < self.total:
                self._ticked()

    def finish(self) -> None:
        if self.thread is not None:
            self.stopped.set()
            self.thread.join()
            self.thread = None
        with self.lock:
            self._finished()

    @property
    def rendered(self) -> int:
        """The kits this render made, not found in the cache: what the rate is measured on."""
        return self.done - self.cached

    def seconds_left(self) -> float | None:
        """The time left at the rendering rate so far, rounded; None until ESTIMATE_AFTER kits have rendered."""
        elapsed = self.clock() - self.started
        if self.rendered < ESTIMATE_AFTER or elapsed <= 0 or self.done >= self.total:
            return None
        return _rounded_estimate((self.total - self.done) * elapsed / self.rendered)

    def _advanced(self, name: str | None) -> None:
        pass

    def _ticked(self) -> None:
        pass

    def _finished(self) -> None:
        pass

    def _next_tick(self) -> float:
        """Seconds until the heartbeat's next tick."""
        return 1.0

    def _beat(self) -> None:
        while not self.stopped.wait(max(0.0, self._next_tick())):
            self.tick()


class LineProgress(Progress):
    """Plain lines through `say` (a log's, or stderr's): one when rendering starts, then at least every
    `interval` seconds while it lasts (`each_kit`: also one per kit, naming it), and one at the end.

    Nothing at all when every kit came from the cache: the front end's summary says so.
    """

    def __init__(self, say: Callable[[str], None], *, each_kit: bool = False, interval: float = LINE_INTERVAL,
                 clock: Callable[[], float] = time.monotonic, heartbeat: bool = True):
        super().__init__(clock, heartbeat)
        self.say, self.each_kit, self.interval = say, each_kit, interval
        self.last_line = 0.0

    def start(self, total: int, cached: int = 0) -> None:
        if total > cached:
            self.started = self.clock()  # what the first line's time is measured from
            self._line(f"rendering {total - cached} of {_kits(total)}{_from_cache(cached)}")
        super().start(total, cached)

    def _advanced(self, name: str | None) -> None:
        if self.each_kit:
            self._line(self._status() + (f" ({name})" if name else ""))
        elif self.done < self.total:  # the last one gets the final line instead
            self._ticked()

    def _ticked(self) -> None:
        if self.clock() - self.last_line >= self.interval:
            self._line(self._status())

    def _finished(self) -> None:
        if self.total > self.cached:
            rendered = f"{self.done - self.failed} of {_kits(self.total)} rendered"
            failed = f", {self.failed} failed" if self.failed else ""
            self._line(f"{rendered} in {duration(self.clock() - self.started)}{_from_cache(self.cached)}{failed}")

    def _next_tick(self) -> float:
        return self.last_line + self.interval - self.clock()

    def _status(self) -> str:
        left = self.seconds_left()
        return f"{self.done} of {_kits(self.total)} rendered" + (f", about {duration(left)} left" if left else "")

    def _line(self, text: str) -> None:
        self.last_line = self.clock()
        self.say(PREFIX + text)


class BarProgress(Progress):
    """A live bar on a terminal (tqdm): kits done of the total, the time so far and, once ESTIMATE_AFTER kits have
    rendered, the time left, redrawn every second.

    Log lines written meanwhile through `loggers` go above the bar instead of through it.
    """

    def __init__(self, stream: TextIO, *, loggers: Sequence[logging.Logger] = (),
                 clock: Callable[[], float] = time.monotonic, heartbeat: bool = True):
        super().__init__(clock, heartbeat)
        self.stream, self.loggers = stream, list(loggers)
        self.bar = None
        self.redirected = ExitStack()

    def start(self, total: int, cached: int = 0) -> None:
        if total > cached:
            if self.loggers:
                self.redirected.enter_context(logging_redirect_tqdm(self.loggers, tqdm_class=tqdm))
            self.bar = tqdm(total=total, initial=cached, file=self.stream, dynamic_ncols=True, desc=PREFIX.rstrip(": "),
                            bar_format="{desc}: {n_fmt}/{total_fmt} kits |{bar}| {elapsed}{postfix}")
        super().start(total, cached)

    def _advanced(self, name: str | None) -> None:
        self._estimate()
        self.bar.update(1)

    def _ticked(self) -> None:
        self._estimate()
        self.bar.refresh()  # the time so far, and the estimate counting down

    def _estimate(self) -> None:
        left = self.seconds_left()
        self.bar.set_postfix_str(f"about {duration(left)} left" if left else "", refresh=False)

    def _finished(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(_from_cache(self.cached).strip(" ()"), refresh=False)
            self.bar.close()
            self.bar = None
        self.redirected.close()


def _from_cache(cached: int) -> str:
    return f" ({cached} from the cache)" if cached else ""


def progress_for(say: Callable[[str], None], stream: TextIO, *, quiet: bool, each_kit: bool = False,
                 loggers: Sequence[logging.Logger] = ()) -> Progress:
    """How a front end reports a render: nothing when `quiet`; a bar when `stream` is a terminal (unless
    `each_kit`, a line per kit); else plain lines through `say`."""
    if quiet:
        return Progress()
    if _is_terminal(stream) and not each_kit:
        return BarProgress(stream, loggers=loggers)
    return LineProgress(say, each_kit=each_kit)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False
