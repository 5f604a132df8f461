"""Customer accounts, the people in them, and internal stakeholder groups."""
