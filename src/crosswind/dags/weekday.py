"""airflow.utils.weekday.WeekDay: ISO day numbers (Monday 1 .. Sunday 7) and the
validation the weekday operators and sensors use."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class WeekDay(enum.IntEnum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def get_weekday_number(cls, week_day_str: str) -> WeekDay:
        """The day for its full name, any case ("Sunday", "SUNDAY"); AttributeError else."""
        name = week_day_str.upper()
        if name not in cls.__members__:
            raise AttributeError(f'Invalid Week Day passed: "{week_day_str}"')
        return cls[name]

    @classmethod
    def convert(cls, day: str | WeekDay) -> int:
        return day if isinstance(day, WeekDay) else cls.get_weekday_number(day)

    @classmethod
    def validate_week_day(cls, week_day: str | WeekDay | Iterable[str | WeekDay]) -> set[int]:
        """A set of ISO day numbers from a name, a WeekDay or an iterable of either."""
        if isinstance(week_day, WeekDay | str):  # WeekDay is an int: not Iterable
            week_day = {week_day}
        elif not isinstance(week_day, Iterable):
            raise TypeError(
                f"Unsupported Type for week_day parameter: {type(week_day)}."
                "Input should be iterable type:"
                "str, set, list, dict or Weekday enum type"
            )
        return {cls.convert(item) for item in week_day}
