"""Reference rows (tenancy, MCP registry, tool registry, analytics-hub assets), once per seed.

They do not depend on the generated days or the scale: the same seed always gives the same rows, so
loading them again adds nothing. Their timestamps lie in 2024, before any generated day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from cockpit_pipelines.generator.core import choose, fixed_instant, hex_strings, stream, uuids, with_nulls

REF_START, REF_END = datetime(2024, 1, 1), datetime(2024, 12, 31)
N_ORGS, N_USERS, N_ASSETS, N_MATERIALS = 12, 400, 30, 2_000

FIRST = ["Aiko", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goro", "Hana", "Ivan", "Julia", "Kenji", "Lea",
         "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rin", "Sofia", "Taro", "Uma", "Viktor", "Wen", "Yuki"]
LAST = ["Sato", "Muller", "Garcia", "Kim", "Nakamura", "Rossi", "Novak", "Silva", "Tanaka", "Okafor",
        "Dubois", "Larsen", "Ito", "Khan", "Moreau", "Suzuki"]
ORG_WORDS = ["Acme", "Blue Harbor", "Cedar", "Delta Labs", "Ember", "Fjord", "Granite", "Helix", "Iris",
             "Juniper", "Kite", "Lumen", "Meridian", "Nimbus", "Orbit", "Pioneer"]
PROJECT_WORDS = ["assistant", "search", "docs-rag", "code-review", "support-bot", "analytics", "ingest",
                 "notebook", "agent", "summarizer", "translator", "qa"]
TEMPLATES = ["vibe_coding", "data_science", "note_taking"]
MCP_SERVERS = {
    "github": ["search_code", "get_file", "create_issue", "list_pull_requests", "create_pull_request"],
    "filesystem": ["read_file", "write_file", "list_directory", "search_files"],
    "postgres": ["query", "list_tables", "describe_table"],
    "slack": ["post_message", "list_channels", "search_messages"],
    "browser": ["navigate", "screenshot", "click", "extract_text"],
    "jira": ["get_issue", "create_issue", "transition_issue", "search_issues"],
    "memory": ["store", "recall", "forget"],
}
TOOL_REGISTRY = [
    ("file_read", "file_ops", "python"), ("file_write", "file_ops", "python"), ("dir_list", "file_ops", "python"),
    ("sql_query", "database", "database"), ("schema_inspect", "database", "database"),
    ("git_commit", "git", "python"), ("git_diff", "git", "python"), ("git_log", "git", "python"),
    ("llm_complete", "ai", "api"), ("embed_text", "ai", "api"), ("rerank", "ai", "api"),
    ("http_fetch", "external", "api"), ("slack_post", "external", "api"), ("jira_sync", "external", "api"),
    ("pdf_extract", "file_ops", "wasm"), ("markdown_render", "file_ops", "wasm"),
    ("vector_search", "database", "database"), ("token_estimate", "ai", "python"),
]
ASSET_TYPES = ["model", "service", "dataset", "pipeline", "agent"]


@dataclass
class Reference:
    """The reference rows of one seed, as frames per table, plus the facts' sampling pools."""

    seed: int
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    standards: pl.DataFrame = field(default_factory=pl.DataFrame)

    def keys(self, table: str, column: str) -> pl.Series:
        """The values of `table.column` that facts may point at."""
        if table == "metadata_standards":
            return self.standards[column]
        return self.frames[table][column]


def build_reference(seed: int, standards: pl.DataFrame) -> Reference:
    """Every reference row for `seed`; `standards` are the migration-seeded metadata standards."""
    ref = Reference(seed=seed, standards=standards)
    ref.frames["organizations"] = _organizations(seed)
    ref.frames["users"] = _users(seed)
    ref.frames["org_members"] = _org_members(seed, ref)
    ref.frames["subscriptions"] = _subscriptions(seed, ref)
    ref.frames["projects"] = _projects(seed, ref)
    ref.frames["api_keys"] = _api_keys(seed, ref)
    ref.frames["mcp_servers"] = _mcp_servers(seed, ref)
    ref.frames["mcp_tools"] = _mcp_tools(seed, ref)
    ref.frames["tool_registry"] = _tool_registry()
    ref.frames["asset_metadata"] = _asset_metadata(seed, ref)
    ref.frames["materials"] = _materials(seed, ref)
    return ref


