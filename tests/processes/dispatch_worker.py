"""A dispatcher process for the kill tests: dispatch and poll delivery reports until every outbox
row is final, then exit 0. The test kills it with SIGKILL at random moments and starts it again.

    python -m tests.processes.dispatch_worker DB_URL TWILIO_BASE_URL ACCOUNT_SID TOKEN OWNER
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import time
from datetime import timedelta

from engage_desktop.domain.outbox import RetryPolicy
from engage_desktop.messaging.twilio import TwilioProvider
from engage_desktop.services import dispatch
from engage_desktop.services.dispatch import DispatchSettings, Providers
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory

# Short enough for a test, in the same proportions as production: the lease outlives the
# slowest provider call, and the grace period (resend when the provider does not have it)
# is far longer than the provider takes to list what it accepted.
SETTINGS = DispatchSettings(lease=timedelta(seconds=3), batch_size=16, concurrency=8,
                            reconcile_grace=timedelta(seconds=2), reconcile_recheck=timedelta(milliseconds=200),
                            poll_first=timedelta(0), poll_max=timedelta(milliseconds=100),
                            blocked_wait=timedelta(seconds=1),
                            retry=RetryPolicy(max_attempts=20, base=timedelta(milliseconds=200), cap=timedelta(seconds=2)))


def main(db_url: str, base_url: str, account_sid: str, token: str, owner: str) -> int:
    faulthandler.register(signal.SIGUSR1)  # a test that times out can ask for every thread's stack
    owner = f"{owner}-{os.getpid()}"  # a restarted process never owns its predecessor's leases
    engine = make_engine(db_url)
    uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    provider = TwilioProvider(account_sid=account_sid, auth_secret=token, base_url=base_url, connect_timeout=1.0,
                              read_timeout=0.5)
    providers = Providers(sms=provider)
    while True:
        dispatch.dispatch_due(uow_factory=uow_factory, providers=providers, owner=owner, settings=SETTINGS)
        dispatch.poll_delivery(uow_factory=uow_factory, providers=providers, settings=SETTINGS)
        with uow_factory() as uow:
            if uow.outbox.unfinished() == 0:
                return 0
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
