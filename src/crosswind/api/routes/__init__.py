"""One router per resource; ROUTERS is the list the app mounts in each dialect."""

from crosswind.api.routes import monitor, variables

ROUTERS = [
    monitor.router,
    variables.router,
]