def _organizations(seed: int) -> pl.DataFrame:
    rng = stream(seed, "ref", "organizations")
    idx = pl.Series(np.arange(N_ORGS))
    base = pl.Series([ORG_WORDS[i % len(ORG_WORDS)] for i in range(N_ORGS)])
    created = fixed_instant(rng, N_ORGS, REF_START, datetime(2024, 3, 1), "created_at")
    frame = pl.DataFrame({"id": uuids(rng, N_ORGS), "base": base, "i": idx, "created_at": created})
    return frame.with_columns(
        name=pl.col("base") + pl.lit(" Inc."),
        slug=pl.concat_str([pl.col("base").str.to_lowercase().str.replace_all(" ", "-"), pl.lit(f"-{seed}-"),
                            pl.col("i").cast(pl.String)]),
        billing_email=pl.concat_str([pl.lit("billing@"), pl.col("base").str.to_lowercase().str.replace_all(" ", ""),
                                     pl.lit(".example.com")]),
        settings=pl.lit('{"default_model": "claude-3-sonnet", "require_mcp_approval": true, '
                        '"audit_retention_days": 90}'),
        sso_enabled=pl.Series(rng.random(N_ORGS) < 0.3),
        status=choose(rng, ["active", "suspended"], N_ORGS, [0.92, 0.08]),
        updated_at=pl.col("created_at"),
    ).drop("base", "i")


def _users(seed: int) -> pl.DataFrame:
    rng = stream(seed, "ref", "users")
    first = choose(rng, FIRST, N_USERS)
    last = choose(rng, LAST, N_USERS)
    created = fixed_instant(rng, N_USERS, REF_START, REF_END, "created_at")
    frame = pl.DataFrame({"id": uuids(rng, N_USERS), "first": first, "last": last, "created_at": created,
                          "i": np.arange(N_USERS)})
    return frame.with_columns(
        email=pl.concat_str([pl.col("first").str.to_lowercase(), pl.lit("."), pl.col("last").str.to_lowercase(),
                             pl.lit("."), pl.col("i").cast(pl.String), pl.lit(f".s{seed}@example.com")]),
        email_verified=pl.Series(rng.random(N_USERS) < 0.9),
        name=pl.concat_str([pl.col("first"), pl.lit(" "), pl.col("last")]),
        timezone=choose(rng, ["UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York"], N_USERS),
        locale=choose(rng, ["en-US", "ja-JP", "de-DE"], N_USERS, [0.6, 0.3, 0.1]),
        mfa_enabled=pl.Series(rng.random(N_USERS) < 0.4),
        status=choose(rng, ["active", "suspended", "pending_verification"], N_USERS, [0.93, 0.03, 0.04]),
        settings=pl.lit("{}"),
        metadata=pl.lit("{}"),
        updated_at=pl.col("created_at"),
    ).drop("first", "last", "i")


def _org_members(seed: int, ref: Reference) -> pl.DataFrame:
    """Every user in one primary organization, a fifth of them in a second one too."""
    rng = stream(seed, "ref", "org_members")
    orgs = ref.frames["organizations"]["id"]
    users = ref.frames["users"]["id"]
    primary = rng.integers(0, N_ORGS, size=N_USERS)
    second_of = np.flatnonzero(rng.random(N_USERS) < 0.2)
    second = (primary[second_of] + rng.integers(1, N_ORGS, size=second_of.size)) % N_ORGS
    user_idx = np.concatenate([np.arange(N_USERS), second_of])
    org_idx = np.concatenate([primary, second])
    n = user_idx.size
    invited = ref.frames["users"]["created_at"].gather(user_idx)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "org_id": orgs.gather(org_idx),
        "user_id": users.gather(user_idx),
        "role": choose(rng, ["owner", "admin", "member", "viewer"], n, [0.05, 0.15, 0.6, 0.2]),
        "invited_at": invited,
        "accepted_at": invited,
        "status": choose(rng, ["active", "invited", "suspended"], n, [0.92, 0.05, 0.03]),
        "created_at": invited,
        "updated_at": invited,
    })


