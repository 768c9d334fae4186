"""Supplies' models: the stock ledger and donations (ledger.py), living support for controlled households
(living.py)."""

from fangkong.supplies.models.ledger import *  # noqa: F403
from fangkong.supplies.models.living import *  # noqa: F403
