"""Storage: engine and sessions, portable column types, migrations."""
