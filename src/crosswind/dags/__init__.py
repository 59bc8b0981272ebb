"""DAG authoring model: DAG, operators, decorators, parsing and serialization.

Nothing here imports SQLAlchemy or FastAPI, so DAG files and task processes stay light.
"""
