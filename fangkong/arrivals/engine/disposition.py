"""What a checkpoint does with one traveller: a pure function of what the staffer measured and was shown.

Local practice (DOMAIN.md, "Checkpoints"): a negative test within 48 h and a green code pass; a yellow code or a
missing certificate is persuaded to return (劝返); a red code stays in the vehicle and is handed over for transfer to
centralised isolation (交接转运). A temperature at or above the protocol's fever threshold sends the traveller to the
observation room, re-measured after 30 minutes; still high → fever clinic. Travellers from risk areas are handed
over (high), tested on arrival (medium, 落地检) or registered (low, or an origin nobody could resolve).

The threshold comes from the active protocol's rules, never from here.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Disposition(StrEnum):
    PASS = "pass"
    REGISTER_AND_PASS = "register_and_pass"
    TEST_ON_ARRIVAL = "test_on_arrival"
    PERSUADE_TO_RETURN = "persuade_to_return"
    HAND_OVER_TRANSFER = "hand_over_transfer"
    OBSERVATION = "observation"
    FEVER_CLINIC = "fever_clinic"


class HealthCode(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"


# Most severe first: when several rules apply, the first of these wins.
SEVERITY = (
    Disposition.FEVER_CLINIC,
    Disposition.OBSERVATION,
    Disposition.HAND_OVER_TRANSFER,
    Disposition.PERSUADE_TO_RETURN,
    Disposition.TEST_ON_ARRIVAL,
    Disposition.REGISTER_AND_PASS,
    Disposition.PASS,
)

# The traveller enters the destination and is handed to its grid (an Arrival); the others do not.
ENTERS_AND_REGISTERED = frozenset({
    Disposition.REGISTER_AND_PASS, Disposition.TEST_ON_ARRIVAL, Disposition.HAND_OVER_TRANSFER,
    Disposition.FEVER_CLINIC,
})

LEVELS = ("high", "medium", "low")


@dataclass(frozen=True)
class Decision:
    disposition: Disposition
    reasons: tuple[str, ...]  # codes, translated by the caller: "fever", "red_code", "origin_high", ...

    @property
    def enters(self) -> bool:
        return self.disposition in ENTERS_AND_REGISTERED


def is_fever(temperature: Decimal | None, threshold: Decimal) -> bool:
    return temperature is not None and Decimal(temperature) >= Decimal(threshold)


def decide(*, temperature: Decimal | None, fever_threshold: Decimal, health_code: str,
           negative_test_within_48h: bool, origin_level: str | None, origin_resolved: bool = True,
           recheck_temperature: Decimal | None = None) -> Decision:
    """The proposed disposition and every rule that fired (most severe rule decides)."""
    if health_code not in HealthCode.__members__.values():
        raise ValueError(f"unknown health code {health_code!r}")
    if origin_level is not None and origin_level not in LEVELS:
        raise ValueError(f"unknown risk level {origin_level!r}")
    fired: list[tuple[Disposition, str]] = []
    if is_fever(temperature, fever_threshold):
        if recheck_temperature is None:
            fired.append((Disposition.OBSERVATION, "fever_first_measure"))
        elif is_fever(recheck_temperature, fever_threshold):
            fired.append((Disposition.FEVER_CLINIC, "fever_after_recheck"))
    if health_code == HealthCode.RED:
        fired.append((Disposition.HAND_OVER_TRANSFER, "red_code"))
    if origin_level == "high":
        fired.append((Disposition.HAND_OVER_TRANSFER, "origin_high"))
    if health_code == HealthCode.YELLOW:
        fired.append((Disposition.PERSUADE_TO_RETURN, "yellow_code"))
    if health_code == HealthCode.NONE:
        fired.append((Disposition.PERSUADE_TO_RETURN, "no_code"))
    if not negative_test_within_48h:
        fired.append((Disposition.PERSUADE_TO_RETURN, "no_negative_test"))
    if origin_level == "medium":
        fired.append((Disposition.TEST_ON_ARRIVAL, "origin_medium"))
    if origin_level == "low":
        fired.append((Disposition.REGISTER_AND_PASS, "origin_low"))
    if not origin_resolved:
        fired.append((Disposition.REGISTER_AND_PASS, "origin_unresolved"))
    if not fired:
        return Decision(Disposition.PASS, ())
    rank = {d: i for i, d in enumerate(SEVERITY)}
    winner = min((d for d, _reason in fired), key=rank.__getitem__)
    return Decision(winner, tuple(reason for _d, reason in fired))


def effective_level(*, origin_level: str | None, health_code: str) -> str | None:
    """The risk level the destination's measures follow: a red code is treated as a high-risk origin."""
    if health_code == HealthCode.RED:
        return "high"
    return origin_level


def highest_level(levels) -> str | None:
    present = [level for level in levels if level]
    return min(present, key=LEVELS.index) if present else None
