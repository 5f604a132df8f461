"""What every domain service shares: the acting user, keys, audit, state machines, CRUD."""
