"""grounded: evidence-backed product decisions.

Evidence in (tickets, interviews, surveys, requests, usage) → themes and problems →
bets weighed on user value, viability and feasibility → decisions that watch their
signals → artifacts for every room.
"""

__version__ = "0.1.0"
