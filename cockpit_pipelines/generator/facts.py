"""One UTC day of facts for every raw table, as Polars frames (vectorized, seeded per table and day).

Each generator returns the columns it models; `conform` then fills whatever else the contract has and
casts to the contract's types. Volumes at scale 1: 10k dialogues and 50k usage events a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from cockpit_pipelines.generator.core import (
    US_PER_DAY,
    as_datetime,
    choose,
    clip_to_day,
    constant,
    counts,
    day_start_us,
    hex_strings,
    json_array,
    json_string,
    lognormal_int,
    stream,
    times_in_day,
    uuids,
    with_nulls,
)
from cockpit_pipelines.generator.reference import SOURCES, Reference
from cockpit_pipelines.utc import now_utc

# Daily rows at scale 1.
BASE = {
    "ai_dialogue_log": 10_000,
    "token_usage": 20_000,
    "usage_events": 50_000,
    "events": 10_000,
    "correlations": 1_500,
    "metrics": 40,  # 5-minute series (each 288 rows a day)
    "metadata_violations": 150,
    "audit_logs": 2_000,
    "provenance": 400,
    "filesystem_timestamps": 2_000,
    "sync_buffer": 300,
    "version_history": 500,
    "clock_sync_status": 960,
}

# (provider, model, USD per million input tokens, USD per million output tokens, share of calls)
TOKEN_MODELS = [
    ("claude", "claude-sonnet-4-5-20250929", 3.0, 15.0, 0.34),
    ("claude", "claude-opus-4-1-20250805", 15.0, 75.0, 0.06),
    ("claude", "claude-haiku-4-5-20251001", 1.0, 5.0, 0.2),
    ("openai", "gpt-4-turbo", 10.0, 30.0, 0.08),
    ("openai", "gpt-4o", 2.5, 10.0, 0.14),
    ("openai", "gpt-4o-mini", 0.15, 0.6, 0.1),
    ("phi3", "phi-3-mini-4k-instruct", 0.0, 0.0, 0.05),
    ("tinyllama", "tinyllama-1.1b-chat", 0.0, 0.0, 0.03),
]
# (model, USD per million input tokens, USD per million output tokens, share)
USAGE_MODELS = [
    ("claude-3-opus", 15.0, 75.0, 0.1),
    ("claude-3-sonnet", 3.0, 15.0, 0.45),
    ("claude-3-haiku", 0.25, 1.25, 0.3),
    ("claude-sonnet-4-5", 3.0, 15.0, 0.15),
]
# (model, JPY per 1k prompt tokens, JPY per 1k completion tokens, share)
DIALOGUE_MODELS = [
    ("claude-sonnet-4-5", 0.45, 2.25, 0.5),
    ("claude-haiku-4-5", 0.15, 0.75, 0.3),
    ("gpt-4o", 0.375, 1.5, 0.2),
]
ERRORS = {
    "error": (["internal_error", "invalid_request", "overloaded", "context_length_exceeded"],
              ["Internal server error", "Invalid request body", "Model overloaded, retry later",
               "Prompt exceeds the context window"]),
    "timeout": (["timeout"], ["Upstream request timed out after 60s"]),
    "rate_limited": (["rate_limit_exceeded"], ["Too many requests: 100 per minute"]),
}
QUERIES = ["How do I configure", "Summarize the changes in", "Why does the build fail for", "Explain",
           "Write a test for", "What is the retention policy of", "Find the owner of", "Compare"]
TOPICS = ["the ingest pipeline", "usage_events", "the MCP github server", "our RAG index", "the billing API",
          "project quotas", "the audit trigger", "token costs"]
# How services write instants and dates as text inside JSON payloads: mostly as the standards
# ts-001-zulu and ts-002-iso-date require, sometimes not (the metadata compliance scan finds those).
# (strftime format, hours added to the UTC instant, share)
TEXT_INSTANTS = [
    ("%Y-%m-%dT%H:%M:%S%.6fZ", 0, 0.8),
    ("%Y-%m-%dT%H:%M:%SZ", 0, 0.18),
    ("%Y-%m-%d %H:%M:%S+09:00", 9, 0.01),  # local time with an offset
    ("%Y-%m-%dT%H:%M:%S", 0, 0.005),  # no zone at all
    ("%Y-%m-%d %H:%M:%S", 0, 0.005),
]
TEXT_DATES = [("%Y-%m-%d", 0.96), ("%Y/%m/%d", 0.025), ("%d/%m/%Y", 0.015)]


def _formatted(rng: np.random.Generator, instants: pl.Series, formats: list[tuple[str, int, float]]) -> pl.Series:
    """Each instant as text in one of `formats`, drawn with their shares."""
    pick = pl.Series(rng.choice(len(formats), size=instants.len(), p=[f[2] for f in formats]))
    spelled = [(instants + timedelta(hours=hours)).dt.strftime(fmt) for fmt, hours, _ in formats]
    return pl.select(pl.coalesce([pl.when(pick == i).then(text) for i, text in enumerate(spelled)])
                     .alias(instants.name)).to_series()


def text_instants(rng: np.random.Generator, instants: pl.Series) -> pl.Series:
    """Instants as JSON string literals, mostly Zulu (`2026-03-30T12:00:00.123456Z`), some not."""
    return pl.select(json_string(pl.lit(_formatted(rng, instants, TEXT_INSTANTS)))).to_series()


def text_dates(rng: np.random.Generator, instants: pl.Series) -> pl.Series:
    """The instants' days as JSON string literals, mostly `YYYY-MM-DD`, some `2026/03/30` or `30/03/2026`."""
    formats = [(fmt, 0, share) for fmt, share in TEXT_DATES]
    return pl.select(json_string(pl.lit(_formatted(rng, instants, formats)))).to_series()


