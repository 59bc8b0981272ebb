# An airflow DAG file that fails at import (safe mode parses files naming both words).
raise RuntimeError("broken on purpose for the official client test")
