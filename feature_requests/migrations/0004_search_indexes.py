"""On PostgreSQL, the indexes the search uses (feature_requests/search.py): pg_trgm's GIN
trigram indexes on request titles and customer and deal names (typo-tolerant matching and the
duplicate hints), and a GIN index on the requests' full-text vector. That index's expression
is the vector `request_vector()` builds, written out as Django compiles it: were they to
differ by a cast, the planner would not use the index. SQLite has neither; its search falls
back to a plain "contains" and needs no index."""

from django.db import migrations

VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(problem, '')), 'B'))"
)
INDEXES = {
    "request_title_trgm": "feature_requests_featurerequest USING gin (title gin_trgm_ops)",
    "request_search_vector": f"feature_requests_featurerequest USING gin ({VECTOR})",
    "customer_name_trgm": "feature_requests_customer USING gin (name gin_trgm_ops)",
    "deal_name_trgm": "feature_requests_deal USING gin (name gin_trgm_ops)",
}


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("feature_requests", "0003_request_owner")]

    operations = [migrations.RunPython(add, remove)]
