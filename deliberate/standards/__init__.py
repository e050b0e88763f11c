"""Standards, their sections and the immutable revisions of each section."""
