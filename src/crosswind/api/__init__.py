"""The REST API: one FastAPI app serving the seed dialect (/api/v1) and Airflow's
(/airflow/api/v1)."""