@dataclass
class Day:
    """What every table generator of one day receives."""

    seed: int
    day: date
    scale: float
    ref: Reference

    def rng(self, table: str) -> np.random.Generator:
        return stream(self.seed, "fact", table, self.day.toordinal())

    def n(self, table: str, minimum: int = 1) -> int:
        return counts(BASE[table], self.scale, self.day, minimum)


def _pick_members(rng: np.random.Generator, ref: Reference, org_ids: pl.Series) -> pl.Series:
    pool = ref.frames["org_members"].group_by("org_id", maintain_order=True).agg(pl.col("user_id"))
    return (
        pl.DataFrame({"org_id": org_ids, "u": rng.random(org_ids.len())})
        .join(pool, on="org_id", how="left", maintain_order="left")
        .select(pl.col("user_id").list.get((pl.col("u") * pl.col("user_id").list.len()).cast(pl.Int64)))
        .to_series()
    )


def _projects(rng: np.random.Generator, ref: Reference, n: int) -> pl.DataFrame:
    """`n` (project, org) pairs, skewed: a few busy projects, a long tail of quiet ones."""
    projects = ref.frames["projects"]
    weight = 1.0 / np.arange(1, projects.height + 1) ** 0.8
    idx = rng.choice(projects.height, size=n, p=weight / weight.sum())
    return projects.select(pl.col("id").alias("project_id"), "org_id")[idx]


def ai_dialogue_log(d: Day) -> pl.DataFrame:
    rng, n = d.rng("ai_dialogue_log"), d.n("ai_dialogue_log")
    users = d.ref.frames["users"]["id"]
    n_sessions = max(1, n // 6)
    session_user = rng.integers(0, users.len(), size=n_sessions)
    session = rng.integers(0, n_sessions, size=n)
    created = times_in_day(rng, n, d.day, "created_at")
    model_idx = rng.choice(len(DIALOGUE_MODELS), size=n, p=[m[3] for m in DIALOGUE_MODELS])
    jpy_in = np.array([m[1] for m in DIALOGUE_MODELS])[model_idx]
    jpy_out = np.array([m[2] for m in DIALOGUE_MODELS])[model_idx]
    prompt = lognormal_int(rng, n, 900, 0.7, lo=20, hi=150_000)
    completion = lognormal_int(rng, n, 350, 0.6, lo=5, hi=8_000)
    cost = np.round((prompt * jpy_in + completion * jpy_out) / 1000, 2)
    # Latency: log-normal body, a Pareto tail, 3% not recorded.
    latency = lognormal_int(rng, n, 1100, 0.55, lo=80)
    tail = rng.random(n) < 0.03
    latency[tail] = np.minimum(latency[tail] * (1 + rng.pareto(1.5, size=tail.sum())), 120_000).astype(np.int64)
    n_cite = rng.choice(6, size=n, p=[0.25, 0.2, 0.25, 0.15, 0.1, 0.05])
    parent = np.repeat(np.arange(n), n_cite)
    m = parent.size
    elements = pl.DataFrame({
        "source": choose(rng, SOURCES, m),
        "confidence": np.round(rng.beta(6, 2, size=m), 3),
    }).select(
        pl.concat_str([pl.lit('{"source": '), json_string(pl.col("source")), pl.lit(', "confidence": '),
                       pl.col("confidence").cast(pl.String), pl.lit("}")])
    ).to_series()
    citations = with_nulls(json_array(parent, elements, n, "citations"), rng, 0.05)
    relevance = pl.Series(np.round(rng.beta(5, 2, size=n), 2))
    feedback = choose(rng, [-1, 0, 1], n, [0.15, 0.25, 0.6], dtype=pl.Int32)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "user_id": users.gather(session_user[session]),
        "session_id": uuids(rng, n_sessions).gather(session),
        "query": (choose(rng, QUERIES, n) + " " + choose(rng, TOPICS, n) + "?"),
        "response": choose(rng, ["Here is how it works: ", "In short: ", "According to the runbook, "], n)
        + choose(rng, TOPICS, n) + " " + choose(rng, ["is configured per project.", "runs nightly.",
                                                         "depends on the tenancy schema."], n),
        "model_used": pl.Series([m[0] for m in DIALOGUE_MODELS]).gather(model_idx),
        "created_at": created,
        "updated_at": created,
        "citations": citations,
        "latency_ms": with_nulls(pl.Series(latency), rng, 0.03),
        "token_cost_jpy": pl.Series(cost),
        "citation_rate": pl.Series(np.where(n_cite > 0, np.round(rng.uniform(40, 100, size=n), 2), 0.0)),
        "prompt_tokens": pl.Series(prompt),
        "completion_tokens": pl.Series(completion),
        "total_tokens": pl.Series(prompt + completion),
        "relevance_score": with_nulls(relevance, rng, 0.08),
        "user_feedback": with_nulls(feedback, rng, 0.6),
        "context_window_size": choose(rng, [8_192, 32_768, 128_000, 200_000], n, [0.1, 0.2, 0.4, 0.3]),
        "temperature": choose(rng, [0.0, 0.3, 0.7, 1.0], n, [0.2, 0.3, 0.4, 0.1]),
    })


def token_usage(d: Day) -> pl.DataFrame:
    rng, n = d.rng("token_usage"), d.n("token_usage")
    idx = rng.choice(len(TOKEN_MODELS), size=n, p=[m[4] for m in TOKEN_MODELS])
    usd_in = np.array([m[2] for m in TOKEN_MODELS])[idx]
    usd_out = np.array([m[3] for m in TOKEN_MODELS])[idx]
    tokens_in = lognormal_int(rng, n, 1500, 0.9, lo=1, hi=400_000)
    tokens_out = lognormal_int(rng, n, 400, 0.8, lo=0, hi=64_000)
    projects = _projects(rng, d.ref, n)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "project_id": projects["project_id"],
        "provider": pl.Series([m[0] for m in TOKEN_MODELS]).gather(idx),
        "model": pl.Series([m[1] for m in TOKEN_MODELS]).gather(idx),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "total_cost": np.round((tokens_in * usd_in + tokens_out * usd_out) / 1e6, 4),
        "operation_type": choose(rng, ["chat", "estimation", "tool_call"], n, [0.7, 0.1, 0.2]),
        "dashboard_context": with_nulls(choose(rng, ["master_control", "token_monitor", "sync_buffer",
                                                     "compliance"], n), rng, 0.3),
        "timestamp": times_in_day(rng, n, d.day, "timestamp"),
    })


