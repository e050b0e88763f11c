"""Search across standards, sections, amendments and comments, respecting what the reader may see."""
