"""Read an ESC/POS byte stream back: the raster images in it and whether it cuts.

python-escpos only writes. This reader understands the commands the kiosk sends
(and a few common neighbours), so tests and the simulated printer
(:mod:`drivers.printer.simulated`) can turn the exact bytes sent to a printer
back into the picture the printer would print.

Only what is needed is decoded: ``GS v 0`` raster images become images, other
known commands are listed by name, and anything unknown is an error (so a test
notices when something other than a raster and a cut is sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

ESC = 0x1B
GS = 0x1D
DLE = 0x10


@dataclass(frozen=True)
class EscposJob:
    """What a byte stream asks the printer to do."""

    commands: tuple[str, ...]  # in order, e.g. ("ESC @", "GS v 0", "ESC d", "GS V")
    rasters: tuple[Image.Image, ...]  # each GS v 0 image, mode "1", black = printed
    cut: bool  # a cut command follows the last raster image
    cut_mode: str | None  # "full" or "partial" for the last cut, None without one
    text: bytes  # printable bytes sent in text mode (should be empty for tickets)

    def image(self) -> Image.Image:
        """All raster images stacked top to bottom: the printed picture."""
        return stack(list(self.rasters))


def stack(images: list[Image.Image]) -> Image.Image:
    """Stack images vertically (left-aligned) into one mode "1" image."""
    if not images:
        raise ValueError("no raster image to stack")
    width = max(img.width for img in images)
    out = Image.new("1", (width, sum(img.height for img in images)), 1)
    y = 0
    for img in images:
        out.paste(img, (0, y))
        y += img.height
    return out


def _need(data: bytes, pos: int, count: int, name: str) -> None:
    if pos + count > len(data):
        raise ValueError(f"{name} at byte {pos} is cut short: needs {count} bytes, {len(data) - pos} left")


def decode(data: bytes) -> EscposJob:
    """Parse ``data``; raise ``ValueError`` naming the byte offset of anything not understood."""
    commands: list[str] = []
    rasters: list[Image.Image] = []
    text = bytearray()
    cut_mode: str | None = None
    cut_after_last_raster = False
    pos = 0
    n = len(data)
    while pos < n:
        byte = data[pos]
        if byte == ESC:
            _need(data, pos, 2, "ESC command")
            op = data[pos + 1]
            if op == ord("@"):
                commands.append("ESC @")
                pos += 2
            elif op in (ord("d"), ord("J"), ord("a"), ord("3"), ord("!"), ord("E"), ord("-"), ord("M")):
                _need(data, pos, 3, f"ESC {chr(op)}")
                commands.append(f"ESC {chr(op)}")
                pos += 3
            elif op == ord("2"):
                commands.append("ESC 2")
                pos += 2
            else:
                raise ValueError(f"unknown command ESC 0x{op:02x} at byte {pos}")
        elif byte == GS:
            _need(data, pos, 2, "GS command")
            op = data[pos + 1]
            if op == ord("v"):
                _need(data, pos, 8, "GS v 0")
                if data[pos + 2] not in (0x30, 0x00):
                    raise ValueError(f"GS v with function 0x{data[pos + 2]:02x} at byte {pos} is not GS v 0")
                density = data[pos + 3]
                width_bytes = data[pos + 4] | data[pos + 5] << 8
                height = data[pos + 6] | data[pos + 7] << 8
                size = width_bytes * height
                _need(data, pos + 8, size, "GS v 0 image data")
                raw = data[pos + 8 : pos + 8 + size]
                # In ESC/POS a set bit is a printed (black) dot; in Pillow's
                # mode "1" a set bit is white, hence the inverting raw mode.
                image = Image.frombytes("1", (width_bytes * 8, height), raw, "raw", "1;I")
                if density & 1:  # double width
                    image = image.resize((image.width * 2, image.height), Image.Resampling.NEAREST)
                if density & 2:  # double height
                    image = image.resize((image.width, image.height * 2), Image.Resampling.NEAREST)
                rasters.append(image)
                commands.append("GS v 0")
                cut_after_last_raster = False
                pos += 8 + size
            elif op == ord("V"):
                _need(data, pos, 3, "GS V")
                mode = data[pos + 2]
                if mode in (0, 48):
                    cut_mode, length = "full", 3
                elif mode in (1, 49):
                    cut_mode, length = "partial", 3
                elif mode in (65, 97, 103):
                    cut_mode, length = "full", 4
                elif mode in (66, 98, 104):
                    cut_mode, length = "partial", 4
                else:
                    raise ValueError(f"GS V with unknown mode {mode} at byte {pos}")
                _need(data, pos, length, "GS V")
                commands.append("GS V")
                cut_after_last_raster = True
                pos += length
            elif op in (ord("a"), ord("!"), ord("B")):
                _need(data, pos, 3, f"GS {chr(op)}")
                commands.append(f"GS {chr(op)}")
                pos += 3
            else:
                raise ValueError(f"unknown command GS 0x{op:02x} at byte {pos}")
        elif byte == DLE:
            _need(data, pos, 3, "DLE command")
            if data[pos + 1] != 0x04:
                raise ValueError(f"unknown command DLE 0x{data[pos + 1]:02x} at byte {pos}")
            commands.append("DLE EOT")
            pos += 3
        elif byte in (0x0A, 0x0D):
            commands.append("LF" if byte == 0x0A else "CR")
            pos += 1
        elif byte >= 0x20:
            # Printable bytes are text-mode printing.
            if not commands or commands[-1] != "text":
                commands.append("text")
            text.append(byte)
            pos += 1
        else:
            raise ValueError(f"unknown control byte 0x{byte:02x} at byte {pos}")
    return EscposJob(
        commands=tuple(commands),
        rasters=tuple(rasters),
        cut=bool(rasters) and cut_after_last_raster,
        cut_mode=cut_mode,
        text=bytes(text),
    )


def decode_rasters(data: bytes) -> list[Image.Image]:
    """The ``GS v 0`` raster images in ``data``, in order (mode "1", black = printed).

    Use :func:`decode` to also learn whether a cut followed, or
    :func:`stack` to join the images into the whole printed picture.
    """
    return list(decode(data).rasters)