def usage_events(d: Day) -> pl.DataFrame:
    rng, n = d.rng("usage_events"), d.n("usage_events")
    ref = d.ref
    frame = _projects(rng, ref, n)
    user = with_nulls(_pick_members(rng, ref, frame["org_id"]), rng, 0.08)
    keys = ref.frames["api_keys"].group_by("project_id", maintain_order=True).agg(pl.col("id").alias("keys"))
    servers = (
        ref.frames["mcp_servers"].select(pl.col("id").alias("mcp_server_id"), "project_id")
        .join(ref.frames["mcp_tools"].select(pl.col("server_id").alias("mcp_server_id"), pl.col("name").alias("tool")),
              on="mcp_server_id")
        .group_by("project_id", maintain_order=True)
        .agg("mcp_server_id", "tool")
    )
    kind = choose(rng, ["api_call", "mcp_tool", "streaming"], n, [0.6, 0.15, 0.25])
    frame = (
        frame.with_columns(
            user_id=user, kind=kind, u_key=pl.Series(rng.random(n)), u_tool=pl.Series(rng.random(n)),
            via_key=pl.Series(rng.random(n) < 0.7),
        )
        .join(keys, on="project_id", how="left", maintain_order="left")
        .join(servers, on="project_id", how="left", maintain_order="left")
    )
    tool_at = (pl.col("u_tool") * pl.col("tool").list.len()).cast(pl.Int64)
    has_tools = pl.col("tool").list.len().fill_null(0) > 0
    frame = frame.with_columns(
        event_type=pl.when((pl.col("kind") == "mcp_tool") & ~has_tools).then(pl.lit("api_call")).otherwise("kind"),
        api_key_id=pl.when(pl.col("via_key") | pl.col("user_id").is_null())
        .then(pl.col("keys").list.get((pl.col("u_key") * pl.col("keys").list.len()).cast(pl.Int64))),
    ).with_columns(
        mcp_server_id=pl.when(pl.col("event_type") == "mcp_tool").then(pl.col("mcp_server_id").list.get(tool_at)),
        mcp_tool_name=pl.when(pl.col("event_type") == "mcp_tool").then(pl.col("tool").list.get(tool_at)),
    )
    model_idx = rng.choice(len(USAGE_MODELS), size=n, p=[m[3] for m in USAGE_MODELS])
    usd_in = np.array([m[1] for m in USAGE_MODELS])[model_idx]
    usd_out = np.array([m[2] for m in USAGE_MODELS])[model_idx]
    status = choose(rng, ["success", "error", "timeout", "rate_limited"], n, [0.95, 0.025, 0.012, 0.013])
    ok = (status == "success").to_numpy()
    tokens_in = lognormal_int(rng, n, 1200, 0.9, lo=1, hi=200_000)
    tokens_out = np.where(ok, lognormal_int(rng, n, 300, 0.8, lo=1, hi=16_000), 0)
    cache_read = np.where(rng.random(n) < 0.4, lognormal_int(rng, n, 2000, 1.0, hi=200_000), 0)
    cache_write = np.where(rng.random(n) < 0.15, lognormal_int(rng, n, 800, 1.0, hi=100_000), 0)
    usd = (tokens_in * usd_in + tokens_out * usd_out + cache_read * usd_in * 0.1 + cache_write * usd_in * 1.25) / 1e6
    cost_cents = np.where(ok, np.rint(usd * 100), 0).astype(np.int64)
    latency = lognormal_int(rng, n, 850, 0.6, lo=30)
    tail = rng.random(n) < 0.02
    latency[tail] = np.minimum(latency[tail] * (1 + rng.pareto(1.3, size=tail.sum())), 120_000).astype(np.int64)
    latency = np.where(status == "timeout", 60_000, np.where(status == "rate_limited", rng.integers(2, 40, n), latency))
    error_pick = rng.random(n)
    codes, messages = [], []
    for name, (code_list, message_list) in ERRORS.items():
        at = np.minimum((error_pick * len(code_list)).astype(np.int64), len(code_list) - 1)
        codes.append(pl.when(pl.col("status") == name).then(pl.Series(code_list).gather(at)))
        messages.append(pl.when(pl.col("status") == name).then(pl.Series(message_list).gather(at)))
    streaming = frame["event_type"] == "streaming"
    ttft = pl.Series(np.minimum(lognormal_int(rng, n, 350, 0.5, lo=20), latency))
    frame = frame.with_columns(
        status=status,
        time=times_in_day(rng, n, d.day),
        request_id=uuids(rng, n),
        model=pl.Series([m[0] for m in USAGE_MODELS]).gather(model_idx),
        input_tokens=pl.Series(tokens_in),
        output_tokens=pl.Series(tokens_out),
        cache_read_tokens=pl.Series(cache_read),
        cache_write_tokens=pl.Series(cache_write),
        cost_cents=pl.Series(cost_cents),
        latency_ms=with_nulls(pl.Series(latency), rng, 0.02),
        time_to_first_token_ms=pl.when(streaming & (status == "success")).then(ttft),
        metadata=choose(rng, ["{}", '{"region": "us-east-1"}', '{"region": "ap-northeast-1"}',
                              '{"region": "eu-central-1", "sdk": "python"}'], n, [0.4, 0.3, 0.2, 0.1]),
    ).with_columns(error_code=pl.coalesce(codes), error_message=pl.coalesce(messages))
    return frame.select(
        "time", "org_id", "project_id", "user_id", "api_key_id", "request_id", "event_type", "model",
        "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_cents", "latency_ms",
        "time_to_first_token_ms", "mcp_server_id", "mcp_tool_name", "status", "error_code", "error_message",
        "metadata",
    )


