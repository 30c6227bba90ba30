"""Contact debounce and long-press detection for one push button, in pure code.

A mechanical button does not close cleanly: for a few milliseconds the contact
bounces and the GPIO line sees many edges. gpiozero's own ``bounce_time`` is
handled differently by each pin library and its mock pin factory does not
simulate bounce at all, so the kiosk debounces in this module, which takes the
edges and a clock reading and nothing else. It is tested directly with a fake
clock.

The rule: a level counts only once the line has *stayed* at it for
``debounce_s``. A burst of edges therefore gives exactly one press (when the
contact settles), and a short spike of electrical noise on a long cable gives
none. The cost is that a press is reported ``debounce_s`` after the contact
settles (30 ms by default: nobody notices).

A press held for ``long_press_s`` or more also gives a :class:`LongPress`, once,
while the button is still held. What a long press means is up to the caller
(see :mod:`drivers.buttons.panel`: for citizens it never changes the ticket).

Nothing here is thread-safe by itself: the caller holds a lock around every call.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Press:
    """The button is down and has settled (``at``: clock time it was accepted)."""

    at: float


@dataclass(frozen=True)
class Release:
    """The button is up and has settled; ``held`` is how long it was down (s)."""

    at: float
    held: float


@dataclass(frozen=True)
class LongPress:
    """The button has been held down for the long-press time (sent once per press)."""

    at: float


ButtonEvent = Press | Release | LongPress


class Debouncer:
    """Turn raw edges of one button into :class:`Press`, :class:`Release` and
    :class:`LongPress` events.

    Feed every edge with :meth:`edge` and call :meth:`poll` at (or after) the
    time :meth:`deadline` returns: events that only the passing of time can
    produce (a press that has now been stable long enough, a long press) come
    from :meth:`poll`. Calling :meth:`poll` late is harmless: the events carry the
    time they became true, not the time they were noticed.
    """

    def __init__(self, debounce_s: float, long_press_s: float, *, pressed: bool = False, now: float = 0.0) -> None:
        """``pressed`` is the level read at start-up; ``now`` the clock then."""
        if debounce_s <= 0 or long_press_s <= debounce_s:
            raise ValueError("need 0 < debounce_s < long_press_s")
        self.debounce_s = debounce_s
        self.long_press_s = long_press_s
        self._stable = pressed  # the accepted level
        self._raw = pressed  # the level the line is at now
        self._raw_since = now  # time of the last edge
        # A button already held at start-up counts as pressed since then, so a
        # stuck button is reported as a long press but never as a press.
        self._pressed_at = now
        self._long_sent = False

    @property
    def pressed(self) -> bool:
        """The debounced level: True while the button is (accepted as) down."""
        return self._stable

    def edge(self, pressed: bool, now: float) -> list[ButtonEvent]:
        """The line changed to ``pressed`` (True = contact closed) at ``now``."""
        # First settle whatever was true up to this edge: the line sat at the
        # previous level from the previous edge until now.
        events = self.poll(now)
        # A repeated level means edges were missed in between (a very short
        # glitch); either way the line was not stable, so restart the wait.
        self._raw = pressed
        self._raw_since = now
        return events

    def poll(self, now: float) -> list[ButtonEvent]:
        """Events that became true by ``now`` without a new edge."""
        events: list[ButtonEvent] = []
        self._check_long(now, events)
        if self._raw != self._stable and now - self._raw_since >= self.debounce_s:
            accepted_at = self._raw_since + self.debounce_s
            self._stable = self._raw
            if self._stable:
                self._pressed_at = self._raw_since
                self._long_sent = False
                events.append(Press(accepted_at))
                self._check_long(now, events)
            else:
                events.append(Release(accepted_at, held=self._raw_since - self._pressed_at))
        return events

    def _check_long(self, now: float, events: list[ButtonEvent]) -> None:
        if not self._stable or self._long_sent:
            return
        # The contact was closed from _pressed_at until now, or until the last
        # edge if the line has since gone up (a release not yet settled).
        held_until = now if self._raw else self._raw_since
        if held_until - self._pressed_at >= self.long_press_s:
            self._long_sent = True
            events.append(LongPress(self._pressed_at + self.long_press_s))

    def deadline(self) -> float | None:
        """The next clock time at which :meth:`poll` may produce an event, or None."""
        if self._raw != self._stable:
            return self._raw_since + self.debounce_s
        if self._stable and not self._long_sent:
            return self._pressed_at + self.long_press_s
        return None
