"""The platform's "today": the calendar date in China (UTC+8), whatever the server's zone.

An as-of date, a deadline or an effective date is a Chinese calendar day; a server
running in UTC would otherwise switch days at 08:00 Beijing time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()
