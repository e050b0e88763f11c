"""Proxies between co-ops: a member co-op gives its vote to another member co-op (scoped, dated,
accepted, revocable); a ballot the co-op casts itself always overrides it. See docs/proxies.md.

Pure modules: states.py (the state table), resolution.py (who holds whose vote in a vote),
chain.py (the hash-chained proxy record). The pages' blueprint is registered by the app factory."""
