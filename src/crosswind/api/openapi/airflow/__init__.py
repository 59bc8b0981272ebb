"""The Airflow dialect's response shapes, as pydantic models used only for the document.

Field names, types, nullability and enums follow Airflow 2's stable API (the official client
checks our answers against them); descriptions are ours. Every field is optional in the
schema because `fields=` and Airflow's own spec let a property be absent (`ABSENT`: may be
left out, never null); tests/api/test_openapi_honest.py checks that real answers carry every
declared property. The seed dialect's few differences live in `seed_shapes.py`.
"""
