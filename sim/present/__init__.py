"""How results are shown: Altair charts, the manager's HTML report, display helpers
(durations in s / min / h, tables), the scenario editor's tables, the optimise page's
(``planning``) and compare page's (``comparison``) tables and the scenario library
(``library``): the pure parts of the Streamlit app, which itself is the top-level
``app.py`` (no UI in ``sim/``).

A leaf layer: the engine, measures and plans never import it.
"""
