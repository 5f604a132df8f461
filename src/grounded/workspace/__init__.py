"""Workspaces, users, memberships and roles, API tokens, the audit log."""
