"""The weekly review's reads through the gateway, and its one setting (broadcast as a Change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from planner.domain.i18n import tr
from planner.domain.timerange import Interval
from planner.domain.values import Change, EntryV
from planner.review import reports
from planner.review import team as team_review
from planner.services import planning, tracking
from ui.gateway import Gateway, Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SETTING = "auto_split_interruption_hours"


@dataclass(frozen=True)
class Week:
    """One week's figures, read in one transaction."""

    report: reports.WeekReport
    trend: reports.ShareTrend
    insight: reports.Insight | None
    use_insight: bool  # auto-split plans around the interruption hours
    today: date | None = None  # the days after it have no figures yet
    team: str | None = None  # team_review.LEAD or MEMBER: the Team tab's reader (None: no team)


class ReviewActions:
    """What the review reads, and the insight switch it writes."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.owner = gateway.owner

    def this_monday(self) -> date:
        """The first day of this week as the locale counts weeks (Sunday in the US)."""
        from ui.formats import first_weekday

        return reports.week_start(self.gateway.today(), first_weekday())

    def week(self, monday: date) -> Week:
        gateway, owner, now = self.gateway, self.owner, self.gateway.now()

        def fetch(s: Session) -> Week:
            zone = gateway.zone
            return Week(
                reports.week_report(s, owner, zone, monday, now),
                reports.share_trend(s, owner, zone, monday, now),
                reports.interruption_insight(s, owner, zone, monday, now),
                bool(planning.get_setting(s, owner, SETTING)),
                planning.day_of(s, owner, now, zone),
                self._team_reader(s),
            )

        return gateway.read(fetch, failure=tr("Could not read the week"))

    @staticmethod
    def _team_reader(session: Session) -> str | None:
        """Whether the Team tab belongs here: a shared server with the team views this login
        may read (no query on SQLite; one on PostgreSQL, in the week's transaction)."""
        access = team_review.team_access(session.connection())
        if isinstance(access, team_review.NoTeam):
            return None
        return team_review.LEAD if access.lead else team_review.MEMBER

    def team(self, first_day: date) -> team_review.TeamReport | team_review.NoTeam:
        """The team's ISO week that shares most days with the review's week from `first_day`."""
        zone = self.gateway.zone
        monday = team_review.iso_monday(first_day)
        return self.gateway.read(
            lambda s: team_review.team_week(s.connection(), monday, zone),
            failure=tr("Could not read the team's week"),
        )

    def entries(self, window: Interval) -> tuple[list[EntryV], int]:
        """The entries in `window` and the day's start minute (for the CSV export)."""
        owner = self.owner

        def fetch(s: Session) -> tuple[list[EntryV], int]:
            entries = tracking.list_entries(s, owner, window)
            return entries, int(planning.get_setting(s, owner, "day_start_minute"))

        return self.gateway.read(fetch)

    def use_insight(self, on: bool) -> Outcome[Change]:
        """Let auto-split put the interrupt-prone role's slots in the interruption hours."""
        return self.gateway.run(
            lambda s: planning.set_setting(s, self.owner, SETTING, on), inline=True
        )
