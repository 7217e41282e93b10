-- Sign-in hardening (issue 7).
--
-- When each password was set and each account last signed in, for the MLPS profile (periodic
-- change, dormant accounts disabled). Filled from the audit log where it knows, else from the
-- account's creation.
alter table users add column password_changed_at bigint;
alter table users add column last_sign_in_at bigint;

update users set password_changed_at = coalesce(
    (select max(a.at) from audit_events a
     where a.entity = 'user' and a.entity_id = users.id
       and a.action in ('user.change_password', 'user.reset_password')),
    created_at);

update users set last_sign_in_at =
    (select max(a.at) from audit_events a
     where a.entity = 'user' and a.entity_id = users.id and a.action = 'login.success');

-- Failed sign-ins counted and locked per name (lower-cased), whether or not an account has the
-- name: an unknown name locks like a known one, so a lock says nothing about which names exist.
-- Account rows read their name's count and lock from here; users.failed_attempts and
-- users.locked_until are no longer written (a failure then writes the same rows for any name).
create table sign_in_names (
    name_key text primary key,
    failed_attempts bigint not null default 0,
    locked_until bigint,
    last_failure_at bigint not null
);
create index sign_in_names_last_failure_idx on sign_in_names (last_failure_at);
-- The accounts a name's lock applies to, found the same way for any name.
create index users_lower_username_idx on users (lower(username));

insert into sign_in_names (name_key, failed_attempts, locked_until, last_failure_at)
select lower(username), max(failed_attempts), max(locked_until), coalesce(max(locked_until), 0)
from users where failed_attempts > 0 or locked_until is not null
group by lower(username);
