"""Units and key places (单位): enterprises, schools, markets and other places with their own prevention duty
(主体责任): contacts, staff rosters, prevention plans, checklists by kind, resumption applications (复工复产/开学),
staggered hours (错峰) and closed-loop operation (闭环管理)."""

from fangkong.units.models.clinics import *  # noqa: F403
from fangkong.units.models.disinfection import *  # noqa: F403
from fangkong.units.models.loops import *  # noqa: F403
from fangkong.units.models.resumption import *  # noqa: F403
from fangkong.units.models.units import *  # noqa: F403
