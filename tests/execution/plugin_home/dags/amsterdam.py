import pendulum
from airflow import DAG
from airflow.decorators import task

with DAG("amsterdam", schedule="30 2 * * *", catchup=False,
         start_date=pendulum.datetime(2099, 1, 1, tz="Europe/Amsterdam")):

    @task
    def when(**context):
        dag = context["dag"]
        return {"tz": dag.timezone.name, "ts": context["ts"],
                "local": context["logical_date"].in_timezone(dag.timezone).isoformat()}

    when()
