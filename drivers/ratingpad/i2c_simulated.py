"""The simulated last hop of the expanders: an I2C bus with MCP23017 chips in memory.

:class:`SimulatedI2C` has the methods adafruit's ``I2CDevice`` calls on a bus
(``try_lock``, ``unlock``, ``writeto``, ``readfrom_into``,
``writeto_then_readfrom``, plus ``scan``), so the real
``adafruit_mcp230xx.mcp23017.MCP23017`` runs on it unchanged: only the wires
are simulated. Each :class:`SimulatedMCP23017` keeps the chip's registers
(IOCON.BANK = 0 layout: IODIRA 0x00 ... OLATB 0x15) with its sequential
register pointer, and the level of each pin seen from outside: a test, a demo
or the /sim page presses a button (:meth:`~SimulatedMCP23017.press`: the pin is
pulled to GND) and reads an LED (:meth:`~SimulatedMCP23017.lit`).

An address with no chip answers no byte: ``OSError`` errno 121 (Remote I/O
error), as Linux's i2c-dev does, so the library reports "No I2C device at
address" as it would on a Pi.
"""

from __future__ import annotations

import errno
import threading
from typing import Any

# Register addresses, IOCON.BANK = 0 (the power-on layout the library uses): A and B side by side.
IODIRA, IPOLA, GPINTENA, DEFVALA, INTCONA, IOCON, GPPUA, INTFA, INTCAPA, GPIOA, OLATA = (
    0x00, 0x02, 0x04, 0x06, 0x08, 0x0A, 0x0C, 0x0E, 0x10, 0x12, 0x14,
)
_REGISTERS = 0x16


class SimulatedMCP23017:
    """One MCP23017's registers and the outside level of its 16 pins (0-7 GPA0-7, 8-15 GPB0-7)."""

    def __init__(self) -> None:
        self.registers = bytearray(_REGISTERS)
        self.registers[IODIRA] = self.registers[IODIRA + 1] = 0xFF  # power-on: all inputs
        self._pointer = 0
        self._grounded: set[int] = set()  # pins held at GND from outside (a pressed button)
        self.writes = 0  # register bytes written, for tests that count bus traffic
        self.port_reads = 0  # reads of GPIOA: how many times the pins have been looked at

    def _pair(self, register: int) -> int:
        """The 16-bit value of a register pair (A low byte, B high byte)."""
        return self.registers[register] | (self.registers[register + 1] << 8)

    def press(self, pin: int) -> None:
        """Close the button on ``pin``: the pin is connected to GND."""
        self._grounded.add(pin)

    def release(self, pin: int) -> None:
        """Open the button on ``pin`` again."""
        self._grounded.discard(pin)

    def level(self, pin: int) -> bool:
        """What the chip reads on ``pin``: an output reads its latch; an input reads GND when grounded,
        high through its pull-up, and (as a floating CMOS input may) low without one."""
        bit = 1 << pin
        if not self._pair(IODIRA) & bit:
            return bool(self._pair(OLATA) & bit)
        if pin in self._grounded:
            return False
        return bool(self._pair(GPPUA) & bit)

    def lit(self, pin: int) -> bool:
        """Is the LED on ``pin`` lit: an output driven high?"""
        bit = 1 << pin
        return not self._pair(IODIRA) & bit and bool(self._pair(OLATA) & bit)

    def _read_byte(self) -> int:
        register = self._pointer
        self._pointer = (self._pointer + 1) % _REGISTERS
        if register in (GPIOA, GPIOA + 1):
            self.port_reads += register == GPIOA
            base = 0 if register == GPIOA else 8
            return sum(1 << i for i in range(8) if self.level(base + i))
        return self.registers[register]

    def write(self, data: bytes) -> None:
        """An I2C write: the register address, then bytes written from there on."""
        if not data:
            return  # a probe: the chip acknowledges its address
        self._pointer = data[0] % _REGISTERS
        for value in data[1:]:
            register = self._pointer
            self._pointer = (self._pointer + 1) % _REGISTERS
            # Writing GPIO writes the output latch (datasheet 3.5.10).
            target = OLATA + (register - GPIOA) if register in (GPIOA, GPIOA + 1) else register
            self.registers[target] = value
            self.writes += 1

    def read(self, count: int) -> bytes:
        """An I2C read of ``count`` bytes from the register pointer on."""
        return bytes(self._read_byte() for _ in range(count))


class SimulatedI2C:
    """An I2C bus (the part of ``busio.I2C`` adafruit's I2CDevice uses) with chips by address."""

    def __init__(self, number: int = 1) -> None:
        self.number = number
        self.chips: dict[int, SimulatedMCP23017] = {}
        self._lock = threading.Lock()
        self._chips_lock = threading.Lock()  # a test plugs chips while the poller reads

    def plug(self, address: int) -> SimulatedMCP23017:
        """Put a (new, powered-on) MCP23017 at ``address``."""
        chip = SimulatedMCP23017()
        with self._chips_lock:
            self.chips[address] = chip
        return chip

    def unplug(self, address: int) -> None:
        """Take the chip at ``address`` off the bus (a loose wire)."""
        with self._chips_lock:
            self.chips.pop(address, None)

    def _chip(self, address: int) -> SimulatedMCP23017:
        with self._chips_lock:
            chip = self.chips.get(address)
        if chip is None:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        return chip

    def try_lock(self) -> bool:
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def scan(self) -> list[int]:
        """The addresses that answer (what ``i2cdetect`` shows)."""
        with self._chips_lock:
            return sorted(self.chips)

    def writeto(self, address: int, buffer: Any, *, start: int = 0, end: int | None = None) -> None:
        self._chip(address).write(bytes(buffer[start:end]))

    def readfrom_into(self, address: int, buffer: Any, *, start: int = 0, end: int | None = None) -> None:
        end = len(buffer) if end is None else end
        buffer[start:end] = self._chip(address).read(end - start)

    def writeto_then_readfrom(
        self, address: int, buffer_out: Any, buffer_in: Any, *,
        out_start: int = 0, out_end: int | None = None, in_start: int = 0, in_end: int | None = None,
    ) -> None:
        chip = self._chip(address)
        chip.write(bytes(buffer_out[out_start:out_end]))
        in_end = len(buffer_in) if in_end is None else in_end
        buffer_in[in_start:in_end] = chip.read(in_end - in_start)

    def deinit(self) -> None:
        """Nothing to release (the real bus closes its file)."""


class SimulatedBuses:
    """The simulated backend's I2C buses by number; its :meth:`open` is the expanders' bus opener."""

    def __init__(self) -> None:
        self.buses: dict[int, SimulatedI2C] = {}

    def open(self, number: int) -> SimulatedI2C:
        """The bus ``number`` (made empty the first time)."""
        return self.buses.setdefault(number, SimulatedI2C(number))

    def chip(self, bus: int, address: int) -> SimulatedMCP23017:
        """The chip at ``address`` on ``bus`` (KeyError if none)."""
        return self.buses[bus].chips[address]