def _subscriptions(seed: int, ref: Reference) -> pl.DataFrame:
    rng = stream(seed, "ref", "subscriptions")
    orgs = ref.frames["organizations"]
    return pl.DataFrame({
        "id": uuids(rng, N_ORGS),
        "org_id": orgs["id"],
        "plan": choose(rng, ["free", "team", "pro", "enterprise"], N_ORGS, [0.2, 0.3, 0.3, 0.2]),
        "billing_cycle": choose(rng, ["monthly", "yearly"], N_ORGS, [0.7, 0.3]),
        "status": choose(rng, ["active", "past_due", "canceled", "trialing"], N_ORGS, [0.8, 0.05, 0.05, 0.1]),
        "current_period_start": orgs["created_at"],
        "created_at": orgs["created_at"],
        "updated_at": orgs["created_at"],
    })


def _projects(seed: int, ref: Reference) -> pl.DataFrame:
    """Two to six projects per organization, owned by one of its members."""
    rng = stream(seed, "ref", "projects")
    sizes = rng.integers(2, 7, size=N_ORGS)
    org_idx = np.repeat(np.arange(N_ORGS), sizes)
    n = org_idx.size
    within = np.concatenate([np.arange(s) for s in sizes])
    orgs = ref.frames["organizations"]
    members = ref.frames["org_members"]
    owner = _member_of(rng, members, orgs["id"].gather(org_idx))
    word = choose(rng, PROJECT_WORDS, n, name="word")
    created = fixed_instant(rng, n, datetime(2024, 3, 1), datetime(2024, 9, 1), "created_at")
    frame = pl.DataFrame({"id": uuids(rng, n), "org_id": orgs["id"].gather(org_idx), "word": word,
                          "within": within, "created_at": created, "owner_user_id": owner})
    return frame.with_columns(
        name=pl.col("word").str.replace_all("-", " ").str.to_titlecase(),
        slug=pl.concat_str([pl.col("word"), pl.lit("-"), pl.col("within").cast(pl.String)]),
        description=pl.lit("Synthetic project: ") + pl.col("word"),
        settings=pl.lit('{"allowed_models": ["claude-3-opus", "claude-3-sonnet", "claude-3-haiku"], '
                        '"default_model": "claude-3-sonnet", "mcp_auto_approve": false}'),
        quotas=pl.lit('{"max_tokens_per_day": null, "max_cost_per_day_usd": null, "max_requests_per_minute": 100}'),
        status=choose(rng, ["active", "paused", "archived"], n, [0.85, 0.1, 0.05]),
        updated_at=pl.col("created_at"),
        workflow_template=choose(rng, TEMPLATES, n),
        git_repository=pl.concat_str([pl.lit("https://git.example.com/"), pl.col("word"), pl.lit("-"),
                                      pl.col("within").cast(pl.String), pl.lit(".git")]),
    ).drop("word", "within")


def _member_of(rng: np.random.Generator, members: pl.DataFrame, org_ids: pl.Series) -> pl.Series:
    """For each organization id, one of its members (uniformly)."""
    pool = members.group_by("org_id", maintain_order=True).agg(pl.col("user_id"))
    picked = (
        pl.DataFrame({"org_id": org_ids, "u": rng.random(org_ids.len())})
        .join(pool, on="org_id", how="left", maintain_order="left")
        .select(pl.col("user_id").list.get((pl.col("u") * pl.col("user_id").list.len()).cast(pl.Int64)))
    )
    return picked.to_series().alias("user_id")


