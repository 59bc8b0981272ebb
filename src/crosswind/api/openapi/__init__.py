"""The published OpenAPI documents: response shapes, the operation table, the publisher."""

from crosswind.api.openapi.document import install_openapi, publish

__all__ = ["install_openapi", "publish"]
