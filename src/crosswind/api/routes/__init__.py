"""One router per resource; ROUTERS is the list the app mounts in each dialect."""

from crosswind.api.routes import connections, monitor, pools, tokens, users, variables
from crosswind.api.routes import dag_sources, dags, import_errors, tasks
from crosswind.api.routes import dag_runs, event_logs, logs, task_instances, xcom
from crosswind.api.routes import task_instance_actions

ROUTERS = [
    monitor.router,
    variables.router,
    connections.router,
    pools.router,
    users.router,
    tokens.router,
    dags.router,
    tasks.router,
    import_errors.router,
    dag_sources.router,
    dag_runs.router,
    task_instances.router,
    task_instance_actions.router,
    logs.router,
    xcom.router,
    event_logs.router,
]
