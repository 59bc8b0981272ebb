"""Run at every interpreter start of a venv with Crosswind (by crosswind_airflow_hook.pth):
`import airflow` in any process — `python my_dag.py`, pytest — is then served by
Crosswind's shim. It sits last in sys.meta_path, so a real Airflow installed in the venv
is found first and wins. Kept tiny on purpose: it costs every Python start a few µs."""

import sys


class _ServeAirflowFromCrosswind:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname != "airflow" and not fullname.startswith("airflow."):
            return None
        sys.meta_path.remove(cls)  # the shim's own finder takes over from here
        from crosswind.dags import airflow_shim

        airflow_shim.install()
        return airflow_shim._finder.find_spec(fullname, path, target)


if _ServeAirflowFromCrosswind not in sys.meta_path:
    sys.meta_path.append(_ServeAirflowFromCrosswind)
