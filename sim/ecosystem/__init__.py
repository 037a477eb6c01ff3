"""The model: firms, their production network and the layers that move them month by month.

Nothing here imports the experiment, analysis or view layers; they build on this one.
"""

from sim.ecosystem.model import EcosystemModel

__all__ = ["EcosystemModel"]