def mcp_usage(d: Day, usage: pl.DataFrame) -> pl.DataFrame:
    """One MCP call per `mcp_tool` usage event of the day, shortly after it (same day)."""
    rng = d.rng("mcp_usage")
    calls = usage.filter(pl.col("event_type") == "mcp_tool")
    n = calls.height
    start = calls["time"].cast(pl.Int64).to_numpy()
    when = clip_to_day(start + rng.integers(1_000, 500_000, size=n), d.day)
    status = choose(rng, ["success", "error", "timeout", "blocked"], n, [0.93, 0.04, 0.02, 0.01])
    latency = lognormal_int(rng, n, 180, 0.8, lo=2, hi=30_000)
    return calls.select(
        as_datetime(when, "time"), "org_id", "project_id", "user_id",
        pl.col("mcp_server_id").alias("server_id"), pl.col("mcp_tool_name").alias("tool_name"),
        uuids(rng, n, "request_id"), pl.col("request_id").alias("parent_request_id"),
    ).with_columns(
        latency_ms=with_nulls(pl.Series(np.where(status == "timeout", 30_000, latency)), rng, 0.02),
        status=status,
        error_message=pl.when(status == "error").then(pl.lit("Tool raised an exception"))
        .when(status == "timeout").then(pl.lit("Tool call timed out after 30s"))
        .when(status == "blocked").then(pl.lit("Blocked by policy")),
        input_size=pl.Series(lognormal_int(rng, n, 600, 0.8, lo=2)),
        output_size=pl.Series(lognormal_int(rng, n, 4_000, 1.2, lo=0)),
        metadata=pl.lit("{}"),
    ).sort("time")


def events(d: Day) -> pl.DataFrame:
    rng, n = d.rng("events"), d.n("events")
    assets = d.ref.frames["asset_metadata"]
    asset_idx = rng.integers(0, assets.height, size=n)
    ids = uuids(rng, n)
    # A fifth of the events continue an earlier event of the same day (same tenant not required).
    has_parent = (rng.random(n) < 0.2) & (np.arange(n) > 0)
    parent_idx = (rng.random(n) * np.arange(n)).astype(np.int64)
    groups = max(1, n // 8)
    correlation = with_nulls(uuids(rng, groups).gather(rng.integers(0, groups, size=n)), rng, 0.5)
    event_type = choose(rng, ["telemetry", "security", "cost", "governance"], n, [0.55, 0.1, 0.2, 0.15])
    stamp = times_in_day(rng, n, d.day, "timestamp")
    payload = pl.DataFrame({"t": event_type, "v": np.round(rng.gamma(2, 50, size=n), 2)}).select(
        pl.concat_str([pl.lit('{"kind": "'), pl.col("t"), pl.lit('", "value": '), pl.col("v").cast(pl.String)])
    ).to_series()
    payload, metadata = _event_text_times(d, stamp, payload)
    return pl.DataFrame({
        "id": ids,
        "timestamp": stamp,
        "source_module": choose(rng, ["gateway", "cortex", "governance", "sync", "billing"], n),
        "event_type": event_type,
        "correlation_id": correlation,
        "parent_event_id": pl.select(pl.when(pl.Series(has_parent)).then(ids.gather(parent_idx))).to_series(),
        "asset_id": with_nulls(assets["asset_id"].gather(asset_idx), rng, 0.05),
        "severity": choose(rng, ["debug", "info", "warning", "error", "critical"], n, [0.1, 0.6, 0.2, 0.08, 0.02]),
        "environment": choose(rng, ["production", "staging", "development"], n, [0.7, 0.2, 0.1]),
        "tenant_id": assets["tenant_id"].gather(asset_idx),
        "payload": payload,
        "metadata": with_nulls(metadata, rng, 0.5),
        "created_at": stamp,
    })


def _event_text_times(d: Day, stamp: pl.Series, payload: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Closes the events' payloads, a third with the instant observed (text) and cost events with their
    billing period (a text date); a metadata object, a third with the instant ingested (text).

    Drawn from a stream of their own, so that the events' other columns do not depend on them.
    """
    rng = d.rng("events/text_times")
    n = stamp.len()
    observed = pl.Series(rng.random(n) < 0.35)
    period = pl.Series(rng.random(n) < 0.5) & payload.str.starts_with('{"kind": "cost"')
    ingested = pl.Series(rng.random(n) < 0.35)
    late = as_datetime(stamp.cast(pl.Int64).to_numpy() + rng.integers(50_000, 90_000_000, size=n), "ingested")
    frame = pl.DataFrame({"payload": payload, "observed": text_instants(rng, stamp), "period": text_dates(rng, stamp),
                          "ingested": text_instants(rng, late)})
    full = frame.select(
        payload=pl.concat_str([
            pl.col("payload"),
            pl.when(observed).then(', "observed_at": ' + pl.col("observed")).otherwise(pl.lit("")),
            pl.when(period).then(', "billing_period": ' + pl.col("period")).otherwise(pl.lit("")),
            pl.lit("}"),
        ]),
        metadata=pl.when(ingested).then(pl.concat_str([pl.lit('{"ingested_at": '), pl.col("ingested"), pl.lit("}")]))
        .otherwise(pl.lit("{}")),
    )
    return full["payload"], full["metadata"]


def correlations(d: Day, day_events: pl.DataFrame) -> pl.DataFrame:
    """Pairs of the day's events; each correlation is stamped at or after both of its events."""
    rng = d.rng("correlations")
    n = min(d.n("correlations"), max(0, day_events.height - 1))
    if n == 0:
        return pl.DataFrame()
    a = rng.integers(0, day_events.height, size=n)
    b = (a + rng.integers(1, min(day_events.height, 50), size=n)) % day_events.height
    stamp = day_events["timestamp"].cast(pl.Int64).to_numpy()
    latest = np.maximum(stamp[a], stamp[b])
    when = np.minimum(latest + rng.integers(0, 60_000_000, size=n), day_start_us(d.day) + US_PER_DAY - 1)
    when = np.maximum(when, latest)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "timestamp": as_datetime(when, "timestamp"),
        "correlation_type": choose(rng, ["causal", "temporal", "anomaly", "statistical"], n),
        "primary_event_id": day_events["id"].gather(a),
        "related_event_id": day_events["id"].gather(b),
        "strength": np.round(rng.beta(2, 2, size=n), 4),
        "confidence": np.round(rng.beta(4, 2, size=n), 4),
        "tenant_id": day_events["tenant_id"].gather(a),
        "metadata": with_nulls(constant("{}", n, "metadata"), rng, 0.5),
        "created_at": as_datetime(when, "created_at"),
    }).sort("timestamp")


