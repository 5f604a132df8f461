"""From asks to plans: stakeholder requests and their honest answers, outcomes, scoring
models, plan snapshots, increments, and mid-quarter urgent exceptions."""
