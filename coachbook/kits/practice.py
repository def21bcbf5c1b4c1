"""The practice kit's round plan: one role-play round per scenario, up to three, each the conversation plus a debrief."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.schema import ConversationModel, PracticeScenario, Step
from .catalog import PRACTICE_GROUP_SIZE

# A group of three plays at most three rounds, so that each of them leads, answers and observes once.
MAX_ROUNDS = 3
# A round's conversation when the model gives no minutes at all: long enough to get through the steps once.
DEFAULT_CONVERSATION_MINUTES = 20
# Time for the group to talk a round over before the roles rotate.
DEBRIEF_MINUTES = 10


def practice_sets(participants: int) -> int:
    """How many practice kits a session of `participants` needs: one per group of three, rounded up."""
    return -(-participants // PRACTICE_GROUP_SIZE)


@dataclass(frozen=True)
class PracticeRound:
    """One round: its number (1, 2, 3), the scenario played and the minutes it takes, debrief included."""

    number: int
    scenario: PracticeScenario
    minutes: int


@dataclass(frozen=True)
class RoundPlan:
    """The practice session: the rounds, the conversation and debrief minutes of each, and the total."""

    rounds: list[PracticeRound]
    conversation_minutes: int
    debrief_minutes: int

    @property
    def total_minutes(self) -> int:
        return sum(round_.minutes for round_ in self.rounds)


def during_steps(model: ConversationModel) -> list[Step]:
    """The steps of the conversation itself, which a round plays and the observer watches for."""
    return [step for stage in model.stages if stage.when == "during" for step in stage.steps]


def conversation_minutes(model: ConversationModel) -> int:
    """A round's conversation: the minutes the `during` stages give, else the model's duration, else a default."""
    given = [stage.minutes for stage in model.stages if stage.when == "during" and stage.minutes is not None]
    if given:
        return sum(given)
    return model.duration_minutes or DEFAULT_CONVERSATION_MINUTES


def round_plan(model: ConversationModel) -> RoundPlan:
    """The rounds of the model's first scenarios (up to MAX_ROUNDS), each its conversation plus a debrief."""
    conversation = conversation_minutes(model)
    rounds = [PracticeRound(number, scenario, conversation + DEBRIEF_MINUTES)
              for number, scenario in enumerate(model.practice[:MAX_ROUNDS], start=1)]
    return RoundPlan(rounds, conversation, DEBRIEF_MINUTES)
