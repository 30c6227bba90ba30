"""Show a sample board: a quick check of a screen, or a PNG without one.

    python -m drivers.board                       # on the screen for 30 s
    python -m drivers.board --seconds 0 --png /tmp/board.png --simulated --size 1366x768
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

from drivers.base import DeviceError
from drivers.board import Banner, BoardConfig, BoardState, CounterCall, ServiceQueue, open_board


def sample_state(banner: bool = True) -> BoardState:
    """A board like a real office's, with every part filled in (the names are made up)."""
    numbers = {1: "1001", 2: "2003", 3: "1005", 4: "3002", 5: None, 6: "1004"}
    names = {2: "Trần T. B.", 3: "Nguyễn V. A."}
    return BoardState(
        unit_name_vi="Phòng Cảnh sát giao thông – Công an tỉnh Quảng Ninh",
        unit_name_en="Traffic Police Division – Quang Ninh Provincial Police",
        languages=("vi", "en"),
        counters=[CounterCall(c, f"Quầy {c}", f"Counter {c}", n, c == 3, name=names.get(c), results=c == 2)
                  for c, n in numbers.items()],
        services=[
            ServiceQueue("Đăng ký xe ô tô", "Car registration", 12),
            ServiceQueue("Đăng ký xe mô tô, xe gắn máy, xe máy điện", "Motorcycle, moped and e-bike registration", 7),
            ServiceQueue("Xử lý vi phạm hành chính về trật tự, an toàn giao thông", "Traffic violations", 0,
                         "Hôm nay không làm việc", "Closed today"),
        ],
        notices=("Công dân vui lòng giữ trật tự và chờ đến lượt",
                 "Mọi thắc mắc xin liên hệ cán bộ hướng dẫn"),
        hotline="0203 3825 123",
        banners=(Banner.paper_out(),) if banner else (),
        notice_vi="Họ tên công dân chỉ dùng để gọi tên và được xóa cuối ngày (Nghị định 13/2023/NĐ-CP).",
        notice_en="Names are used only to call citizens and are deleted at the end of the day.",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.board", description=__doc__.splitlines()[0])
    parser.add_argument("--simulated", action="store_true", help="draw without a screen (SDL dummy driver)")
    parser.add_argument("--size", default="0x0", help="WIDTHxHEIGHT; 0x0 = the screen's size (or 1920x1080)")
    parser.add_argument("--window", action="store_true", help="a window instead of full screen")
    parser.add_argument("--video-driver", default="", help="SDL video driver, e.g. kmsdrm")
    parser.add_argument("--seconds", type=float, default=30, help="how long to show it")
    parser.add_argument("--png", help="also save the frame to this PNG file")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    config = BoardConfig(backend="simulated" if args.simulated else "real", width=width, height=height,
                         fullscreen=not args.window, video_driver=args.video_driver)
    try:
        board = open_board(config)
    except DeviceError as exc:
        print(exc, file=sys.stderr)
        return 1
    with board:
        board.tick(datetime.now())
        board.show(sample_state())
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            board.tick(datetime.now())
            time.sleep(board.frame_interval)
        if args.png:
            print(board.save_png(args.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
