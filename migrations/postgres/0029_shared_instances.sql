-- Several instances on one database (issue 13): what one instance counts, the others count too.

-- The sign-in throttle's buckets (src/throttle.rs), one row per client address ('address:…') or
-- name ('name:…'). A bucket is kept as the instant it is full again: each attempt moves that
-- instant on by one token's time (from now, when it had passed), and an attempt that would move
-- it more than a whole burst ahead of now is refused. A row whose instant has passed is a full
-- bucket and carries nothing: such rows are deleted from time to time, which bounds the table by
-- the attempts of the last few minutes. seen_at is the latest time an attempt was counted in it:
-- a clock behind that (set back, or another instance's running late) counts as standing there,
-- so a bucket neither fills nor drains when the time goes backwards.
create table sign_in_buckets (
    bucket text primary key,
    full_at bigint not null,
    seen_at bigint not null
);

-- Exactly once across instances for the scheduled jobs outside the reminders (the daily backup):
-- the instance whose row for (job, period) is inserted runs it, the others skip it.
create table scheduled_runs (
    job text not null,
    period text not null,
    ran_at bigint not null,
    constraint scheduled_runs_pkey primary key (job, period)
);
