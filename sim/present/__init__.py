"""How results are shown: Altair charts, the manager's HTML report, display helpers
(durations in s / min / h, tables), the scenario editor's tables, and the Streamlit
app itself (:mod:`sim.present.app`, which nothing imports: ``ccsim app`` and the
top-level ``app.py`` run it as a script).

A leaf layer: the engine, measures and plans never import it.
"""
