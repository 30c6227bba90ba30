"""Domain errors: an illegal step, explained to a person in Vietnamese and English.

The engine raises :class:`DomainError` with a ``code`` (for programs: the keypad
beeps, the board shows a banner) and parameters; :meth:`DomainError.text` gives
the sentence in either language.
"""

from __future__ import annotations

from typing import Any

# code -> (Vietnamese, English). Placeholders are filled from the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_service": ("Không có dịch vụ {service!r}", "there is no service {service!r}"),
    "unknown_service_number": (
        "Không có dịch vụ số {number} (có {count} dịch vụ)",
        "there is no service number {number} (there are {count})",
    ),
    "unknown_counter": ("Không có quầy số {counter}", "there is no counter {counter}"),
    "priority_not_allowed": (
        "Dịch vụ {service_name} không cấp số ưu tiên",
        "service {service_name} does not take priority tickets",
    ),
    "closed_today": (
        "Dịch vụ {service_name} hôm nay không làm việc; mở lại {next_day_vi} lúc {opens}",
        "service {service_name} is closed today; it opens {next_day_en} at {opens}",
    ),
    "not_open_yet": (
        "Dịch vụ {service_name} chưa mở cửa; mở lúc {opens}",
        "service {service_name} is not open yet; it opens at {opens}",
    ),
    "closed_for_today": (
        "Dịch vụ {service_name} đã hết giờ làm việc hôm nay; mở lại {next_day_vi} lúc {opens}",
        "service {service_name} has closed for today; it opens {next_day_en} at {opens}",
    ),
    "daily_cap": (
        "Dịch vụ {service_name} đã cấp đủ {cap} số hôm nay",
        "service {service_name} has issued its {cap} tickets for today",
    ),
    "counter_busy": (
        "Quầy {counter} đang phục vụ số {number}: hãy hoàn thành hoặc báo vắng trước",
        "counter {counter} still has ticket {number}: complete it or mark a no-show first",
    ),
    "counter_paused": ("Quầy {counter} đang tạm dừng: hãy mở lại trước", "counter {counter} is paused: resume it first"),
    "counter_closed": ("Quầy {counter} đã đóng: hãy mở lại trước", "counter {counter} is closed: resume it first"),
    "counter_not_paused": ("Quầy {counter} không tạm dừng", "counter {counter} is not paused or closed"),
    "counter_already": ("Quầy {counter} đã ở trạng thái {state_vi}", "counter {counter} is already {state}"),
    "nobody_waiting": (
        "Không có công dân nào đang chờ tại quầy {counter}",
        "no one is waiting for counter {counter}'s services",
    ),
    "no_ticket": ("Quầy {counter} không có số nào để {action_vi}", "counter {counter} has no ticket to {action}"),
    "already_serving": (
        "Số {number} đang được phục vụ tại quầy {counter}",
        "ticket {number} is already being served at counter {counter}",
    ),
    "ticket_not_found": ("Hôm nay không có số {number}", "there is no ticket {number} today"),
    "ticket_at_counter": ("Số {number} đang ở quầy {counter}", "ticket {number} is at counter {counter}"),
    "ticket_done": ("Số {number} đã được phục vụ xong", "ticket {number} has already been served"),
    "ticket_no_show": (
        "Số {number} đã bị báo vắng: hãy khôi phục trước",
        "ticket {number} was marked no-show: reactivate it first",
    ),
    "ticket_not_no_show": ("Số {number} không bị báo vắng", "ticket {number} is not marked no-show"),
    "same_service": ("Số {number} đã thuộc dịch vụ {service_name}", "ticket {number} is already in {service_name}"),
    "no_officer": ("Chưa có cán bộ đăng nhập tại quầy {counter}", "no officer is signed in at counter {counter}"),
    "bad_officer_code": (
        "Mã cán bộ {officer!r} không hợp lệ (1-8 chữ số)",
        "officer code {officer!r} is not valid (1 to 8 digits)",
    ),
    "bad_name": (
        "Tên không hợp lệ (chỉ chữ cái, tối đa 60 ký tự)",
        "the name is not valid (letters only, at most 60 characters)",
    ),
    "unknown_group": ("Không có nhóm ưu tiên {group!r}", "there is no priority group {group!r}"),
    "unknown_group_number": (
        "Không có nhóm ưu tiên số {number} (có {count} nhóm)",
        "there is no priority group number {number} (there are {count})",
    ),
    "not_awaiting_results": (
        "Số {number} không chờ trả kết quả",
        "ticket {number} is not waiting for a result to be handed over",
    ),
    "results_not_found": (
        "Không có số {number} đang chờ trả kết quả",
        "no ticket {number} is waiting for its result",
    ),
    "results_at_counter": (
        "Kết quả của số {number} đang được gọi tại quầy {counter}",
        "the result of ticket {number} is being called at counter {counter}",
    ),
    "results_call": (
        "Quầy {counter} đang gọi trả kết quả số {number}: không thể {action_vi}",
        "counter {counter} is calling ticket {number} to collect a result: it cannot {action}",
    ),
    "bad_rating_level": ("Không có mức đánh giá {level}", "there is no rating level {level}"),
    "bad_dossier_code": (
        "Mã hồ sơ {dossier!r} không hợp lệ (1-40 ký tự: chữ, số, dấu . / -)",
        "dossier code {dossier!r} is not valid (1 to 40 letters, digits, '.', '/' or '-')",
    ),
    "bad_dossier_source": (
        "Nguồn mã hồ sơ {source!r} không hợp lệ",
        "dossier code source {source!r} is not keypad, scanner or web",
    ),
    "no_ticket_for_dossier": (
        "Quầy {counter} không có số nào để gắn mã hồ sơ",
        "counter {counter} has no ticket to attach the dossier code to",
    ),
}


class DomainError(Exception):
    """An illegal step in the queue, e.g. ``counter 3 has no ticket to complete``."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(self.text("en"))

    def text(self, lang: str = "vi") -> str:
        """The explanation in ``lang`` ("vi" or "en")."""
        vi, en = MESSAGES[self.code]
        return (en if lang == "en" else vi).format(**self.params)
