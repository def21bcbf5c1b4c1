"""The sequence schema (one YAML file per series of conversations, `sequences/<id>.yaml`) and its timeline."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .schema import Slug, Strict, Text, _whole_number_between

# Bounds that keep a sequence a plan a person follows: a page and a calendar file list every date of it.
MAX_AFTER_DAYS = 3650
MAX_EVERY_DAYS = 365
MAX_COUNT = 100
# Bounds of a whole sequence: each entry's own bounds allow 80 entries of a 10-year wait and 100 repeats a year
# apart (8,000 events, five-digit years that no calendar reads).
MAX_SPAN_DAYS = 3650  # the last conversation at most 10 years after the start
MAX_EVENTS = 500  # conversations in all, each repeat counted


class Repeat(Strict):
    """How often a conversation of the sequence comes back, at a fixed interval."""

    count: _whole_number_between(1, MAX_COUNT)
    """How many times the conversation happens in all, the first time included: a whole number from 1 to 100."""
    every_days: _whole_number_between(1, MAX_EVERY_DAYS)
    """Days from one time to the next: a whole number from 1 to 365 (14 is every two weeks)."""


class SequenceEntry(Strict):
    """One conversation of a sequence: which model, and when it happens."""

    model: Slug
    """The id of the conversation model held here, such as `okr-goal-planning`."""
    after_days: _whole_number_between(0, MAX_AFTER_DAYS)
    """Days after the previous entry (after its last time, when it repeats); for the first entry, days after
    the start date, normally 0. A whole number from 0 to 3650."""
    repeat: Repeat | None = None
    """Hold the conversation several times, at a fixed interval (without it: once)."""
    note: Text | None = None
    """What to keep in mind for this conversation in the sequence, in a sentence or two."""

    @property
    def count(self) -> int:
        return self.repeat.count if self.repeat else 1


class ConversationSequence(Strict):
    """A series of conversations in order: one YAML file, `sequences/<id>.yaml`."""

    id: Slug
    """The sequence's id: lowercase letters, digits and single hyphens; the file name without `.yaml`."""
    title: Text
    """The name readers see, on the sequence's page and in the navigation."""
    summary: Text
    """What the series is for, in one or two plain sentences."""
    entries: Annotated[list[SequenceEntry], Field(strict=True, min_length=1)]
    """The conversations, in the order they happen: at least one, and at most 500 in all (each repeat counted), the
    last at most 3650 days (10 years) after the start."""

    def schedule(self) -> list[tuple[SequenceEntry, list[int]]]:
        """Each entry with the days it happens on, counted from the start date (day 0)."""
        planned, last = [], 0
        for entry in self.entries:
            first = last + entry.after_days
            every = entry.repeat.every_days if entry.repeat else 0
            days = [first + every * time for time in range(entry.count)]
            planned.append((entry, days))
            last = days[-1]
        return planned

    def overrun(self) -> tuple[tuple[str | int, ...], str] | None:
        """Where (the field path of the entry) and why the sequence passes MAX_SPAN_DAYS or MAX_EVENTS; None within."""
        events = 0
        for index, (entry, days) in enumerate(self.schedule()):
            events += len(days)
            if days[-1] > MAX_SPAN_DAYS:
                return (("entries", index, "repeat") if entry.repeat and days[0] <= MAX_SPAN_DAYS
                        else ("entries", index, "after_days")), (
                    f"the sequence must end at most {MAX_SPAN_DAYS} days (10 years) after its start: "
                    f"this entry brings it to day {days[-1]}")
            if events > MAX_EVENTS:
                return ("entries", index, "repeat", "count") if entry.repeat else ("entries", index), (
                    f"a sequence holds at most {MAX_EVENTS} conversations, each repeat counted: "
                    f"this entry brings it to {events}")
        return None

    def texts(self):
        """Every text a reader must find on the sequence's page."""
        yield from (self.title, self.summary, *(entry.note for entry in self.entries if entry.note))
