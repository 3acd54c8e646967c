"""The Streamlit app's building blocks (``app.py`` is the entry point).

Pure helpers (tables, charts, the journey map's DOT, formatting) import no
streamlit, so they are unit-testable; :mod:`ui.state` holds the session state and
the cached simulation runs; ``ui/pages/`` holds one script per page.
"""
