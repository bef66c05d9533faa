"""Deterministic synthetic data for every raw table (`cockpit generate`).

- `reference`: the rows raw tables point at (tenancy, MCP and tool registries, assets, materials), once per seed.
- `facts`: one UTC day of every raw table, vectorized, seeded per (seed, table, day).
- `conform`: frames shaped to the table contracts (order, types, unmodelled columns).
- `load`: reference rows inserted once, days replaced in one transaction, or landing-zone files written.
"""