def _api_keys(seed: int, ref: Reference) -> pl.DataFrame:
    rng = stream(seed, "ref", "api_keys")
    projects = ref.frames["projects"]
    sizes = rng.integers(1, 4, size=projects.height)
    proj_idx = np.repeat(np.arange(projects.height), sizes)
    n = proj_idx.size
    creator = _member_of(rng, ref.frames["org_members"], projects["org_id"].gather(proj_idx))
    created = projects["created_at"].gather(proj_idx)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "project_id": projects["id"].gather(proj_idx),
        "created_by": creator,
        "key_prefix": choose(rng, ["mw_sk_live_", "mw_sk_test_"], n, [0.8, 0.2]),
        "key_hash": hex_strings(rng, n, 64, "key_hash"),
        "name": choose(rng, ["backend", "ci", "notebook", "staging", "batch"], n),
        "scopes": choose(rng, [["read", "write"], ["read"]], n, [0.8, 0.2], dtype=pl.List(pl.String)),
        "usage_count": pl.Series(rng.integers(0, 100_000, size=n)),
        "status": choose(rng, ["active", "revoked", "expired"], n, [0.9, 0.06, 0.04]),
        "created_at": created,
        "updated_at": created,
    })


def _mcp_servers(seed: int, ref: Reference) -> pl.DataFrame:
    """Zero to three MCP servers per project (distinct names within a project)."""
    rng = stream(seed, "ref", "mcp_servers")
    projects = ref.frames["projects"]
    names = list(MCP_SERVERS)
    sizes = rng.choice([0, 1, 2, 3], size=projects.height, p=[0.25, 0.3, 0.3, 0.15])
    proj_idx = np.repeat(np.arange(projects.height), sizes)
    start = rng.integers(0, len(names), size=projects.height)
    name_idx = np.concatenate([(start[i] + np.arange(s)) % len(names) for i, s in enumerate(sizes)] or [[]])
    n = proj_idx.size
    registrar = _member_of(rng, ref.frames["org_members"], projects["org_id"].gather(proj_idx))
    created = projects["created_at"].gather(proj_idx)
    name = pl.Series(names).gather(name_idx.astype(np.int64))
    frame = pl.DataFrame({
        "id": uuids(rng, n),
        "project_id": projects["id"].gather(proj_idx),
        "registered_by": registrar,
        "name": name,
        "version": choose(rng, ["1.0.0", "1.2.3", "2.0.1"], n),
        "transport_type": choose(rng, ["stdio", "sse", "http"], n, [0.6, 0.2, 0.2]),
        "status": choose(rng, ["approved", "pending", "deprecated"], n, [0.85, 0.1, 0.05]),
        "created_at": created,
        "updated_at": created,
    })
    return frame.with_columns(
        description=pl.lit("MCP server for ") + pl.col("name"),
        transport_config=pl.concat_str([pl.lit('{"command": "npx", "args": ["-y", "@mcp/'), pl.col("name"),
                                         pl.lit('"]}')]),
        environment=pl.lit("{}"),
        approved_by=pl.when(pl.col("status") == "approved").then(pl.col("registered_by")),
        approved_at=pl.when(pl.col("status") == "approved").then(pl.col("created_at")),
        security_scan_status=pl.lit("passed"),
        policy=pl.lit('{"allowed_roles": ["admin", "developer"], "rate_limit_per_minute": 100, '
                      '"requires_approval_per_use": false}'),
    )


def _mcp_tools(seed: int, ref: Reference) -> pl.DataFrame:
    """The tools each server offers (its catalog's tool names)."""
    rng = stream(seed, "ref", "mcp_tools")
    servers = ref.frames["mcp_servers"]
    catalog = pl.DataFrame({"name": list(MCP_SERVERS), "tool": list(MCP_SERVERS.values())}).explode("tool")
    tools = (
        servers.select(pl.col("id").alias("server_id"), "name", "created_at")
        .join(catalog, on="name", how="inner", maintain_order="left")
    )
    n = tools.height
    return tools.select(
        pl.Series("id", uuids(rng, n)),
        "server_id",
        pl.col("tool").alias("name"),
        (pl.lit("Tool ") + pl.col("tool") + pl.lit(" of ") + pl.col("name")).alias("description"),
        pl.lit('{"type": "object", "properties": {}}').alias("input_schema"),
        choose(rng, ["low", "medium", "high", "critical"], n, [0.6, 0.25, 0.12, 0.03], name="risk_level"),
        pl.Series("enabled", rng.random(n) < 0.95),
        "created_at",
        pl.col("created_at").alias("updated_at"),
    )


