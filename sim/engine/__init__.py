"""The discrete-event engine: a compiled scenario in, one replication's records out.

Where things are:

* :mod:`.codes` - the codes written into the records (contact states, journey outcomes,
  causes, channel modes), shared with :mod:`sim.kpi` and the tests;
* :mod:`.model` - :func:`compile_scenario`: a scenario as indexed tuples and arrays;
* :mod:`.draws` - random draws: every new journey up front, later contacts from pools;
* :mod:`.tables` - the replication's state: contact, journey, agent and staffing
  tables (named columns of plain lists) and the routing look-ups;
* :mod:`.calendar` - the event calendar (a heap of our own, not SimPy: see there why);
* :mod:`.core` - :func:`run_replication`: the callbacks, by concern (arrivals and
  waiting, starting work, ends of work and freeing agents, journey steps, staffing
  changes, end of day and drain);
* :mod:`.raw` - :class:`RawRun`, what a replication returns, and its assembly.
"""

from __future__ import annotations

from .codes import (
    ABANDONED,
    ANSWERED,
    CAUSE_OF_EVENT,
    CAUSES,
    CONC,
    DEFERRED,
    DEFLECTED,
    EVENT_INDEX,
    GHOST,
    JOURNEY_OUTCOMES,
    LONGEST_IDLE,
    LOST,
    MAX_ATTEMPTS,
    MOST_FREE,
    MOVED,
    OFFER,
    RESOLVED,
    SYNC,
    WAITING,
    Cause,
    ConcurrentRouting,
    ContactState,
    EndEvent,
    JourneyOutcome,
    Mode,
)
from .core import run_replication
from .draws import FirstContacts, first_contacts
from .model import Model, Route, compile_scenario
from .raw import RawRun

_first_contacts = first_contacts  # the name tests and notebooks used before 0.2

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "CAUSE_OF_EVENT",
    "CAUSES",
    "CONC",
    "DEFERRED",
    "DEFLECTED",
    "EVENT_INDEX",
    "GHOST",
    "JOURNEY_OUTCOMES",
    "LONGEST_IDLE",
    "LOST",
    "MAX_ATTEMPTS",
    "MOST_FREE",
    "MOVED",
    "OFFER",
    "RESOLVED",
    "SYNC",
    "WAITING",
    "Cause",
    "ConcurrentRouting",
    "ContactState",
    "EndEvent",
    "JourneyOutcome",
    "Mode",
    "FirstContacts",
    "Model",
    "RawRun",
    "Route",
    "compile_scenario",
    "first_contacts",
    "run_replication",
]