METRIC_NAMES = [("latency", "performance"), ("throughput", "performance"), ("error_rate", "reliability"),
                ("cost_usd", "cost"), ("tokens", "usage"), ("queue_depth", "capacity")]


def metrics(d: Day) -> pl.DataFrame:
    """5-minute series for a set of (asset, metric), plus a few 1-minute and 1-hour rows."""
    rng = d.rng("metrics")
    assets = d.ref.frames["asset_metadata"]
    all_series = assets.height * len(METRIC_NAMES)
    n_series = max(2, min(all_series, d.n("metrics")))
    pick = rng.choice(all_series, size=n_series, replace=False)
    asset_idx, metric_idx = pick // len(METRIC_NAMES), pick % len(METRIC_NAMES)
    parts = []
    for bucket, step_us, share in (("00:05:00", 300_000_000, 1.0), ("00:01:00", 60_000_000, 0.05),
                                   ("01:00:00", 3_600_000_000, 0.25)):
        chosen = np.arange(n_series) if share == 1.0 else np.flatnonzero(rng.random(n_series) < share)
        if chosen.size == 0:
            continue
        steps = US_PER_DAY // step_us
        series = np.repeat(chosen, steps)
        stamps = day_start_us(d.day) + np.tile(np.arange(steps) * step_us, chosen.size)
        parts.append((bucket, series, stamps))
    bucket = np.concatenate([np.full(s.size, b, dtype=object) for b, s, _ in parts])
    series = np.concatenate([s for _, s, _ in parts])
    stamps = np.concatenate([t for _, _, t in parts])
    n = series.size
    level = rng.lognormal(3, 1, size=n_series)[series]
    count = rng.integers(20, 5_000, size=n)
    avg = level * rng.lognormal(0, 0.15, size=n)
    spread = avg * rng.uniform(0.05, 0.5, size=n)
    vmin = np.maximum(avg - 2 * spread, 0)
    p50 = avg - 0.1 * spread
    p95 = avg + 1.6 * spread
    p99 = avg + 2.3 * spread
    vmax = p99 + spread * rng.uniform(0.1, 2.0, size=n)
    asset = assets["asset_id"].gather(asset_idx[series])
    return pl.DataFrame({
        "id": uuids(rng, n),
        "timestamp": as_datetime(stamps, "timestamp"),
        "time_bucket": pl.Series(bucket, dtype=pl.String),
        "asset_id": asset,
        "metric_type": pl.Series([m[1] for m in METRIC_NAMES]).gather(metric_idx[series]),
        "metric_name": pl.Series([m[0] for m in METRIC_NAMES]).gather(metric_idx[series]),
        "tenant_id": assets["tenant_id"].gather(asset_idx[series]),
        "value_count": count,
        "value_sum": avg * count,
        "value_avg": avg,
        "value_min": vmin,
        "value_max": vmax,
        "value_p50": p50,
        "value_p95": p95,
        "value_p99": p99,
        "value_stddev": spread,
        "dimensions": choose(rng, ['{"region": "us"}', '{"region": "eu"}', '{"region": "ap"}'], n),
        "created_at": as_datetime(stamps, "created_at"),
    }).sort("timestamp", "asset_id", "metric_name", "time_bucket")


def metadata_violations(d: Day) -> pl.DataFrame:
    """Violations of the seeded standards: open, resolved (sometimes days later, never after now) or suppressed."""
    rng, n = d.rng("metadata_violations"), d.n("metadata_violations")
    standards = d.ref.standards
    if standards.height == 0:
        return pl.DataFrame()
    std_idx = rng.integers(0, standards.height, size=n)
    detected = times_in_day(rng, n, d.day, "detected_at")
    status = choose(rng, ["open", "resolved", "suppressed"], n, [0.3, 0.6, 0.1])
    # Resolution delay: median 5 hours, a long tail up to a week.
    delay = np.minimum(rng.lognormal(np.log(5 * 3_600e6), 1.3, size=n), 7 * US_PER_DAY).astype(np.int64)
    resolved = as_datetime(detected.cast(pl.Int64).to_numpy() + np.maximum(delay, 1_000_000), "resolved_at")
    # A resolution that would lie after the wall clock has not happened yet: that violation is still open.
    status = pl.select(
        pl.when((status == "resolved") & (resolved > now_utc()))
        .then(pl.lit("open")).otherwise(status)
    ).to_series().alias("status")
    users = d.ref.frames["users"]["id"]
    auto_fixed = (status == "resolved") & pl.Series(rng.random(n) < 0.3)
    resource = choose(rng, ["dashboard", "module", "artifact", "project", "template"], n)
    values = choose(rng, ["2026-01-01 14:30:45", "01/02/2026", "Dashboard Final v2", "v1.2", "my_Module",
                          "2026-01-01T14:30:45+09:00"], n)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "standard_id": standards["id"].gather(std_idx),
        "resource_type": resource,
        "resource_id": uuids(rng, n),
        "violation_value": values,
        "suggested_fix": with_nulls(constant("Use the standard's format", n, "suggested_fix"), rng, 0.3),
        "status": status,
        "detected_at": detected,
        "resolved_at": pl.select(pl.when(status == "resolved").then(resolved)).to_series(),
        "resolved_by": pl.select(
            pl.when(status == "resolved").then(users.gather(rng.integers(0, users.len(), size=n)))
        ).to_series(),
        "auto_fix_applied": auto_fixed,
        "auto_fix_applied_at": pl.select(pl.when(auto_fixed).then(resolved)).to_series(),
        "auto_fix_details": pl.select(pl.when(auto_fixed).then(pl.lit('{"fixer": "normalize_timestamp"}'))).to_series(),
    })


