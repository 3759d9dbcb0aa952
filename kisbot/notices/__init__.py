"""Order notices: what KIS reports about users' orders, delivered once (kisbot.notices.service)."""

from kisbot.notices.models import FINAL, OrderNotice, Progress, is_notice_payload
from kisbot.notices.service import Notices

__all__ = ["FINAL", "Notices", "OrderNotice", "Progress", "is_notice_payload"]
