"""The innovation layer (DESIGN section 3, step 8): R&D, innovations, demand lists, matching, deals.

One module per mechanism; `layer.InnovationLayer` builds them and runs them each month:
- research: R&D spending (firms' own, the government's levers) and its draws; SMEs' adaptation
  of R&D intensity to what R&D returned;
- technology: leaders' component and own-line technology, and technology arriving in their
  products after an integration lag (commercialization);
- matching: demand lists (需求清单), the pool of pending SME innovations, matchmaking rounds;
- deals: the leaders' deal choice (license, acquire, imitate, nothing) and shared patents;
  deal_log: the record of every deal (deals.parquet);
- royalties: licences' royalties and courts' damages, settled quarterly;
- projects: joint projects (揭榜挂帅); fund: the guided fund;
- digital: SMEs' digital levels; certification: the yearly tiers (专精特新, 小巨人);
- obsolescence: technology obsolescence shocks;
- firms: the per-firm arrays the mechanisms share; tables: Table and Registry; arrays: numpy
  helpers; streams: the layer's keyed random purposes; context: what the layer needs of the model;
- series and outcomes: what the layer records each month and its run-level outcomes.
"""

from sim.ecosystem.innovation.deal_log import DEAL_COLUMNS, DEAL_TYPES, TECH_DEALS
from sim.ecosystem.innovation.layer import InnovationLayer
from sim.ecosystem.innovation.outcomes import INNOVATION_EXTRA_OUTCOMES, INNOVATION_OUTCOMES
from sim.ecosystem.innovation.projects import RunningProjects
from sim.ecosystem.innovation.series import INNOVATION_SERIES
from sim.ecosystem.innovation.tables import Registry, Table

__all__ = [
    "DEAL_COLUMNS",
    "DEAL_TYPES",
    "INNOVATION_EXTRA_OUTCOMES",
    "INNOVATION_OUTCOMES",
    "INNOVATION_SERIES",
    "TECH_DEALS",
    "InnovationLayer",
    "Registry",
    "RunningProjects",
    "Table",
]
