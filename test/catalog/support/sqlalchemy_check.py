# SQLAlchemy (Debian's python3-sqlalchemy with psycopg2) reflecting a database: what
# test/catalog/clients.test.ts compares between the primary and the sidecar. Prints one JSON
# document; types are compared by their SQL text (str()), defaults and comments as strings.
import json
import sys

import sqlalchemy
from sqlalchemy import MetaData, create_engine, inspect, text

url = sys.argv[1]
schemas = sys.argv[2].split(",")
engine = create_engine(url)
out = {"sqlalchemy": sqlalchemy.__version__}

with engine.connect() as conn:
    out["select"] = [list(r) for r in conn.execute(text("SELECT id, name FROM items ORDER BY id LIMIT 3"))]

insp = inspect(engine)
out["schema_names"] = sorted(s for s in insp.get_schema_names() if s in schemas)
for schema in schemas:
    # Sorted: SQLAlchemy's query has no ORDER BY (PostgreSQL returns them in heap order).
    tables = sorted(insp.get_table_names(schema=schema))
    out[schema] = {"tables": tables, "views": sorted(insp.get_view_names(schema=schema))}
    for t in tables:
        cols = insp.get_columns(t, schema=schema)
        out[schema][t] = {
            "columns": [
                {"name": c["name"], "type": str(c["type"]), "nullable": c["nullable"], "default": c["default"], "autoincrement": c.get("autoincrement"), "comment": c.get("comment")}
                for c in cols
            ],
            "pk": insp.get_pk_constraint(t, schema=schema),
            "fks": insp.get_foreign_keys(t, schema=schema),
            "indexes": sorted(insp.get_indexes(t, schema=schema), key=lambda i: i["name"]),
            "unique": sorted(insp.get_unique_constraints(t, schema=schema), key=lambda u: u["name"]),
            "checks": sorted(insp.get_check_constraints(t, schema=schema), key=lambda u: u["name"]),
            "comment": insp.get_table_comment(t, schema=schema),
        }

meta = MetaData()
for schema in schemas:
    meta.reflect(bind=engine, schema=schema)
out["reflected"] = {
    name: {"columns": [[c.name, str(c.type), c.nullable, c.primary_key] for c in t.columns], "fks": sorted(str(f.target_fullname) for f in t.foreign_keys)}
    for name, t in sorted(meta.tables.items())
}

if len(sys.argv) > 3 and sys.argv[3] == "pandas":
    import pandas

    df = pandas.read_sql("SELECT * FROM items ORDER BY id", engine)
    out["pandas"] = {"columns": list(df.columns), "dtypes": [str(d) for d in df.dtypes], "rows": json.loads(df.to_json(orient="values", date_format="iso"))}
    df2 = pandas.read_sql_table("items", engine)
    out["pandas_table"] = {"columns": list(df2.columns), "n": len(df2)}

print(json.dumps(out, default=str, sort_keys=True))
