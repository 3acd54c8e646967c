"""ccsim in the browser: ``make app`` (or ``streamlit run app.py -- SCENARIO.yaml``).

The thin entry a checkout's ``streamlit run`` takes: the app itself is
:mod:`sim.present.app`, installed with the package (``ccsim app [SCENARIO.yaml]`` starts it
from an installed copy, outside the repository).
"""

from __future__ import annotations

from sim.present.app import main

if __name__ == "__main__":  # streamlit runs this file as __main__
    main()
