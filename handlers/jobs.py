"""The repeating jobs of one bot process, scheduled in one place.

Each job is a plain async method of the core; the callbacks here and in the feature modules only
call it and tell users what it returned.
"""

from __future__ import annotations

import logging

from telegram.ext import Application

from handlers.common import SETTINGS_KEY
from handlers.confirm import expire_confirmations
from handlers.delivery import alert_round
from handlers.notices import plan_subscriptions, rebalance_keys, watch_orders
from handlers.trading import reconcile_leftovers
from kisbot.config import Settings

logger = logging.getLogger(__name__)

ALERT_ROUND = "alert-round"
EXPIRE_INTERVAL = 2.0  # seconds between sweeps for expired confirmations
LEFTOVER_CHECK = 5.0  # after start: settle unknown outcomes left by an earlier run
LEFTOVER_INTERVAL = 300.0  # and again every 5 minutes: cut-off submits appear only later
ORDER_WATCH_INTERVAL = 3.0  # polling for fills of kisbot's open orders no WebSocket reports
REBALANCE = "rebalance-keys"
REBALANCE_INTERVAL = 2.0  # a dead process's app keys are taken over within about this
PLAN_INTERVAL = 1.0  # a change of keys or alerts reaches the WebSocket registrations this soon


def register(application: Application) -> None:
    """Schedule the alert round, the confirmation expiry sweep, the leftover reconciliation,
    and the order watch (fills by polling). Prompt delivery is not a job: kisbot.app starts
    handlers.delivery.deliver_on_ring, which waits for the doorbell."""
    queue = application.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is installed
        logger.warning("no JobQueue: alerts will not be checked, confirmations not expired")
        return
    settings: Settings = application.bot_data[SETTINGS_KEY]
    queue.run_repeating(
        alert_round,
        interval=settings.alert_interval,
        name=ALERT_ROUND,
        job_kwargs={
            "misfire_grace_time": None,  # a late round runs, however late
            "coalesce": True,  # several missed rounds run once
            "max_instances": 2,  # one running, one waiting on the round's lock
        },
    )
    queue.run_repeating(
        expire_confirmations, interval=EXPIRE_INTERVAL, first=1.0, name="expire-confirmations"
    )
    queue.run_repeating(
        reconcile_leftovers, LEFTOVER_INTERVAL, first=LEFTOVER_CHECK, name="reconcile"
    )
    queue.run_repeating(
        watch_orders,
        ORDER_WATCH_INTERVAL,
        first=ORDER_WATCH_INTERVAL,
        name="watch-orders",
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    queue.run_repeating(
        plan_subscriptions,
        PLAN_INTERVAL,
        first=0.1,
        name="plan-subscriptions",
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )


def register_rebalance(application: Application) -> None:
    """Schedule this process's share of the app keys (only when several processes may share
    the database: on SQLite one process owns every key and nothing runs)."""
    queue = application.job_queue
    if queue is None or queue.get_jobs_by_name(REBALANCE):  # pragma: no cover
        return
    queue.run_repeating(
        rebalance_keys,
        REBALANCE_INTERVAL,
        first=REBALANCE_INTERVAL,
        name=REBALANCE,
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
