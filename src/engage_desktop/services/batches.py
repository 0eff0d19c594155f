"""Pause, resume and cancel a batch of messages (a campaign run, a test send).

The dispatcher checks the batch's state before every single message, so a pause takes effect
between two messages; resuming sends only what was not sent (the outbox rows remember), and a
cancel marks the unsent rest canceled. Each change needs *Manage Communications setup* and is
audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.outbox import BatchState
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.services import audit
from engage_desktop.services.clock import utc_now

_FROM = {BatchState.PAUSED: (BatchState.ACTIVE,), BatchState.ACTIVE: (BatchState.PAUSED,),
         BatchState.CANCELED: (BatchState.ACTIVE, BatchState.PAUSED)}
_ACTION = {BatchState.PAUSED: "messages.paused", BatchState.ACTIVE: "messages.resumed",
           BatchState.CANCELED: "messages.canceled"}


def set_state(*, uow_factory: UnitOfWorkFactory, actor: Actor, batch_id: int, state: BatchState,
              clock: Callable[[], datetime] = utc_now) -> dict[str, int]:
    """Move the batch to ``state``; returns the batch's message counts by status afterwards."""
    actor.require(Right.MANAGE_COMMUNICATIONS)
    with uow_factory() as uow:
        if not uow.outbox.set_batch_state(batch_id, state, expect=_FROM[state]):
            current = uow.outbox.batch_state(batch_id)
            if current is None:
                raise ValidationFailed({"batch": "These messages no longer exist."})
            if current is not state:
                raise ValidationFailed({"batch": f"These messages are {current.value}; they cannot be {state.value} now."})
            return uow.outbox.counts(batch_id=batch_id)  # already so: nothing to do
        canceled = 0
        if state is BatchState.CANCELED:
            canceled = uow.outbox.cancel_unsent(batch_id, now=clock(), reason=f"Canceled by {actor.shown_name}.")
        audit.record(uow, actor, _ACTION[state], entity_type="outbox_batch", entity_id=str(batch_id),
                     details={"canceled": canceled} if canceled else None)
        uow.commit()
        return uow.outbox.counts(batch_id=batch_id)
