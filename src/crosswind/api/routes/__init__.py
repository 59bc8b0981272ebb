"""One router per resource; ROUTERS is the list the app mounts in each dialect."""

from crosswind.api.routes import (
    connections,
    dag_runs,
    dag_sources,
    dags,
    event_logs,
    import_errors,
    logs,
    monitor,
    pools,
    task_instance_actions,
    task_instances,
    tasks,
    tokens,
    users,
    variables,
    xcom,
)

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
