"""The key-sequence parser: key symbols in, officers' commands out (pure).

:class:`KeySequenceParser` is a state machine with no I/O, no clock of its own
and no threads: it is fed the symbols of :mod:`drivers.keypad.keymap` with a
clock reading and returns :class:`KeypadAction` / :class:`KeypadRejected`.
Half-typed input times out. ``* * code Enter`` (no PIN) is passed on as a
sign-in without a PIN, which the app refuses saying a PIN is needed. The PIN is
carried in :attr:`KeypadAction.pin`, never in a reason or a ``repr``. The
sequences (see docs/buttons-and-keypads.md):

    Enter                 next            .                 recall
    -                     no-show         +                 complete (opens the rating window)
    digits *              call that number
    digits +              call that number to collect its results (results ready)
    / digit(s) Enter      transfer to the n-th service of the config (1-based)
    / * digits Enter      attach the dossier code (mã hồ sơ) to the counter's ticket (1-40 digits)
    * digit(s) Enter      set the n-th priority group of the config (1-based; 0: no group)
    0 held 1 s            pause / resume  (the symbol ``long:0``)
    * * code * PIN Enter  sign in officer <code> with their PIN       * * Enter   sign out
    / / PIN Enter counter Enter   pair this keypad to <counter>
    Backspace             clear what was typed
"""

from __future__ import annotations

from collections.abc import Collection

from drivers.keypad.events import ActionKind, KeypadAction, KeypadDossier, KeypadRejected
from drivers.keypad.keymap import CLEAR, DIGITS, DOT, ENTER, LONG_ZERO, MINUS, PLUS, SLASH, STAR, SYMBOLS

#: Keys that act alone when nothing is half-typed.
SINGLE_KEY_ACTIONS: dict[str, ActionKind] = {ENTER: "next", DOT: "recall", MINUS: "no_show", PLUS: "complete"}

#: Keys that end a ticket number, and what the number is for.
NUMBER_ACTIONS: dict[str, ActionKind] = {STAR: "call_number", PLUS: "results_ready"}

# The parser's states: what the half-typed input is so far (_DISCARD: the rest of a refused number).
(_IDLE, _NUMBER, _STAR, _OFFICER, _OFFICER_PIN, _SLASH, _TRANSFER, _PAIR_PIN, _PAIR_COUNTER, _GROUP, _DOSSIER,
 _DISCARD) = range(12)
_MAX_SERVICE_DIGITS = 2
_MAX_GROUP_DIGITS = 2
_MAX_COUNTER_DIGITS = 3
_MAX_PIN_DIGITS = 8
#: The longest dossier code (the events' limit); a receipt's code typed as its digits fits.
MAX_DOSSIER_DIGITS = 40

#: What the parser returns for a key or a tick.
Output = KeypadAction | KeypadDossier | KeypadRejected


