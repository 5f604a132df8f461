"""The decision log: records with options and tradeoffs, an append-only history, and the
signals that say when to look again."""
