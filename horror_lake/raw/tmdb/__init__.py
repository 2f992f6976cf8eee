"""TMDB enrichment of the raw zone: one job per module.

credentials (secrets kept out) -> transport (HTTP or snapshot) -> client (rate limit, retries)
-> fetch (many titles in flight) -> journal (resumable progress) -> history (what is due) ->
source (which transport, from the settings) -> asset (raw_tmdb).
"""