class KeySequenceParser:
    """Key symbols in, actions out. No I/O, no clock of its own, no threads.

    ``counter`` is the counter the keypad is paired to (None: only pairing is
    accepted). ``counters``/``service_count``/``group_count``, when given, let
    the parser reject a pairing to a counter, a transfer to a service or a
    priority group that does not exist.

    After a rejected digit the rest of that number is ignored until Enter, ``*``,
    ``+``, Backspace or the timeout, so ``1234567*`` with 6 digits allowed beeps
    once and calls nobody.
    """

    def __init__(
        self,
        counter: int | None,
        *,
        pairing_pin: str | None = None,
        timeout_s: float = 5.0,
        max_digits: int = 6,
        counters: Collection[int] | None = None,
        service_count: int | None = None,
        group_count: int | None = None,
        device: str = "",
    ) -> None:
        self.counter = counter
        self.pairing_pin = pairing_pin
        self.timeout_s = timeout_s
        self.max_digits = max_digits
        self.counters = counters
        self.service_count = service_count
        self.group_count = group_count
        self.device = device
        self._state = _IDLE
        self._digits = ""
        self._code = ""  # the officer code, while its PIN is typed
        self._last_key_at: float | None = None

    @property
    def idle(self) -> bool:
        """True when nothing is half-typed."""
        return self._state == _IDLE

    def feed(self, key: str, now: float) -> list[Output]:
        """One key symbol typed at clock time ``now``."""
        out = self.tick(now)
        self._last_key_at = now
        for item in self._step(key):
            pairing = isinstance(item, KeypadAction) and item.action == "pair"
            if not isinstance(item, KeypadRejected) and not pairing and self.counter is None:
                item = self._reject("this keypad is not paired: type / / PIN Enter counter Enter")
            out.append(item)
        return out

    def tick(self, now: float) -> list[Output]:
        """Drop half-typed input older than the timeout (with a beep, unless already beeped)."""
        if self._state == _IDLE or self._last_key_at is None or now - self._last_key_at < self.timeout_s:
            return []
        discarding = self._state == _DISCARD
        self._reset()
        return [] if discarding else [self._reject("timeout: half-typed input dropped")]

    # ---- internals --------------------------------------------------------

    def _reset(self) -> None:
        self._state = _IDLE
        self._digits = ""
        self._code = ""

    def _reject(self, reason: str) -> KeypadRejected:
        return KeypadRejected(self.counter, reason, self.device)

    def _garbage(self, key: str, reason: str, *, rest_follows: bool = False) -> list[Output]:
        # A bad digit means the person is still typing a number, and a refused
        # PIN is followed by the counter number: ignore the rest of it. Any
        # other key ends the sequence.
        self._digits = self._code = ""
        self._state = _DISCARD if key in DIGITS or rest_follows else _IDLE
        return [self._reject(reason)]

    def _action(self, action: ActionKind, value: str | None = None, pin: str | None = None) -> list[Output]:
        self._reset()
        return [KeypadAction(self.counter, action, value, pin)]

    def _add_digit(self, key: str, limit: int, what: str) -> list[Output]:
        if len(self._digits) >= limit:
            return self._garbage(key, f"{what} longer than {limit} digits")
        self._digits += key
        return []

    def _step(self, key: str) -> list[Output]:
        state = self._state
        if key == CLEAR:
            self._reset()
            return []
        if key == LONG_ZERO:
            if state == _IDLE:
                return self._action("pause_or_resume")
            return self._garbage(key, "hold 0 only when nothing is typed")
        if key not in SYMBOLS:
            return self._garbage(key, f"key {key} is not used")
        if state == _DISCARD:
            if key in (ENTER, STAR, PLUS):  # the keys that end a number
                self._reset()
            return []
        if state == _IDLE:
            if key in SINGLE_KEY_ACTIONS:
                return self._action(SINGLE_KEY_ACTIONS[key])
            if key in DIGITS:
                self._state, self._digits = _NUMBER, key
            elif key == STAR:
                self._state = _STAR
            else:  # SLASH: the only key left
                self._state = _SLASH
            return []
        if state == _NUMBER:
            if key in DIGITS:
                return self._add_digit(key, self.max_digits, "number")
            if key in NUMBER_ACTIONS:
                number = int(self._digits)
                if number < 1:
                    return self._garbage(key, "there is no ticket number 0")
                return self._action(NUMBER_ACTIONS[key], str(number))
            return self._garbage(key, f"a number then {key}: type * to call it, + to call it for its results")
        if state == _STAR:
            if key == STAR:
                self._state, self._digits = _OFFICER, ""
                return []
            if key in DIGITS:
                self._state, self._digits = _GROUP, key
                return []
            return self._garbage(key, f"* then {key}: sign in with * * code * PIN Enter, or * group Enter")
        if state == _GROUP:
            if key in DIGITS:
                return self._add_digit(key, _MAX_GROUP_DIGITS, "priority group position")
            if key == ENTER:
                index = int(self._digits)  # 0: the ticket has no priority group
                if self.group_count is not None and index > self.group_count:
                    return self._garbage(key, f"there is no priority group {index}")
                return self._action("set_group", str(index))
            return self._garbage(key, f"* group then {key}: set the priority group with * group Enter")
        if state == _OFFICER:
            if key in DIGITS:
                return self._add_digit(key, self.max_digits, "officer code")
            if key == ENTER:
                if self._digits:
                    return self._action("sign_in", self._digits)  # no PIN: the app says one is needed
                return self._action("sign_out")
            if key == STAR and self._digits:
                self._state, self._code, self._digits = _OFFICER_PIN, self._digits, ""
                return []
            return self._garbage(key, f"* * then {key}: sign in with * * code * PIN Enter")
        if state == _OFFICER_PIN:
            if key in DIGITS:
                return self._add_digit(key, _MAX_PIN_DIGITS, "PIN")
            if key == ENTER:
                return self._action("sign_in", self._code, self._digits)
            return self._garbage(key, f"* * code * PIN then {key}: end the PIN with Enter")
        if state == _SLASH:
            if key in DIGITS:
                self._state, self._digits = _TRANSFER, key
                return []
            if key == SLASH:
                self._state, self._digits = _PAIR_PIN, ""
                return []
            if key == STAR:
                self._state, self._digits = _DOSSIER, ""
                return []
            return self._garbage(key, f"/ then {key}: transfer with / service Enter")
        if state == _DOSSIER:
            if key in DIGITS:
                return self._add_digit(key, MAX_DOSSIER_DIGITS, "dossier code")
            if key == ENTER and self._digits:
                code = self._digits  # leading zeros count: they are part of the code
                self._reset()
                return [KeypadDossier(self.counter, code, self.device)]
            return self._garbage(key, f"/ * then {key}: type the dossier code's digits, then Enter")
        if state == _TRANSFER:
            if key in DIGITS:
                return self._add_digit(key, _MAX_SERVICE_DIGITS, "service position")
            if key == ENTER:
                index = int(self._digits)
                if index < 1 or (self.service_count is not None and index > self.service_count):
                    return self._garbage(key, f"there is no service {index}")
                return self._action("transfer", str(index))
            return self._garbage(key, f"/ service then {key}: transfer with / service Enter")
        if state == _PAIR_PIN:
            if key in DIGITS:
                return self._add_digit(key, _MAX_PIN_DIGITS, "PIN")
            if key == ENTER:
                if self.pairing_pin is None:
                    reason = "pairing from the keypad is off (no pairing_pin in [keypads])"
                    return self._garbage(key, reason, rest_follows=True)
                if self._digits != self.pairing_pin:
                    return self._garbage(key, "wrong pairing PIN", rest_follows=True)
                self._state, self._digits = _PAIR_COUNTER, ""
                return []
            return self._garbage(key, f"/ / PIN then {key}: pair with / / PIN Enter counter Enter")
        # _PAIR_COUNTER
        if key in DIGITS:
            return self._add_digit(key, _MAX_COUNTER_DIGITS, "counter number")
        if key == ENTER and self._digits:
            counter = int(self._digits)
            if counter < 1 or (self.counters is not None and counter not in self.counters):
                return self._garbage(key, f"there is no counter {counter}")
            return self._action("pair", str(counter))
        return self._garbage(key, f"/ / PIN Enter then {key}: type the counter number then Enter")