def _tool_registry() -> pl.DataFrame:
    """The tool catalog: the same rows for every seed (tool names are unique across the warehouse)."""
    rng = stream(0, "ref", "tool_registry")
    n = len(TOOL_REGISTRY)
    name, category, implementation = (list(x) for x in zip(*TOOL_REGISTRY, strict=True))
    frame = pl.DataFrame({
        "id": uuids(rng, n),
        "name": name,
        "category": category,
        "implementation_type": implementation,
        "is_system": rng.random(n) < 0.5,
        "created_at": fixed_instant(rng, n, REF_START, datetime(2024, 2, 1), "created_at"),
    })
    return frame.with_columns(
        description=pl.lit("Registered tool ") + pl.col("name"),
        config=pl.lit('{"timeout_s": 30}'),
        requires_capability=pl.when(pl.col("category").is_in(["file_ops", "git"]))
        .then(pl.col("category") + pl.lit("_access")),
    )


def _asset_metadata(seed: int, ref: Reference) -> pl.DataFrame:
    """Analytics-hub assets (models, services, …), each owned by one tenant (organization slug)."""
    rng = stream(seed, "ref", "asset_metadata")
    kind = choose(rng, ASSET_TYPES, N_ASSETS, name="asset_type")
    tenant = ref.frames["organizations"]["slug"].gather(rng.integers(0, N_ORGS, size=N_ASSETS))
    created = fixed_instant(rng, N_ASSETS, REF_START, REF_END, "created_at")
    frame = pl.DataFrame({"asset_type": kind, "tenant_id": tenant, "created_at": created, "i": np.arange(N_ASSETS)})
    return frame.with_columns(
        asset_id=pl.concat_str([pl.col("asset_type"), pl.lit("-"), pl.col("i").cast(pl.String), pl.lit(f"-s{seed}")]),
        asset_name=pl.concat_str([pl.col("asset_type").str.to_titlecase(), pl.lit(" "), pl.col("i").cast(pl.String)]),
        version=choose(rng, ["1.0.0", "1.1.0", "2.0.0"], N_ASSETS),
        owner_id=with_nulls(ref.frames["users"]["id"].gather(rng.integers(0, N_USERS, size=N_ASSETS)), rng, 0.1),
        tags=pl.lit('{"tier": "gold"}'),
        updated_at=pl.col("created_at"),
    ).drop("i")


CONTENT_TYPES = ["material", "creation_log", "generated", "note_article", "ai_response"]
SOURCES = ["docs/architecture.md", "wiki/runbook", "https://docs.example.com/api", "notes/2025-q4.md",
           "adr/ADR-002.md", "kb/faq", "slack://eng-help", "git://main/README.md"]


def _materials(seed: int, ref: Reference) -> pl.DataFrame:
    """Content items the RAG assistant cites and whose provenance is recorded."""
    rng = stream(seed, "ref", "materials")
    n = N_MATERIALS
    users = ref.frames["users"]["id"]
    created = fixed_instant(rng, n, REF_START, REF_END, "created_at")
    title = choose(rng, ["Design notes", "API guide", "Meeting summary", "Release plan", "Dataset card"], n)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "title": title + " #" + pl.Series(np.arange(1, n + 1)).cast(pl.String),
        "content_type": choose(rng, CONTENT_TYPES, n, [0.4, 0.15, 0.2, 0.15, 0.1]),
        "source_uri": choose(rng, SOURCES, n),
        "created_by": users.gather(rng.integers(0, users.len(), size=n)),
        "created_at": created,
        "updated_at": created,
    })
