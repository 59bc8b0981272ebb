"""Would fail if parsed: .airflowignore must exclude it (airflow dag)."""
raise RuntimeError("this file is listed in .airflowignore")