AUDIT_ACTIONS = [
    ("user.login", "user"), ("project.update", "project"), ("project.create", "project"),
    ("mcp_server.approve", "mcp_server"), ("policy.update", "policy"), ("api_key.create", "api_key"),
    ("api_key.revoke", "api_key"), ("dashboard.update", "dashboard"), ("export.download", "export"),
]


def audit_logs(d: Day, ordinal_base: int) -> pl.DataFrame:
    """Audit events in both seeds' shapes; ids are `ordinal_base + i`, unique per day."""
    rng, n = d.rng("audit_logs"), d.n("audit_logs")
    members = d.ref.frames["org_members"]
    projects = d.ref.frames["projects"]
    pick = rng.integers(0, members.height, size=n)
    actor_type = choose(rng, ["user", "api_key", "system", "webhook"], n, [0.7, 0.15, 0.1, 0.05])
    action_idx = rng.integers(0, len(AUDIT_ACTIONS), size=n)
    org = members["org_id"].gather(pick)
    project = (
        pl.DataFrame({"org_id": org, "u": rng.random(n)})
        .join(projects.group_by("org_id").agg(pl.col("id").sort()), on="org_id", how="left", maintain_order="left")
        .select(pl.col("id").list.get((pl.col("u") * pl.col("id").list.len()).cast(pl.Int64)))
        .to_series()
    )
    actor = pl.select(pl.when(actor_type == "user").then(members["user_id"].gather(pick))).to_series()
    octets = [pl.Series(rng.integers(lo, 255, n)).cast(pl.String) for lo in (0, 0, 1)]
    ip = "10." + octets[0] + "." + octets[1] + "." + octets[2]
    agent = choose(rng, ["Mozilla/5.0 (Macintosh)", "cockpit-cli/0.1", "python-httpx/0.27", "VSCode/1.95"], n)
    status = choose(rng, ["success", "failure", "partial"], n, [0.93, 0.05, 0.02])
    stamp = times_in_day(rng, n, d.day, "timestamp")
    metadata, changes = _audit_text_times(d, stamp, choose(rng, ["{}", '{"source": "ui"}', '{"source": "api"}'], n))
    return pl.DataFrame({
        "id": np.arange(n, dtype=np.int64) + ordinal_base,
        "timestamp": stamp,
        "user_id": pl.select(pl.coalesce(actor, pl.lit("system"))).to_series(),
        "action": pl.Series([a for a, _ in AUDIT_ACTIONS]).gather(action_idx),
        "resource_type": pl.Series([r for _, r in AUDIT_ACTIONS]).gather(action_idx),
        "resource_id": uuids(rng, n),
        "status": status,
        "metadata": metadata,
        "ip_address": ip,
        "user_agent": agent,
        "actor_type": actor_type,
        "actor_id": actor,
        "actor_ip": ip,
        "actor_user_agent": agent,
        "org_id": org,
        "project_id": project,
        "changes": with_nulls(changes, rng, 0.4),
        "request_id": uuids(rng, n),
        "sensitive": rng.random(n) < 0.05,
        "retention_days": with_nulls(choose(rng, [90, 365, 730], n, dtype=pl.Int32), rng, 0.7),
    })


