import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from team_plugin import WeekdayMornings

with DAG("custom_schedule", schedule=WeekdayMornings(),
         start_date=pendulum.datetime(2099, 1, 1, tz="UTC"), catchup=False):
    BashOperator(task_id="echo",
                 bash_command="echo {{ macros.team_plugin.shout('hi') }} {{ ds }} "
                              "{{ data_interval_start }} {{ macros.ds_add(ds, 3) }}")

    @task
    def kinds(**context):
        names = ("logical_date", "data_interval_start", "data_interval_end")
        return {n: type(context[n]).__module__ + "." + type(context[n]).__name__ for n in names}

    kinds()
