-- Idempotency-Key: the first answer to a command, kept with the events it appended (in the same transaction),
-- so a client that retries with the same key gets that answer back and appends nothing.
create table if not exists command_receipts (
    key          text        primary key,
    request_hash text        not null,
    first_seq    bigint      not null,
    last_seq     bigint      not null,
    response     text        not null,
    recorded_at  timestamptz not null default now()
);
