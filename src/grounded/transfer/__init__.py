"""Move a whole workspace between databases: export to one JSON document, import it back."""