def _audit_text_times(d: Day, stamp: pl.Series, source: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Audit metadata, a third with the client's clock (text instant); changes, some of an expiry
    (text instants) or a review date (text dates) rather than a name. A stream of their own, as for events."""
    rng = d.rng("audit_logs/text_times")
    n = stamp.len()
    micros = stamp.cast(pl.Int64).to_numpy()
    client = as_datetime(micros - rng.integers(0, 2_000_000, size=n), "client")
    expiry = as_datetime(micros + rng.integers(1, 90, size=n) * US_PER_DAY, "expiry")
    review = as_datetime(micros + rng.integers(7, 60, size=n) * US_PER_DAY, "review")
    kind = pl.Series(rng.choice(3, size=n, p=[0.6, 0.25, 0.15]))
    with_client = pl.Series(rng.random(n) < 0.35)
    frame = pl.DataFrame({
        "source": source, "client": text_instants(rng, client), "old_expiry": text_instants(rng, stamp),
        "new_expiry": text_instants(rng, expiry), "old_review": text_dates(rng, stamp),
        "new_review": text_dates(rng, review),
    })
    full = frame.select(
        metadata=pl.when(with_client).then(
            pl.concat_str([pl.col("source").str.strip_suffix("}"),
                           pl.when(pl.col("source") == "{}").then(pl.lit("")).otherwise(pl.lit(", ")),
                           pl.lit('"client_time": '), pl.col("client"), pl.lit("}")])
        ).otherwise(pl.col("source")),
        changes=pl.when(kind == 1).then(pl.concat_str([pl.lit('{"expires_at": {"old": '), pl.col("old_expiry"),
                                                       pl.lit(', "new": '), pl.col("new_expiry"), pl.lit("}}")]))
        .when(kind == 2).then(pl.concat_str([pl.lit('{"review_date": {"old": '), pl.col("old_review"),
                                             pl.lit(', "new": '), pl.col("new_review"), pl.lit("}}")]))
        .otherwise(pl.lit('{"name": {"old": "Old", "new": "New"}}')),
    )
    return full["metadata"], full["changes"]


LICENSES = ["cc_by_4_0", "cc_by_sa_4_0", "cc_by_nc_4_0", "cc0_1_0", "mit", "apache_2_0", "proprietary",
            "public_domain", "unknown"]


def provenance(d: Day, time_column: str = "created_at") -> pl.DataFrame:
    """Provenance records of reference materials. When the day is given by `created_at` (the record),
    acquisition goes back up to ten years, so `acquired_at + retention_years` of some rows already lies
    before the day (the expiry job's rows); when it is given by `acquired_at`, both fall in the day."""
    rng, n = d.rng("provenance"), d.n("provenance")
    material = d.ref.frames["materials"]
    pick = rng.integers(0, material.height, size=n)
    recorded = times_in_day(rng, n, d.day, "created_at")
    years_back = rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 10], size=n)
    back_us = (years_back * 365.25 * US_PER_DAY + rng.integers(0, 30 * US_PER_DAY, size=n)).astype(np.int64)
    if time_column == "acquired_at":
        back_us = rng.integers(0, 1_000_000, size=n)
    acquired = recorded.cast(pl.Int64).to_numpy() - back_us
    if time_column == "acquired_at":
        acquired = clip_to_day(acquired, d.day)
    users = d.ref.frames["users"]["id"]
    return pl.DataFrame({
        "id": uuids(rng, n),
        "content_id": material["id"].gather(pick),
        "content_type": material["content_type"].gather(pick),
        "source_uri": material["source_uri"].gather(pick),
        "source_name": choose(rng, ["internal wiki", "docs site", "git", "upload"], n),
        "acquisition_method": choose(rng, ["api_fetch", "manual_upload", "ai_generated", "user_created",
                                           "system_import"], n),
        "acquired_at": as_datetime(acquired, "acquired_at"),
        "acquired_by": with_nulls(users.gather(rng.integers(0, users.len(), size=n)), rng, 0.05),
        "license_type": choose(rng, LICENSES, n, [0.2, 0.1, 0.05, 0.05, 0.15, 0.15, 0.2, 0.05, 0.05]),
        "permission_flag": rng.random(n) < 0.9,
        "external_share_consent": rng.random(n) < 0.4,
        "retention_years": with_nulls(choose(rng, [1, 3, 5, 7, 10], n, dtype=pl.Int32), rng, 0.1),
        "access_policy": choose(rng, ['{"visibility": "private"}', '{"visibility": "org"}',
                                      '{"visibility": "public"}'], n),
        "last_verified_at": recorded,
        "created_at": recorded,
        "updated_at": recorded,
    }).sort(time_column)


def filesystem_timestamps(d: Day) -> pl.DataFrame:
    """MAC times: mtime ≤ ctime ≤ captured_at, atime ≥ mtime."""
    rng, n = d.rng("filesystem_timestamps"), d.n("filesystem_timestamps")
    captured = times_in_day(rng, n, d.day, "captured_at").cast(pl.Int64).to_numpy()
    mtime = captured - lognormal_int(rng, n, 3 * 3_600_000_000, 1.5, lo=1, hi=400 * US_PER_DAY)
    ctime = np.minimum(mtime + rng.integers(0, 5_000_000, size=n), captured)
    atime = mtime + ((captured - mtime) * rng.random(n)).astype(np.int64)
    projects = d.ref.frames["projects"]["id"]
    path = (choose(rng, ["src/", "docs/", "dashboards/", "sql/", "tests/"], n)
            + choose(rng, ["main", "index", "config", "schema", "notes"], n) + "_"
            + pl.Series(rng.integers(0, 500, n)).cast(pl.String)
            + choose(rng, [".py", ".md", ".json", ".sql", ".elm"], n))
    return pl.DataFrame({
        "id": uuids(rng, n),
        "file_path": path,
        "atime": as_datetime(atime, "atime"),
        "mtime": as_datetime(mtime, "mtime"),
        "ctime": as_datetime(ctime, "ctime"),
        "captured_at": as_datetime(captured, "captured_at"),
        "git_commit_sha": with_nulls(hex_strings(rng, n, 40, "git_commit_sha"), rng, 0.3),
        "project_id": with_nulls(projects.gather(rng.integers(0, projects.len(), size=n)), rng, 0.1),
    })


COMPONENTS = [("api-gateway", "NTP"), ("cortex-worker", "NTP"), ("tidb-pd", "PTP"), ("tidb-kv", "PTP"),
              ("web-ui", "Browser"), ("sync-service", "Server"), ("scheduler", "NTP"), ("vscode-ext", "Browser")]


def clock_sync_status(d: Day) -> pl.DataFrame:
    rng, n = d.rng("clock_sync_status"), d.n("clock_sync_status")
    comp = rng.integers(0, len(COMPONENTS), size=n)
    protocol = pl.Series([p for _, p in COMPONENTS]).gather(comp)
    offset = np.rint(rng.standard_t(3, size=n) * 1_500).astype(np.int64)
    status = np.where(np.abs(offset) < 10_000, "synchronized", "drifting")
    status = np.where(rng.random(n) < 0.01, "error", status)
    stratum = pl.select(pl.when(protocol == "NTP").then(pl.Series(rng.integers(1, 4, n)))).to_series()
    return pl.DataFrame({
        "id": uuids(rng, n),
        "component_name": pl.Series([c for c, _ in COMPONENTS]).gather(comp),
        "protocol": protocol,
        "stratum": stratum,
        "offset_microseconds": offset,
        "last_sync_at": times_in_day(rng, n, d.day, "last_sync_at", diurnal=False),
        "status": status,
        "error_message": pl.select(pl.when(pl.Series(status) == "error")
                                   .then(pl.lit("no response from time source"))).to_series(),
    })


