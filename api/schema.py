# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any
"""The OpenAPI schema at /api/schema/: JSON by default (`?format=yaml` for YAML), so that a
refusal there has the API's JSON error body too. `api/openapi.yaml` is the same schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI at /api/docs/, from local files only (see templates/api/docs.html)."""

    template_name = "api/docs.html"


# The integer bounds a database gives its columns (SQLite: 64 bits for every integer field;
# PostgreSQL: 16, 32 or 64 by type). DRF copies them onto model fields' serializers, so the
# schema would depend on the database it was generated against: they are left out.
DATABASE_LIMITS = frozenset(
    limit for bits in (16, 32, 64) for limit in (2 ** (bits - 1) - 1, -(2 ** (bits - 1)))
)


def without_database_limits(result: Any, **kwargs: Any) -> Any:
    """drf-spectacular postprocessing hook: drop the database's integer bounds (and the
    `int64` format they imply) from every integer in the schema; the API's own bounds stay."""

    def clean(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                for bound in ("maximum", "minimum"):
                    if node.get(bound) in DATABASE_LIMITS:
                        del node[bound]
                if node.get("format") == "int64":
                    del node["format"]
            for value in node.values():
                clean(value)
        elif isinstance(node, list):
            for value in node:
                clean(value)

    clean(result)
    return result
