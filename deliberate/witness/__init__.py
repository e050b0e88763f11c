"""The network's witness log: a public, append-only hash chain over every vote's final record head
and every ratified version (docs/witness.md)."""
