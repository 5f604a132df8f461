"""One search over evidence, problems, bets and decisions, on SQLite FTS5 or PostgreSQL."""
