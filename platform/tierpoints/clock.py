"""The platform's "today": the calendar date in China (UTC+8), whatever the server's zone.

An as-of date, a deadline or an effective date is a Chinese calendar day; a server
running in UTC would otherwise switch days at 08:00 Beijing time.

TIERPOINTS_TODAY=YYYY-MM-DD fixes the day for a training or test environment (settings.py
refuses it in production): deadlines and as-of dates then do not depend on when it runs.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    fixed = os.environ.get("TIERPOINTS_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.datetime.now(CHINA).date()
