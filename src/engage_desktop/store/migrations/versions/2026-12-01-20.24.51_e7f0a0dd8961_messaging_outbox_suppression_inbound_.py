"""messaging outbox suppression inbound lease

Revision ID: e7f0a0dd8961
Revises: 4a6450997e1c
Create Date: 2026-12-01 20:24:51.323195+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7f0a0dd8961'
down_revision: str | None = '4a6450997e1c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The messaging engine (issue 5): outbox, batches, suppression list, threads, inbound, polling, lease.
    op.create_table('inbound_poll_state',
    sa.Column('location_number', sa.String(length=32), nullable=False),
    sa.Column('watermark', sa.DateTime(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('failing_since', sa.DateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('location_number', name=op.f('pk_inbound_poll_state'))
    )
    op.create_table('job_lease',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=255), nullable=True),
    sa.Column('acquired_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lease'))
    )
    op.create_table('message_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_number', sa.String(length=32), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('patient_pms_id', sa.String(length=64), nullable=True),
    sa.Column('unlinked_id', sa.Integer(), nullable=True),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_thread')),
    sa.UniqueConstraint('location_number', 'phone', name=op.f('uq_message_thread_location_number_phone'))
    )
    with op.batch_alter_table('message_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_thread_patient_pms_id'), ['patient_pms_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_thread_unlinked_id'), ['unlinked_id'], unique=False)

    op.create_table('outbox_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_batch'))
    )
    op.create_table('suppression',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('raw_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppression')),
    sa.UniqueConstraint('channel', 'address', name=op.f('uq_suppression_channel_address'))
    )
    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('provider_id', sa.String(length=100), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=32), nullable=False),
    sa.Column('location_number', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('consent', sa.String(length=24), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], name=op.f('fk_inbound_message_thread_id_message_thread')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_message')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_inbound_message_provider_id'))
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_message_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_message_thread_id'), ['thread_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('sender', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('unsubscribe_url', sa.String(length=500), nullable=True),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=True),
    sa.Column('patient_pms_id', sa.String(length=64), nullable=True),
    sa.Column('unlinked_id', sa.Integer(), nullable=True),
    sa.Column('recipient_state', sa.String(length=8), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('quiet_hours', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('attempt_started_at', sa.DateTime(), nullable=True),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('provider_id', sa.String(length=100), nullable=True),
    sa.Column('provider_status', sa.String(length=32), nullable=True),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('polls', sa.Integer(), nullable=False),
    sa.Column('next_poll_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['outbox_batch.id'], name=op.f('fk_outbox_message_batch_id_outbox_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_outbox_message_provider_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_outbox_message_due', ['status', 'not_before'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_lease_until'), ['lease_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_next_poll_at'), ['next_poll_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_patient_pms_id'), ['patient_pms_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient'), ['recipient'], unique=False)
        batch_op.create_index('ix_outbox_message_sender_submitted', ['sender', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_unlinked_id'), ['unlinked_id'], unique=False)



def downgrade() -> None:
    # The messaging engine (issue 5): outbox, batches, suppression list, threads, inbound, polling, lease.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_unlinked_id'))
        batch_op.drop_index('ix_outbox_message_sender_submitted')
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_patient_pms_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_next_poll_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_lease_until'))
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.drop_index(batch_op.f('ix_outbox_message_batch_id'))

    op.drop_table('outbox_message')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_message_thread_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_message_received_at'))

    op.drop_table('inbound_message')
    op.drop_table('suppression')
    op.drop_table('outbox_batch')
    with op.batch_alter_table('message_thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_unlinked_id'))
        batch_op.drop_index(batch_op.f('ix_message_thread_patient_pms_id'))

    op.drop_table('message_thread')
    op.drop_table('job_lease')
    op.drop_table('inbound_poll_state')
