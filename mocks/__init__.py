"""Stand-in servers that play MOSIP and OpenCRVS over real HTTP, for the demo
(``python -m mocks``) and the tests. They never import the portal (``integration``):
their crypto is written separately, so each side checks the other."""

from .base import Controls, StandIn
from .mosip import MosipStandIn
from .opencrvs import OpenCrvsStandIn

__all__ = ["Controls", "MosipStandIn", "OpenCrvsStandIn", "StandIn"]