CHANGE_TYPES = ["dashboard_update", "module_config", "template_apply", "guardrail_change", "layout_move"]


def sync_buffer(d: Day) -> pl.DataFrame:
    """Proposed changes ("the Bin"): most are propagated, some pending, validated or rejected."""
    rng, n = d.rng("sync_buffer"), d.n("sync_buffer")
    projects = d.ref.frames["projects"]["id"]
    created = times_in_day(rng, n, d.day, "created_at")
    status = choose(rng, ["PENDING", "VALIDATED", "REJECTED", "PROPAGATED"], n, [0.1, 0.15, 0.1, 0.65])
    start = created.cast(pl.Int64).to_numpy()
    validated = start + lognormal_int(rng, n, 2_000_000, 0.8, lo=1_000)
    propagated = validated + lognormal_int(rng, n, 5_000_000, 0.8, lo=1_000)
    change = choose(rng, CHANGE_TYPES, n)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "project_id": projects.gather(rng.integers(0, projects.len(), size=n)),
        "change_type": change,
        "source_module_id": with_nulls(uuids(rng, n, "source_module_id"), rng, 0.2),
        "payload": '{"change": "' + change + '", "fields": ' + pl.Series(rng.integers(1, 9, n)).cast(pl.String) + "}",
        "status": status,
        "validation_results": pl.select(pl.when(status != "PENDING").then(
            pl.when(status == "REJECTED").then(pl.lit('{"valid": false, "errors": ["guardrail"]}'))
            .otherwise(pl.lit('{"valid": true, "errors": []}')))).to_series(),
        "impact_analysis": pl.select(pl.when(status != "PENDING").then(pl.lit('{"dashboards": 3}'))).to_series(),
        "created_at": created,
        "validated_at": pl.select(pl.when(status != "PENDING").then(as_datetime(validated, "v"))).to_series(),
        "propagated_at": pl.select(pl.when(status == "PROPAGATED").then(as_datetime(propagated, "p"))).to_series(),
    })


def propagation_log(d: Day, buffer: pl.DataFrame) -> pl.DataFrame:
    """One to six dashboards per propagated change, logged the same day."""
    rng = d.rng("propagation_log")
    changes = buffer.filter(pl.col("status") == "PROPAGATED")
    fan_out = rng.integers(1, 7, size=changes.height)
    parent = np.repeat(np.arange(changes.height), fan_out)
    n = parent.size
    start = changes["created_at"].cast(pl.Int64).to_numpy()[parent]
    status = choose(rng, ["SUCCESS", "PARTIAL", "FAILED"], n, [0.9, 0.07, 0.03])
    return pl.DataFrame({
        "id": uuids(rng, n),
        "sync_buffer_id": changes["id"].gather(parent),
        "affected_dashboard_id": uuids(rng, n, "affected_dashboard_id"),
        "propagation_type": choose(rng, ["full", "incremental", "style_only"], n, [0.2, 0.7, 0.1]),
        "status": status,
        "error_message": pl.select(pl.when(status == "FAILED").then(pl.lit("Dashboard schema mismatch"))
                                   .when(status == "PARTIAL").then(pl.lit("2 modules skipped"))).to_series(),
        "token_cost": lognormal_int(rng, n, 1_200, 0.9),
        "duration_ms": lognormal_int(rng, n, 250, 0.7, lo=1),
        "created_at": as_datetime(clip_to_day(start + rng.integers(1_000, 30_000_000, size=n), d.day), "created_at"),
    }).sort("created_at")


def version_history(d: Day) -> pl.DataFrame:
    rng, n = d.rng("version_history"), d.n("version_history")
    users = d.ref.frames["users"]["id"]
    resource = choose(rng, ["dashboard", "module", "template", "profile"], n)
    version = rng.integers(1, 50, size=n)
    return pl.DataFrame({
        "id": uuids(rng, n),
        "resource_type": resource,
        "resource_id": uuids(rng, n, "resource_id"),
        "version_number": version,
        "snapshot": pl.select(pl.concat_str([pl.lit('{"type": "'), resource, pl.lit('", "version": '),
                                             pl.Series(version).cast(pl.String), pl.lit("}")])).to_series(),
        "change_description": with_nulls(choose(rng, ["Layout tweak", "Renamed module", "New widget",
                                                      "Rollback"], n), rng, 0.2),
        "created_by": users.gather(rng.integers(0, users.len(), size=n)),
        "created_at": times_in_day(rng, n, d.day, "created_at"),
    })


def generate_day(d: Day, time_columns: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Every raw table's rows for the day (before conforming to the contracts); `time_columns` are the
    contracts' day columns, which some generators follow."""
    usage = usage_events(d)
    day_events = events(d)
    buffer = sync_buffer(d)
    frames = {
        "ai_dialogue_log": ai_dialogue_log(d),
        "token_usage": token_usage(d),
        "usage_events": usage,
        "mcp_usage": mcp_usage(d, usage),
        "events": day_events,
        "correlations": correlations(d, day_events),
        "metrics": metrics(d),
        "metadata_violations": metadata_violations(d),
        "audit_logs": audit_logs(d, audit_id_base(d.day)),
        "provenance": provenance(d, time_columns.get("provenance", "created_at")),
        "filesystem_timestamps": filesystem_timestamps(d),
        "clock_sync_status": clock_sync_status(d),
        "sync_buffer": buffer,
        "propagation_log": propagation_log(d, buffer),
        "version_history": version_history(d),
    }
    return {name: frame for name, frame in frames.items() if frame.width}


def audit_id_base(day: date) -> int:
    """Generated audit ids: 10^12 + day number x 10^7, far above the identity sequence's own ids."""
    return 1_000_000_000_000 + (day - date(1970, 1, 1)).days * 10_000_000

