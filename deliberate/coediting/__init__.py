"""Live co-editing of a section's working draft or an amendment's text (differential sync)."""
