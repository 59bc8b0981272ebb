"""Schedules in a DAG's time zone, across DST changes, driven by tick(now). The expected
instants were read off Apache Airflow 2.11.2 running the same schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crosswind.models import DagModel, DagRun

TZ_DAG = """
    import pendulum
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    with DAG("{dag_id}", schedule={schedule!r}, catchup=True, max_active_runs=100,
             start_date=pendulum.datetime({start}, tz="{tz}")):
        EmptyOperator(task_id="t")
"""


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def run_starts(env, dag_id: str) -> list[tuple[str, str]]:
    with env.db.read() as s:
        rows = s.execute(select(DagRun.data_interval_start, DagRun.data_interval_end)
                         .where(DagRun.dag_id == dag_id).order_by(DagRun.logical_date)).all()
    return [(iso(a), iso(b)) for a, b in rows]


def tick_until(env, now: datetime, until: datetime, step: timedelta) -> None:
    while now <= until:
        env.scheduler.tick(now)
        now += step


def test_daily_cron_follows_local_wall_clock_through_spring_forward(env):
    # 02:30 does not exist in Amsterdam on 2024-03-31: that run moves to 03:30 CEST.
    env.add_dag("ams", TZ_DAG.format(dag_id="ams", schedule="30 2 * * *",
                                     start="2024, 3, 29", tz="Europe/Amsterdam"))
    env.scheduler.tick(at(2024, 3, 31, 1, 29))
    assert run_starts(env, "ams") == [("2024-03-29T01:30:00+00:00", "2024-03-30T01:30:00+00:00")]
    tick_until(env, at(2024, 3, 31, 1, 30), at(2024, 4, 2, 1, 30), timedelta(hours=6))
    assert run_starts(env, "ams") == [
        ("2024-03-29T01:30:00+00:00", "2024-03-30T01:30:00+00:00"),
        ("2024-03-30T01:30:00+00:00", "2024-03-31T01:30:00+00:00"),
        ("2024-03-31T01:30:00+00:00", "2024-04-01T00:30:00+00:00"),  # 23 hours long
        ("2024-04-01T00:30:00+00:00", "2024-04-02T00:30:00+00:00"),
    ]


def test_daily_cron_through_fall_back_is_neither_skipped_nor_doubled(env):
    env.add_dag("nyc", TZ_DAG.format(dag_id="nyc", schedule="0 2 * * *",
                                     start="2024, 11, 1", tz="America/New_York"))
    tick_until(env, at(2024, 11, 1), at(2024, 11, 5, 12), timedelta(hours=6))
    assert run_starts(env, "nyc") == [
        ("2024-11-01T06:00:00+00:00", "2024-11-02T06:00:00+00:00"),
        ("2024-11-02T06:00:00+00:00", "2024-11-03T07:00:00+00:00"),  # 25 hours long
        ("2024-11-03T07:00:00+00:00", "2024-11-04T07:00:00+00:00"),
        ("2024-11-04T07:00:00+00:00", "2024-11-05T07:00:00+00:00"),
    ]


def test_hourly_cron_keeps_every_hour_when_the_clock_goes_back(env):
    env.add_dag("hourly", TZ_DAG.format(dag_id="hourly", schedule="0 * * * *",
                                        start="2024, 11, 3", tz="America/New_York"))
    tick_until(env, at(2024, 11, 3, 4), at(2024, 11, 4, 5), timedelta(minutes=30))
    starts = [a for a, _ in run_starts(env, "hourly")]
    # The local day of 2024-11-03 has 25 hours: 25 runs, one per UTC hour, none twice.
    day = [s for s in starts if "2024-11-03T04" <= s < "2024-11-04T05"]
    assert len(day) == 25 and len(set(day)) == 25
    assert day[0] == "2024-11-03T04:00:00+00:00" and day[-1] == "2024-11-04T04:00:00+00:00"


def test_trigger_timetable_runs_at_the_cron_time_in_its_zone(env):
    env.add_dag("trig", """
        import pendulum
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        from airflow.timetables.trigger import CronTriggerTimetable
        with DAG("trig", catchup=True, start_date=pendulum.datetime(2024, 10, 25, tz="UTC"),
                 schedule=CronTriggerTimetable("30 2 * * *", timezone="Europe/Amsterdam")):
            EmptyOperator(task_id="t")
    """)
    tick_until(env, at(2024, 10, 25), at(2024, 10, 28, 4), timedelta(hours=4))
    # Trigger timetables: a zero-length interval at each cron time; the clocks went
    # back on 2024-10-27, so from then on 02:30 local is 01:30 UTC.
    assert run_starts(env, "trig") == [
        ("2024-10-25T00:30:00+00:00", "2024-10-25T00:30:00+00:00"),
        ("2024-10-26T00:30:00+00:00", "2024-10-26T00:30:00+00:00"),
        ("2024-10-27T01:30:00+00:00", "2024-10-27T01:30:00+00:00"),
        ("2024-10-28T01:30:00+00:00", "2024-10-28T01:30:00+00:00"),
    ]


def test_delta_trigger_and_events_timetables(env):
    env.add_dag("every", """
        from datetime import timedelta
        import pendulum
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        from airflow.timetables.trigger import DeltaTriggerTimetable
        start = pendulum.datetime(2024, 1, 1, tz="UTC")
        with DAG("every", start_date=start, catchup=True,
                 schedule=DeltaTriggerTimetable(timedelta(hours=8), interval=timedelta(hours=1))):
            EmptyOperator(task_id="t")
    """)
    env.add_dag("events", """
        import pendulum
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        from airflow.timetables.events import EventsTimetable
        with DAG("events", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True,
                 schedule=EventsTimetable(event_dates=[
                     pendulum.datetime(2024, 1, 3, 18, tz="Europe/Paris"),
                     pendulum.datetime(2024, 1, 2, 9, tz="UTC")], description="two games")):
            EmptyOperator(task_id="t")
    """)
    tick_until(env, at(2024, 1, 1), at(2024, 1, 5), timedelta(hours=4))
    assert run_starts(env, "every")[:3] == [
        ("2023-12-31T23:00:00+00:00", "2024-01-01T00:00:00+00:00"),
        ("2024-01-01T07:00:00+00:00", "2024-01-01T08:00:00+00:00"),
        ("2024-01-01T15:00:00+00:00", "2024-01-01T16:00:00+00:00"),
    ]
    assert run_starts(env, "events") == [
        ("2024-01-02T09:00:00+00:00", "2024-01-02T09:00:00+00:00"),
        ("2024-01-03T17:00:00+00:00", "2024-01-03T17:00:00+00:00"),
    ]
    with env.db.read() as s:
        summary = s.scalar(select(DagModel.timetable_summary).where(DagModel.dag_id == "events"))
    assert summary == "two games"


def test_continuous_starts_the_next_run_when_the_last_one_ends(env):
    env.add_dag("cont", """
        import pendulum
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("cont", schedule="@continuous", max_active_runs=1,
                 start_date=pendulum.datetime(2024, 1, 1, tz="UTC")):
            EmptyOperator(task_id="t")
    """)
    env.scheduler.tick(at(2024, 3, 1, 12))
    env.scheduler.tick(at(2024, 3, 1, 12, 5))
    assert run_starts(env, "cont") == [("2024-01-01T00:00:00+00:00", "2024-03-01T12:00:00+00:00")]
    with env.db.write() as s:
        s.execute(DagRun.__table__.update().values(state="success"))
    env.scheduler.tick(at(2024, 3, 1, 12, 7))
    assert run_starts(env, "cont")[1] == ("2024-03-01T12:00:00+00:00", "2024-03-01T12:07:00+00:00")
