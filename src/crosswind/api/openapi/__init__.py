"""The published OpenAPI documents: response shapes (`airflow/`, `own_shapes`,
`seed_shapes`), the table of what each operation answers (`operations`), the publisher
(`document`)."""

from crosswind.api.openapi.document import install_openapi, publish

__all__ = ["install_openapi", "publish"]
