"""The bytes of a ticket: the pipeline both backends share.

A ticket is one image (see :mod:`drivers.printer.ticket`) printed as ``GS v 0``
raster bands and then cut; text mode is never used, because cheap printers
cannot print Vietnamese in it. :func:`ticket_bytes` builds those bytes with
Pillow alone, so the simulated printer writes exactly what the real one sends,
and neither needs python-escpos to build them. They are byte for byte what
python-escpos's ``Dummy`` printer makes from ``hw("INIT")``,
``image(..., impl="bitImageRaster")`` per band and ``cut()`` (tests check this).
"""

from __future__ import annotations

from PIL import Image

#: The tallest raster band sent in one ``GS v 0`` command. Small bands keep
#: cheap printers with small buffers in step.
MAX_BAND_HEIGHT = 256
# Some cheap 58 mm printers (e.g. the common POS-5890K, USB 0416:5011) print
# garbage after a GS v 0 image whose height is a multiple of 48 dots; no band
# we send has such a height.
_BAD_BAND_MULTIPLE = 48

RESET = b"\x1b@"  # ESC @: clear the buffer and reset every mode
FEED_PAST_CUTTER = b"\x1bd\x06"  # ESC d 6: print and feed 6 lines, as python-escpos's cut() does
CUT_FULL = b"\x1dV\x00"  # GS V 0
CUT_PARTIAL = b"\x1dV\x01"  # GS V 1: leaves a small tab, the ticket hangs until taken

_INVERT = bytes(255 - i for i in range(256))


def raster_bands(height: int) -> list[tuple[int, int]]:
    """Split ``height`` rows into bands of at most :data:`MAX_BAND_HEIGHT` rows.

    No band's height is a multiple of 48 (see ``_BAD_BAND_MULTIPLE``); bands are
    (top, bottom) row ranges, bottom exclusive.
    """
    bands: list[tuple[int, int]] = []
    top = 0
    while top < height:
        size = min(MAX_BAND_HEIGHT, height - top)
        if size % _BAD_BAND_MULTIPLE == 0:
            size -= 8  # the rest goes into the next band
        bands.append((top, top + size))
        top += size
    return bands


def raster_command(band: Image.Image) -> bytes:
    """``GS v 0`` for a mode-"1" image whose width is a multiple of 8.

    The same bytes as python-escpos's ``image(impl="bitImageRaster")`` (a test
    checks this), built with Pillow's packing in C rather than python-escpos's
    per-pixel Python loop: about 1 ms instead of 8 for an 80 mm ticket, which
    keeps a button press within its 50 ms budget.
    """
    if band.mode != "1" or band.width % 8:
        raise ValueError("raster_command needs a mode-1 image whose width is a multiple of 8")
    width_bytes, height = band.width // 8, band.height
    header = b"\x1dv0\x00" + bytes([width_bytes & 0xFF, width_bytes >> 8, height & 0xFF, height >> 8])
    return header + band.tobytes().translate(_INVERT)  # Pillow packs 1 = white; ESC/POS prints 1


def ticket_bytes(image: Image.Image, width_dots: int, cut: str = "partial") -> bytes:
    """The ESC/POS bytes that print ``image`` as raster bands and cut the paper.

    ``ESC @`` (reset), one ``GS v 0`` command per band (see
    :func:`raster_bands`), then a feed past the cutter and ``GS V`` (a partial
    cut for ``cut="partial"``, else a full one). ``image`` must be at most
    ``width_dots`` wide; black (or dark) pixels are printed.
    """
    if image.width > width_dots:
        raise ValueError(f"the ticket image is {image.width} dots wide; the paper holds {width_dots}")
    if image.height == 0:
        raise ValueError("the ticket image is empty")
    if image.mode != "1":
        image = image.convert("1")
    if image.width % 8:
        # Rows are whole bytes: pad on the right with blank (white) dots, as
        # python-escpos does.
        padded = Image.new("1", ((image.width + 7) // 8 * 8, image.height), 1)
        padded.paste(image, (0, 0))
        image = padded
    parts = [RESET]
    for top, bottom in raster_bands(image.height):
        parts.append(raster_command(image.crop((0, top, image.width, bottom))))
    parts += [FEED_PAST_CUTTER, CUT_PARTIAL if cut == "partial" else CUT_FULL]
    return b"".join(parts)
