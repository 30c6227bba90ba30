"""A machine-readable clock burned into simulated frames, to measure glass-to-glass latency.

The wall-clock time a frame was drawn, in epoch milliseconds, is written as a
row of :data:`CELLS` black/white cells across the frame (white = 1, most
significant bit first): :data:`DATA_BITS` bits of time (enough until the year
2109) then :data:`CHECK_BITS` check bits, so a frame whose row was damaged by
compression, or that has no row at all, decodes to ``None`` rather than to a
wrong time. The row's place is given as fractions of the frame, so it decodes at
any size: from the 1280x720 main stream and from the 320x180 thumbnail alike.

:func:`burn` draws it (Pillow), :func:`decode_rgb` reads it back from RGB
pixels (Python: ffmpeg's ``rawvideo rgb24`` output or a Pillow image), and
:data:`JS_DECODER` is the same decoder for a browser, run on a canvas the
``<video>`` was drawn onto.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

DATA_BITS = 42
CHECK_BITS = 6
CELLS = DATA_BITS + CHECK_BITS
#: The row of cells, top and bottom, as fractions of the frame's height (below the simulated banner).
ROW_TOP = 52 / 720
ROW_BOTTOM = 92 / 720


def check_bits(value: int) -> int:
    """The 6 check bits of a 42-bit value: its seven 6-bit groups summed, modulo 64, xor 0b101010.

    The xor makes an all-black and an all-white row invalid.
    """
    total = sum((value >> shift) & 0x3F for shift in range(0, DATA_BITS, 6))
    return (total % 64) ^ 0b101010


def encode(epoch_ms: int) -> list[int]:
    """The cells for ``epoch_ms``, left to right (1 = white)."""
    if not 0 <= epoch_ms < 1 << DATA_BITS:
        raise ValueError(f"{epoch_ms} does not fit in {DATA_BITS} bits")
    word = (epoch_ms << CHECK_BITS) | check_bits(epoch_ms)
    return [(word >> (CELLS - 1 - i)) & 1 for i in range(CELLS)]


def cell_box(index: int, width: int, height: int) -> tuple[int, int, int, int]:
    """Cell ``index``'s rectangle (left, top, right, bottom; right and bottom exclusive) in a frame."""
    return (
        round(index * width / CELLS), round(ROW_TOP * height),
        round((index + 1) * width / CELLS), round(ROW_BOTTOM * height),
    )


def burn(image: Image.Image, epoch_ms: int) -> None:
    """Draw the cells of ``epoch_ms`` onto ``image`` (RGB, changed in place)."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    width, height = image.size
    for index, bit in enumerate(encode(epoch_ms)):
        left, top, right, bottom = cell_box(index, width, height)
        draw.rectangle((left, top, right - 1, bottom - 1), fill=(255, 255, 255) if bit else (0, 0, 0))


def decode_rgb(pixels: bytes | bytearray | memoryview, width: int, height: int) -> int | None:
    """The epoch milliseconds burned into a frame of packed RGB24 ``pixels``, or ``None``.

    Each cell is read as the mean brightness of its middle half (compression
    blurs the edges); ``None`` when the check bits do not match.
    """
    if len(pixels) < width * height * 3:
        raise ValueError(f"{len(pixels)} bytes are fewer than {width}x{height} RGB pixels")
    word = 0
    for index in range(CELLS):
        left, top, right, bottom = cell_box(index, width, height)
        x0, x1 = left + (right - left) // 4, right - (right - left) // 4
        y0, y1 = top + (bottom - top) // 4, bottom - (bottom - top) // 4
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
        total = count = 0
        for y in range(y0, y1):
            row = y * width * 3
            for x in range(x0, x1):
                at = row + 3 * x
                total += pixels[at] + pixels[at + 1] + pixels[at + 2]
                count += 3
        word = (word << 1) | (total > 127.5 * count)
    value, check = word >> CHECK_BITS, word & ((1 << CHECK_BITS) - 1)
    return value if check == check_bits(value) else None


def decode_image(image: Image.Image) -> int | None:
    """The epoch milliseconds burned into a Pillow image, or ``None``."""
    rgb = image.convert("RGB")
    return decode_rgb(rgb.tobytes(), *rgb.size)


#: The decoder for a browser: ``decodeClockCode(imageData)`` takes the ``ImageData`` of a canvas
#: (``ctx.getImageData(0, 0, w, h)``) and returns the epoch milliseconds, or ``null``.
#: JavaScript numbers hold integers up to 2^53, so 48 bits are exact (no bitwise operators above 2^31).
JS_DECODER = f"""
function decodeClockCode(imageData) {{
  const CELLS = {CELLS}, CHECK_BITS = {CHECK_BITS}, DATA_BITS = {DATA_BITS};
  const TOP = {ROW_TOP!r}, BOTTOM = {ROW_BOTTOM!r};
  const w = imageData.width, h = imageData.height, d = imageData.data;
  const bits = [];
  for (let i = 0; i < CELLS; i++) {{
    const left = Math.round(i * w / CELLS), right = Math.round((i + 1) * w / CELLS);
    const top = Math.round(TOP * h), bottom = Math.round(BOTTOM * h);
    const x0 = left + Math.floor((right - left) / 4);
    const x1 = Math.max(right - Math.floor((right - left) / 4), x0 + 1);
    const y0 = top + Math.floor((bottom - top) / 4);
    const y1 = Math.max(bottom - Math.floor((bottom - top) / 4), y0 + 1);
    let total = 0, count = 0;
    for (let y = y0; y < y1; y++) {{
      for (let x = x0; x < x1; x++) {{
        const at = 4 * (y * w + x);
        total += d[at] + d[at + 1] + d[at + 2];
        count += 3;
      }}
    }}
    bits.push(total > 127.5 * count ? 1 : 0);
  }}
  let value = 0;
  for (let i = 0; i < DATA_BITS; i++) value = value * 2 + bits[i];
  let check = 0;
  for (let i = DATA_BITS; i < CELLS; i++) check = check * 2 + bits[i];
  let sum = 0, rest = value;
  for (let g = 0; g < DATA_BITS / 6; g++) {{ sum += rest % 64; rest = Math.floor(rest / 64); }}
  return ((sum % 64) ^ 42) === check ? value : null;
}}
"""
