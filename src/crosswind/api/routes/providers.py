"""/providers: what Crosswind provides natively, in the shape of Airflow's provider packages.

Airflow ships operators, hooks and sensors in provider packages; Crosswind builds in the
ones its DAG files can use. Each entry names the Airflow provider whose classes Crosswind
serves, so a script checking `apache-airflow-providers-common-sql` style names finds them.
"""

from __future__ import annotations

from fastapi import APIRouter

from crosswind.api.deps import Allow
from crosswind.api.responses import JSON
from crosswind.version import __version__

router = APIRouter(tags=["Provider"])

PROVIDED = [
    ("apache-airflow-providers-standard",
     "Core operators, sensors and triggers: Bash, Python, branching, short-circuit, "
     "empty, latest-only, TriggerDagRun, ExternalTask, date/time and weekday (built into "
     "Crosswind)"),
]


@router.get("/providers")
def list_providers(_: Allow("provider", "read")) -> JSON:
    items = [{"package_name": name, "description": text, "version": __version__}
             for name, text in PROVIDED]
    return JSON({"providers": items, "total_entries": len(items)})
