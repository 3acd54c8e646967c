"""How results are shown: Altair charts, the manager's HTML report, display helpers
(durations in s / min / h, tables) and the scenario editor's tables for the app.

A leaf layer: the engine, measures and plans never import it.
"""
