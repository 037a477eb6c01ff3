"""The innovation layer's random numbers: keyed purposes (see sim.ecosystem.keyed), each draw a
function of (root seed, purpose, month, the entity it is for) and of nothing else: not of how
many firms, innovations or offers there are this month, nor of the order they are visited in.

The entities, by purpose:
- start_tech, start_digital, start_rd (month START_MONTH = -1): an SME (its firm slot);
- rd (month, R&D firm, component 0-3: success, catch-up, overlap chance, overlap) and quality
  (month, R&D firm): an innovation is its firm and its birth month (a firm makes at most one a
  month), never the registry's sequential id, which depends on how many came before;
- match (month, SME, birth month, component 0-1: which listing leader, whether it reaches it):
  a pending innovation at a matchmaking round;
- taste (month, leader, SME, birth month, option) and liable (month, leader, SME, birth
  month): an offer of an innovation to a leader;
- public_sponsor (month, project number, leader): Efraimidis-Spirakis keys, the leader with the
  smallest key sponsors the project; market_projects (month, leader): a Poisson count;
- entrant_digital, entrant_rd (month, SME): an entrant, by its firm slot;
- obsolete_categories (the shock's start, the shock's index, category): the categories a
  tech_obsolescence shock with `categories: random` hits, the `count` smallest keys.
"""

from __future__ import annotations

from sim.ecosystem.keyed import KeyedDraws, Stream

START_MONTH = -1  # the month key of the start's draws

PURPOSES = (
    "start_tech",
    "start_digital",
    "start_rd",
    "rd",
    "quality",
    "match",
    "taste",
    "liable",
    "public_sponsor",
    "market_projects",
    "entrant_digital",
    "entrant_rd",
    "obsolete_categories",
)


class InnovationDraws:
    """The layer's keyed streams, one attribute per purpose (named `innovation.<purpose>`)."""

    start_tech: Stream
    start_digital: Stream
    start_rd: Stream
    rd: Stream
    quality: Stream
    match: Stream
    taste: Stream
    liable: Stream
    public_sponsor: Stream
    market_projects: Stream
    entrant_digital: Stream
    entrant_rd: Stream
    obsolete_categories: Stream

    def __init__(self, draws: KeyedDraws) -> None:
        for purpose in PURPOSES:
            setattr(self, purpose, draws[f"innovation.{purpose}"])
