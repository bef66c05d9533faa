"""Schema assets: one per domain, in foreign-key order, each applying its migrations and checking drift."""

from collections.abc import Iterator

import dagster as dg

from cockpit_pipelines.assets.common import table_schema
from cockpit_pipelines.contracts import Domain, compare, contracts
from cockpit_pipelines.engines import Engine
from cockpit_pipelines.freshness import freshness_policy
from cockpit_pipelines.migrations import MigrationRunner, discover
from cockpit_pipelines.resources import WarehouseResource

GROUP = "schema"
DRIFT_CHECK = "schema_drift"


def schema_key(domain: str) -> dg.AssetKey:
    return dg.AssetKey(["schema", domain])


def _domain_column_schema(domain: Domain) -> dg.TableSchema:
    """All columns of a domain, named `table.column`, for the asset's column view."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=f"{t.name}.{c.name}", type=c.physical("postgresql"),
                           constraints=dg.TableColumnConstraints(nullable=c.nullable))
            for t in domain.tables
            for c in t.columns
        ]
    )


def _domain_spec(domain: Domain) -> dg.AssetSpec:
    versions = [m.version for m in discover("postgresql") if m.domain == domain.name]
    return dg.AssetSpec(
        key=schema_key(domain.name),
        deps=[schema_key(d) for d in domain.depends_on],
        description=f"{domain.description}\n\nTables: {', '.join(t.name for t in domain.tables)}.",
        group_name=GROUP,
        kinds={"sql", "postgres", "mysql"},
        owners=["team:data-platform"],
        tags={"domain": domain.name},
        skippable=True,
        metadata={
            "dagster/column_schema": _domain_column_schema(domain),
            "tables": dg.MetadataValue.json([t.name for t in domain.tables]),
            "migrations": dg.MetadataValue.json(versions),
        },
        freshness_policy=freshness_policy(schema_key(domain.name), GROUP),
    )


def build_schema_assets() -> dg.AssetsDefinition:
    catalog = contracts()
    domains = [catalog.domains[name] for name in catalog.domain_order()]
    ancestors = catalog.ancestors()

    @dg.multi_asset(
        name="warehouse_schema",
        specs=[_domain_spec(d) for d in domains],
        check_specs=[
            dg.AssetCheckSpec(
                DRIFT_CHECK,
                asset=schema_key(d.name),
                blocking=True,
                description="The live catalog matches sql/contracts: every table and column, type and NULL-ability.",
            )
            for d in domains
        ],
        can_subset=True,
    )
    def warehouse_schema(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """Apply the pending migrations of the selected domains, then compare the catalog with the contracts."""
        engine = warehouse.engine
        selected = [d for d in domains if schema_key(d.name) in context.selected_asset_keys]
        runner = MigrationRunner(engine)
        applied_now = runner.migrate(
            [d.name for d in selected], log=context.log.info, domain_parents=ancestors
        ) if selected else []
        history = runner.applied()
        live = engine.catalog_columns()
        for domain in selected:
            mine = [m for m in runner.migrations if m.domain == domain.name]
            yield dg.MaterializeResult(
                asset_key=schema_key(domain.name),
                metadata={
                    "engine": f"{engine.name} {engine.version.split(' on ')[0][:60]}",
                    "warehouse": engine.describe(),
                    "applied_versions": dg.MetadataValue.json(
                        [{"version": m.version, "slug": m.slug,
                          "applied_at": str(history[m.version].applied_at) if m.version in history else None}
                         for m in mine]
                    ),
                    "applied_in_this_run": dg.MetadataValue.json(
                        [m.version for m in applied_now if m.domain == domain.name]
                    ),
                    "tables": dg.MetadataValue.json([t.name for t in domain.tables]),
                    "row_level_security": row_security(engine, domain),
                    "dagster/column_schema": _domain_column_schema(domain),
                    **{f"table/{t.name}": dg.MetadataValue.table_schema(table_schema(t, engine.family))
                       for t in domain.tables},
                },
            )
        checked = {k.asset_key for k in context.selected_asset_check_keys}
        for domain in domains:
            if schema_key(domain.name) in checked:
                yield drift_result(domain, live, engine.family)

    return warehouse_schema


def row_security(engine: Engine, domain: Domain) -> dg.MetadataValue:
    """The row-level security policies on the domain's tables (PostgreSQL); on the MySQL family, that it
    has none (not emulated: the application decides who reads which rows there)."""
    if engine.family != "postgresql":
        return dg.MetadataValue.text(f"none: {engine.name} has no row-level security; seed 002's policies "
                                     "exist on PostgreSQL only, and the application enforces them here")
    rows = engine.query(
        "SELECT tablename, policyname, cmd, array_to_string(roles, ','), qual FROM pg_policies "
        "WHERE schemaname = current_schema() AND tablename = ANY(:tables) ORDER BY tablename, policyname",
        {"tables": [t.name for t in domain.tables]},
    )
    return dg.MetadataValue.json([{"table": t, "policy": p, "command": c, "roles": r, "using": q}
                                  for t, p, c, r, q in rows])


def drift_result(domain: Domain, live, family: str) -> dg.AssetCheckResult:
    drifts = compare(domain.tables, live, family)
    return dg.AssetCheckResult(
        asset_key=schema_key(domain.name),
        check_name=DRIFT_CHECK,
        passed=not drifts,
        severity=dg.AssetCheckSeverity.ERROR,
        description="No drift." if not drifts else f"{len(drifts)} difference(s) from sql/contracts.",
        metadata={
            "differences": dg.MetadataValue.md("\n".join(f"- {d}" for d in drifts) or "none"),
            "difference_count": len(drifts),
            "tables_checked": len(domain.tables),
        },
    )


warehouse_schema = build_schema_assets()
