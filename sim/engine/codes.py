"""Codes the engine writes into its records, shared by :mod:`sim.kpi` and the tests."""

from __future__ import annotations

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "CAUSES",
    "CONC",
    "DEFERRED",
    "EVENT_INDEX",
    "GHOST",
    "JOURNEY_OUTCOMES",
    "LOST",
    "MAX_ATTEMPTS",
    "MODES",
    "RESOLVED",
    "SYNC",
    "WAITING",
]

EVENT_INDEX = {"abandon": 0, "unresolved": 1, "balk": 2}
CAUSES = ("new", "abandon", "unresolved", "balk", "chase")  # why a contact was made

# contact states (GHOST: abandoned silently but still queued as work; recorded ABANDONED)
WAITING, ANSWERED, ABANDONED, GHOST = 0, 1, 2, 3
# outcome codes of a journey
RESOLVED, LOST, MAX_ATTEMPTS = 1, 2, 3
JOURNEY_OUTCOMES = {RESOLVED: "resolved", LOST: "lost", MAX_ATTEMPTS: "max_attempts"}
SYNC, CONC, DEFERRED = 0, 1, 2
MODES = {"synchronous": SYNC, "concurrent": CONC, "deferred": DEFERRED}
