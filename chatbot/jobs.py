"""Where features put their background jobs: each one runs only on the replica holding the leader lease.

chatbot/server.py builds the scheduler and the `Leader`, and hands a `JobRegistry` to each feature (digests,
nudges, the welcome job); features never see the scheduler itself. APScheduler 3 keeps jobs in memory
only, so features add them again at every start.
"""

from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger

from chatbot.lease import Leader, leader_only


class JobRegistry:
    def __init__(self, scheduler: BaseScheduler, leader: Leader) -> None:
        self.scheduler = scheduler
        self.leader = leader

    def add(
        self,
        job_id: str,
        trigger: BaseTrigger,
        func: Callable[[], object],
        *,
        misfire_grace_time: int,
        name: str | None = None,
        first_run: datetime | None = None,
    ) -> None:
        """Add or replace a job; it fires on every replica and runs `func` only on the leader.
        `first_run` overrides the trigger's first fire time (e.g. once right at start)."""
        when = {} if first_run is None else {"next_run_time": first_run}
        self.scheduler.add_job(
            leader_only(self.leader, func),
            trigger,
            id=job_id,
            name=name,
            replace_existing=True,
            misfire_grace_time=misfire_grace_time,
            coalesce=True,
            max_instances=1,
            **when,
        )

    def trigger(self, job_id: str) -> BaseTrigger | None:
        job = self.scheduler.get_job(job_id)
        return None if job is None else job.trigger

    def ids(self) -> list[str]:
        return [job.id for job in self.scheduler.get_jobs()]

    def remove(self, job_id: str) -> None:
        self.scheduler.remove_job(job_id)
