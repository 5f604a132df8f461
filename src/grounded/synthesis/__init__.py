"""From evidence to themes: runs, themes and memberships (discovery itself arrives with
the embedding work; this is the storage and service layer it writes through)."""
