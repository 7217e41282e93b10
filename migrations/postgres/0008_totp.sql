-- The second factor of administrators and bureau/HQ users (issue 7; 等保 8.1.4.1: two or more
-- authentication techniques for administrators). TOTP as RFC 6238, with one-time recovery codes.

-- A confirmed authenticator. The secret is kept as base32: a TOTP check needs the secret itself.
create table second_factors (
    user_id text primary key references users (id),
    secret text not null,
    confirmed_at bigint not null,
    -- The last time step whose code was accepted: a code is good once, and never an older one.
    last_step bigint not null,
    -- Wrong codes in a row, and the lock they lead to (the password's own count is separate).
    failed_attempts bigint not null default 0,
    locked_until bigint
);

-- Recovery codes, only as hashes; a used one keeps its row with the time it was used.
create table recovery_codes (
    user_id text not null references users (id),
    code_hash text not null,
    created_at bigint not null,
    used_at bigint,
    constraint recovery_codes_pkey primary key (user_id, code_hash)
);

-- The half-signed-in state between a right password and the code: short-lived, a few tries.
-- Only a hash of its token is kept (as for sessions). enrol_secret is the secret being set up
-- when the user has no authenticator yet.
create table second_factor_challenges (
    token_hash text primary key,
    user_id text not null references users (id),
    kind text not null,
    csrf_token text not null,
    next_path text not null,
    enrol_secret text,
    attempts bigint not null default 0,
    created_at bigint not null,
    ip text not null
);
create index second_factor_challenges_user_idx on second_factor_challenges (user_id);
