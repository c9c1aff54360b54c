"""Why a figure misses its target and what would fix it: written after reading RESULTS.md."""

NOTES: dict[str, str] = {
    "_general": """
Everything runs on one machine: PostgreSQL, gunicorn's two workers and the load generator
(Python threads) share its two cores, so the HTTP figures include the client's own cost.
""",
}
