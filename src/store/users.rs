//! User accounts. Passwords are stored only as argon2id hashes.

use super::audit::{self, Actor, AuditEntry};
use super::orgs::OrgLookup;
use super::{Store, StoreError, violates_unique};
use crate::domain::FieldError;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::password;
use crate::domain::user::{Approval, Role, Username, parse_display_name};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
    pub disabled: bool,
    /// Whether a security administrator has admitted this account (三权分立).
    pub approval: Approval,
    /// A change to this role that waits for a security administrator's approval.
    pub pending_role: Option<Role>,
    /// The organisation that goes with the pending role (id, name).
    pub pending_org: Option<(OrgId, String)>,
    /// The administrator who created the account on the platform (none for first start, the
    /// preset and the command line).
    pub created_by: Option<UserId>,
    /// The administrator who proposed the role (and organisation) that waits for approval.
    pub role_proposed_by: Option<UserId>,
    pub created_at: i64,
    /// When the password was last set (its creation for accounts older than migration 0006).
    pub password_changed_at: i64,
    pub last_sign_in_at: Option<i64>,
}

impl UserRow {
    /// When the account was last used: its last sign-in, or its creation if it never signed in.
    pub fn last_used_at(&self) -> i64 {
        self.last_sign_in_at.unwrap_or(self.created_at)
    }

    /// Whether the account may sign in (and keep a session): enabled and approved. A pending or
    /// rejected account is answered like an unknown name, so nothing tells an outsider it exists.
    pub fn may_sign_in(&self) -> bool {
        !self.disabled && self.approval == Approval::Approved
    }

    /// Whether something about this account waits for a security administrator.
    pub fn awaits_approval(&self) -> bool {
        self.approval == Approval::Pending || self.pending_role.is_some()
    }

    /// Whether `admin` proposed what waits on this account: created it (while it is not yet
    /// admitted) or changed its role since. They may not approve it themselves (三权分立).
    pub fn proposed_by(&self, admin: &UserId) -> bool {
        self.role_proposed_by.as_ref() == Some(admin)
            || (self.approval != Approval::Approved && self.created_by.as_ref() == Some(admin))
    }
}

/// A new account as typed or read from a sheet; checked by [`NewUser::validate`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub org_name: String,
    pub role: String,
    pub password: String,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    /// Only the accounts that wait for a security administrator (new ones, or a role change).
    pub awaiting_approval: bool,
    pub limit: i64,
    pub offset: i64,
}

pub(super) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.org_id, o.name as org_name, u.role, u.password_hash,
    u.must_change_password,
    coalesce((select l.failed_attempts from sign_in_names l where l.name_key = lower(u.username)), 0) as failed_attempts,
    (select l.locked_until from sign_in_names l where l.name_key = lower(u.username)) as locked_until,
    u.disabled, u.created_at,
    coalesce(u.password_changed_at, u.created_at) as password_changed_at, u.last_sign_in_at,
    u.approval, u.pending_role, u.pending_org_id, u.created_by, u.role_proposed_by,
    (select po.name from organisations po where po.id = u.pending_org_id) as pending_org_name";

pub(super) fn user_from_row(r: &AnyRow) -> sqlx::Result<UserRow> {
    let role: String = r.try_get("role")?;
    Ok(UserRow {
        id: UserId::from_db(r.try_get("id")?),
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        org_id: OrgId::from_db(r.try_get("org_id")?),
        org_name: r.try_get("org_name")?,
        role: Role::parse(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?,
        password_hash: r.try_get("password_hash")?,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        failed_attempts: r.try_get("failed_attempts")?,
        locked_until: r.try_get("locked_until")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        approval: {
            let a: String = r.try_get("approval")?;
            Approval::parse(&a)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown approval {a}").into()))?
        },
        pending_role: match r.try_get::<Option<String>, _>("pending_role")? {
            Some(p) => Some(
                Role::parse(&p)
                    .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {p}").into()))?,
            ),
            None => None,
        },
        pending_org: match r.try_get::<Option<String>, _>("pending_org_id")? {
            Some(id) => Some((
                OrgId::from_db(id),
                r.try_get::<Option<String>, _>("pending_org_name")?
                    .unwrap_or_default(),
            )),
            None => None,
        },
        created_by: r
            .try_get::<Option<String>, _>("created_by")?
            .map(UserId::from_db),
        role_proposed_by: r
            .try_get::<Option<String>, _>("role_proposed_by")?
            .map(UserId::from_db),
        created_at: r.try_get("created_at")?,
        password_changed_at: r.try_get("password_changed_at")?,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
    })
}

/// Ends the user's half-finished sign-ins (second-factor challenges), in the transaction that
/// changes what the password step was checked against: a new password, an approval or its
/// refusal, a role, a disabled account.
async fn end_challenges(conn: &mut sqlx::AnyConnection, user: &UserId) -> sqlx::Result<()> {
    sqlx::query("delete from second_factor_challenges where user_id = $1")
        .bind(user.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Checks a password against a stored hash (or against a dummy one, so unknown names take
    /// as long), on the hashing threads.
    pub async fn verify_password(&self, password: &str, hash: Option<&str>) -> bool {
        self.hasher
            .verify(password.to_string(), hash.map(str::to_string))
            .await
    }

    pub async fn hash_password(&self, password: &str) -> anyhow::Result<String> {
        self.hasher.hash(password.to_string()).await
    }
}

/// A new user checked against the database's organisations, ready to insert.
struct CheckedUser {
    username: Username,
    display_name: String,
    org_id: OrgId,
    role: Role,
    password: String,
    must_change_password: bool,
}

/// The most accounts one sheet may create.
/// (Each needs an argon2 hash: a thousand take a few seconds on two cores.)
pub const MAX_USERS_PER_IMPORT: usize = 1000;

impl Store {
    /// Checks an account against the organisations and the usernames taken; no hashing yet
    /// (that waits until every row is valid). Every problem of the account at once.
    async fn check_new_user(
        &self,
        u: &NewUser,
    ) -> Result<Result<CheckedUser, Vec<StoreError>>, sqlx::Error> {
        let org = self.find_organisation_by_name(&u.org_name).await?;
        let checked = Self::check_user_fields(u, org)
            .map_err(|es| es.into_iter().map(StoreError::from).collect::<Vec<_>>());
        // A name already taken is found here with the rest, not one at a time at insert (the
        // unique index still decides a race).
        if let Ok(name) = Username::parse(&u.username)
            && self.find_user_by_username(name.as_str()).await?.is_some()
        {
            let taken = StoreError::Conflict(format!("用户名“{}”已被使用", name.as_str()));
            let mut errors = checked.err().unwrap_or_default();
            errors.push(taken);
            return Ok(Err(errors));
        }
        Ok(checked)
    }

    fn check_user_fields(u: &NewUser, org: OrgLookup) -> Result<CheckedUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let username = Username::parse(&u.username)
            .map_err(|e| errors.push(e))
            .ok();
        let display_name = parse_display_name(&u.display_name)
            .map_err(|e| errors.push(e))
            .ok();
        let role = Role::parse(&u.role);
        if role.is_none() {
            let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            errors.push(FieldError::new(
                "角色",
                format!("“{}”不是有效角色，可选：{}", u.role.trim(), all.join("、")),
            ));
        }
        let org = match org {
            OrgLookup::Found(org) => Some(org),
            OrgLookup::Missing => {
                errors.push(FieldError::new(
                    "单位",
                    format!("没有名为“{}”的单位", u.org_name.trim()),
                ));
                None
            }
            OrgLookup::Ambiguous => {
                errors.push(FieldError::new(
                    "单位",
                    format!(
                        "有多个名为“{}”的单位，请写作 名称(所属镇街)",
                        u.org_name.trim()
                    ),
                ));
                None
            }
        };
        if let (Some(role), Some(org)) = (role, &org)
            && !role.fits_org(org.kind)
        {
            errors.push(FieldError::new(
                "角色",
                format!(
                    "{}角色的用户不能属于{}“{}”",
                    role.label(),
                    org.kind.label(),
                    org.name
                ),
            ));
        }
        if let Err(e) = password::check_strength(&u.password, u.username.trim()) {
            errors.push(e);
        }
        match (username, display_name, role, org) {
            (Some(username), Some(display_name), Some(role), Some(org)) if errors.is_empty() => {
                Ok(CheckedUser {
                    username,
                    display_name,
                    org_id: org.id,
                    role,
                    password: u.password.clone(),
                    must_change_password: u.must_change_password,
                })
            }
            _ => Err(errors),
        }
    }

    /// Checks accounts as [`Store::insert_users`] would, writing nothing: every problem of
    /// every entry, with its index (an import reports them with the problems of its cells).
    pub async fn check_new_users(&self, users: &[NewUser]) -> Vec<(usize, StoreError)> {
        match self.check_users(users).await {
            Ok((_, errors)) => errors,
            Err(e) => e,
        }
    }

    /// The accounts checked, and every problem found, each with the index of its entry.
    async fn check_users(
        &self,
        users: &[NewUser],
    ) -> Result<(Vec<CheckedUser>, Vec<(usize, StoreError)>), Vec<(usize, StoreError)>> {
        let mut checked = Vec::new();
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, u) in users.iter().enumerate() {
            match self
                .check_new_user(u)
                .await
                .map_err(|e| vec![(i, e.into())])?
            {
                Ok(c) => {
                    if !seen.insert(c.username.as_str().to_string()) {
                        errors.push((
                            i,
                            StoreError::Conflict(format!(
                                "用户名“{}”在表中重复",
                                c.username.as_str()
                            )),
                        ));
                    }
                    checked.push(c);
                }
                Err(es) => errors.extend(es.into_iter().map(|e| (i, e))),
            }
        }
        Ok((checked, errors))
    }

    /// Creates one account.
    pub async fn create_user(
        &self,
        actor: &Actor,
        now_ms: i64,
        u: &NewUser,
    ) -> Result<UserId, StoreError> {
        Ok(self
            .create_users(actor, now_ms, std::slice::from_ref(u))
            .await
            .map_err(|mut e| e.remove(0).1)?
            .remove(0))
    }

    /// Creates several accounts, all or none, admitted at once (first start, the preset, the
    /// server's command line). Errors come back with the index of the entry.
    pub async fn create_users(
        &self,
        actor: &Actor,
        now_ms: i64,
        users: &[NewUser],
    ) -> Result<Vec<UserId>, Vec<(usize, StoreError)>> {
        self.insert_users(actor, now_ms, users, Approval::Approved)
            .await
    }

    /// Creates several accounts, all or none, in the given approval state: those the system
    /// administrator creates wait for a security administrator (三权分立).
    pub async fn insert_users(
        &self,
        actor: &Actor,
        now_ms: i64,
        users: &[NewUser],
        approval: Approval,
    ) -> Result<Vec<UserId>, Vec<(usize, StoreError)>> {
        if users.len() > MAX_USERS_PER_IMPORT {
            let msg = format!(
                "一次最多创建 {MAX_USERS_PER_IMPORT} 个用户，本次为 {} 个",
                users.len()
            );
            return Err(vec![(MAX_USERS_PER_IMPORT, StoreError::Conflict(msg))]);
        }
        let (checked, errors) = self.check_users(users).await?;
        if !errors.is_empty() {
            return Err(errors);
        }
        // Hashed side by side (the store's semaphore bounds how many run at once).
        let mut jobs = tokio::task::JoinSet::new();
        for (i, c) in checked.iter().enumerate() {
            let (store, password) = (self.clone(), c.password.clone());
            jobs.spawn(async move { (i, store.hash_password(&password).await) });
        }
        let mut hashes = vec![String::new(); checked.len()];
        while let Some(done) = jobs.join_next().await {
            let (i, hash) = done.map_err(|e| vec![(0, StoreError::Internal(e.into()))])?;
            hashes[i] = hash.map_err(|e| vec![(i, StoreError::Internal(e))])?;
        }
        let result: Result<Vec<UserId>, (usize, StoreError)> = async {
            let mut tx = self.begin_write().await.map_err(|e| (0, e.into()))?;
            let mut ids = Vec::new();
            for (i, c) in checked.iter().enumerate() {
                let id = UserId::new();
                sqlx::query(
                    "insert into users (id, username, display_name, org_id, role, password_hash, must_change_password, created_at, password_changed_at, approval, created_by)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)",
                )
                .bind(id.as_str())
                .bind(c.username.as_str())
                .bind(&c.display_name)
                .bind(c.org_id.as_str())
                .bind(c.role.as_str())
                .bind(&hashes[i])
                .bind(i64::from(c.must_change_password))
                .bind(now_ms)
                .bind(approval.as_str())
                .bind(actor.user_id.as_ref().map(UserId::as_str))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    if violates_unique(&e, "users_username_key", "users.username") {
                        (i, StoreError::Conflict(format!("用户名“{}”已被使用", c.username.as_str())))
                    } else {
                        (i, e.into())
                    }
                })?;
                audit::append(
                    &mut tx,
                    actor,
                    now_ms,
                    AuditEntry {
                        action: "user.create",
                        entity: "user",
                        entity_id: Some(id.as_str()),
                        before: None,
                        after: Some(json!({
                            "username": c.username.as_str(), "display_name": c.display_name,
                            "org_id": c.org_id.as_str(), "role": c.role.as_str(),
                            "approval": approval.as_str(),
                        })),
                    },
                )
                .await
                .map_err(|e| (i, e.into()))?;
                ids.push(id);
            }
            tx.commit().await.map_err(|e| (0, e.into()))?;
            Ok(ids)
        }
        .await;
        result.map_err(|e| vec![e])
    }

    pub async fn find_user_by_username(&self, username: &str) -> sqlx::Result<Option<UserRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {USER_COLUMNS} from users u join organisations o on o.id = u.org_id where u.username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn get_user(&self, id: &UserId) -> sqlx::Result<Option<UserRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {USER_COLUMNS} from users u join organisations o on o.id = u.org_id where u.id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_users(&self, f: &UserFilter) -> sqlx::Result<(Vec<UserRow>, i64)> {
        let pattern =
            f.q.as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(super::orgs::like_pattern);
        let role = f.role.map(|r| r.as_str());
        const WHERE: &str = " where ($1 is null or lower(u.username) like $1 escape '\\' or lower(u.display_name) like $1 escape '\\' or lower(o.name) like $1 escape '\\')
              and ($2 is null or u.role = $2)
              and ($3 = 0 or u.approval = 'pending' or u.pending_role is not null)";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from users u join organisations o on o.id = u.org_id{WHERE}"
        )))
        .bind(pattern.as_deref())
        .bind(role)
        .bind(i64::from(f.awaiting_approval))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {USER_COLUMNS} from users u join organisations o on o.id = u.org_id{WHERE}
             order by u.username limit $4 offset $5"
        )))
        .bind(pattern.as_deref())
        .bind(role)
        .bind(i64::from(f.awaiting_approval))
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            rows.iter()
                .map(user_from_row)
                .collect::<sqlx::Result<_>>()?,
            total,
        ))
    }

    pub async fn count_users(&self) -> sqlx::Result<i64> {
        sqlx::query("select count(*) as n from users")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// The end of the lock on a name ([`password::name_key`]), if it has one (it may have ended).
    pub async fn sign_in_lock(&self, name_key: &str) -> sqlx::Result<Option<i64>> {
        let row = sqlx::query("select locked_until from sign_in_names where name_key = $1")
            .bind(name_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("locked_until")?,
            None => None,
        })
    }

    /// Records a failed sign-in under a name, whether or not an account has it (`user`): counts
    /// it, locks the name on the fifth in a row, audits it. The same statements run either way,
    /// so the time taken says nothing about the name. Returns the lock's end when this failure
    /// locked the name.
    pub async fn record_sign_in_failure(
        &self,
        name_key: &str,
        user: Option<&UserId>,
        actor: &Actor,
        now_ms: i64,
    ) -> sqlx::Result<Option<i64>> {
        let mut tx = self.begin_write().await?;
        // Counted in the database, not from a row read before the check: attempts sent in
        // parallel each add one (the upsert takes the row's write lock until commit). Failures
        // long past, with no lock after them, are forgotten.
        let failures: i64 = sqlx::query(
            "insert into sign_in_names (name_key, failed_attempts, last_failure_at) values ($1, 1, $2)
             on conflict (name_key) do update set
               failed_attempts = case when sign_in_names.last_failure_at < $3 then 1
                                      else sign_in_names.failed_attempts + 1 end,
               last_failure_at = $2
             returning failed_attempts",
        )
        .bind(name_key)
        .bind(now_ms)
        .bind(now_ms - password::FAILURE_MEMORY_MS)
        .fetch_one(&mut *tx)
        .await?
        .try_get("failed_attempts")?;
        let locked_until = password::lock_after(failures, now_ms);
        if let Some(until) = locked_until {
            sqlx::query(
                "update sign_in_names set failed_attempts = 0, locked_until = $1 where name_key = $2",
            )
            .bind(until)
            .bind(name_key)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if locked_until.is_some() {
                    "login.locked"
                } else {
                    "login.failure"
                },
                entity: "user",
                entity_id: user.map(UserId::as_str),
                before: Some(json!({ "failed_attempts": failures - 1 })),
                after: Some(json!({ "failed_attempts": failures, "locked_until": locked_until })),
            },
        )
        .await?;
        tx.commit().await?;
        // After the commit, not inside: within it, this failure's transaction held its name's row
        // while the clean-up waited for other names' rows, held by failures that waited for this
        // one (a deadlock on PostgreSQL, two failures at once for names with old rows).
        if let Err(e) = self.forget_old_sign_in_failures(now_ms).await {
            tracing::warn!(error = %e, "old sign-in failures not cleared this time");
        }
        Ok(locked_until)
    }

    /// Names that failed long ago and are not locked are forgotten, so random names do not pile
    /// up. On PostgreSQL rows another transaction holds are skipped (a later failure clears
    /// them), so this never waits on a lock and never joins a deadlock; SQLite has one writer.
    async fn forget_old_sign_in_failures(&self, now_ms: i64) -> sqlx::Result<()> {
        let sql = match self.backend {
            super::Backend::Sqlite => {
                "delete from sign_in_names where last_failure_at < $1
                 and (locked_until is null or locked_until <= $2)"
            }
            super::Backend::Postgres => {
                "delete from sign_in_names where name_key in (
                   select name_key from sign_in_names where last_failure_at < $1
                   and (locked_until is null or locked_until <= $2)
                   for update skip locked)"
            }
        };
        sqlx::query(sql)
            .bind(now_ms - password::FAILURE_MEMORY_MS)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A successful sign-in: the name's failures are forgotten and the account's last use noted.
    pub async fn record_sign_in_success(
        &self,
        name_key: &str,
        user: &UserId,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("delete from sign_in_names where name_key = $1")
            .bind(name_key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update users set last_sign_in_at = $1 where id = $2")
            .bind(now_ms)
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// MLPS profile: the password must be changed at this sign-in (it is too old).
    pub async fn require_password_change(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("update users set must_change_password = 1 where id = $1")
            .bind(user.id.as_str())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "user.password_expired",
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({ "password_changed_at": user.password_changed_at })),
                after: Some(json!({ "must_change_password": true })),
            },
        )
        .await?;
        tx.commit().await
    }

    /// MLPS profile: enabled accounts not used since `cutoff_ms` (signed in, or created if never).
    pub async fn dormant_users(&self, cutoff_ms: i64) -> sqlx::Result<Vec<UserRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {USER_COLUMNS} from users u join organisations o on o.id = u.org_id
             where u.disabled = 0 and coalesce(u.last_sign_in_at, u.created_at) <= $1
             order by u.username"
        )))
        .bind(cutoff_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// MLPS profile: disables an account unused for the whole period, ending its sessions.
    /// Only if it is still enabled and still unused (a sign-in may have come in between).
    pub async fn disable_dormant_user(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
        cutoff_ms: i64,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "update users set disabled = 1
             where id = $1 and disabled = 0 and coalesce(last_sign_in_at, created_at) <= $2",
        )
        .bind(user.id.as_str())
        .bind(cutoff_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query("delete from sessions where user_id = $1")
            .bind(user.id.as_str())
            .execute(&mut *tx)
            .await?;
        end_challenges(&mut tx, &user.id).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "user.disable_dormant",
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({ "disabled": false, "last_used_at": user.last_used_at() })),
                after: Some(json!({ "disabled": true })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets a new password (already checked for strength) and ends every other session of the user.
    pub async fn set_password(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserId,
        new_password: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let Some(row) = self.get_user(user).await? else {
            return Err(StoreError::NotFound);
        };
        password::check_strength(new_password, &row.username)?;
        let hash = self
            .hash_password(new_password)
            .await
            .map_err(StoreError::Internal)?;
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "update users set password_hash = $1, must_change_password = $2, password_changed_at = $3
             where id = $4",
        )
        .bind(&hash)
        .bind(i64::from(must_change))
        .bind(now_ms)
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("delete from sign_in_names where name_key = $1")
            .bind(password::name_key(&row.username))
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from sessions where user_id = $1 and ($2 is null or token_hash <> $2)")
            .bind(user.as_str())
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        end_challenges(&mut tx, user).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if must_change {
                    "user.reset_password"
                } else {
                    "user.change_password"
                },
                entity: "user",
                entity_id: Some(user.as_str()),
                before: None,
                after: Some(json!({ "must_change_password": must_change })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts a lock-out before its 15 minutes are up (security administrator, or the command line).
    pub async fn unlock_user(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("delete from sign_in_names where name_key = $1")
            .bind(password::name_key(&user.username))
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "user.unlock",
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({ "failed_attempts": user.failed_attempts, "locked_until": user.locked_until })),
                after: Some(json!({ "failed_attempts": 0, "locked_until": null })),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Disables or re-enables an account; disabling ends its sessions.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
        disabled: bool,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("update users set disabled = $1 where id = $2")
            .bind(i64::from(disabled))
            .bind(user.id.as_str())
            .execute(&mut *tx)
            .await?;
        if !disabled {
            // Re-enabling counts as a use: under the MLPS profile the user then has the full
            // period to sign in before the account counts as dormant again.
            sqlx::query("update users set last_sign_in_at = $1 where id = $2")
                .bind(now_ms)
                .bind(user.id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if disabled {
            sqlx::query("delete from sessions where user_id = $1")
                .bind(user.id.as_str())
                .execute(&mut *tx)
                .await?;
            end_challenges(&mut tx, &user.id).await?;
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({ "disabled": user.disabled })),
                after: Some(json!({ "disabled": disabled })),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Records a change of role and organisation (checked by the accounts service). An account
    /// still waiting for approval takes them at once (the approval to come covers them); an
    /// admitted one keeps its role and organisation until a security administrator approves.
    pub async fn propose_role(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
        role: Role,
        org: &OrgId,
    ) -> sqlx::Result<()> {
        let proposer = actor.user_id.as_ref().map(UserId::as_str);
        let mut tx = self.begin_write().await?;
        let action = if user.approval == Approval::Approved {
            sqlx::query(
                "update users set pending_role = $1, pending_org_id = $2, role_proposed_by = $3 where id = $4",
            )
            .bind(role.as_str())
            .bind(org.as_str())
            .bind(proposer)
            .bind(user.id.as_str())
            .execute(&mut *tx)
            .await?;
            "user.role_requested"
        } else {
            sqlx::query(
                "update users set role = $1, org_id = $2, pending_role = null, pending_org_id = null, role_proposed_by = $3 where id = $4",
            )
            .bind(role.as_str())
            .bind(org.as_str())
            .bind(proposer)
            .bind(user.id.as_str())
            .execute(&mut *tx)
            .await?;
            "user.role_change"
        };
        end_challenges(&mut tx, &user.id).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action,
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({
                    "role": user.role.as_str(),
                    "org_id": user.org_id.as_str(),
                    "approval": user.approval.as_str(),
                })),
                after: Some(json!({ "role": role.as_str(), "org_id": org.as_str() })),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Approves what waits on an account: admits a new (or rejected) account, and applies a
    /// pending role. A changed role ends the account's sessions, so it signs in again under it.
    /// Writes nothing and answers `false` when what waits is no longer what `user` shows, or
    /// was proposed by the approver (the service refuses that first; this holds against a
    /// proposal made in between).
    pub async fn approve_user(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
    ) -> sqlx::Result<bool> {
        let role = user.pending_role.unwrap_or(user.role);
        let org = user
            .pending_org
            .as_ref()
            .map(|(id, _)| id)
            .unwrap_or(&user.org_id);
        let approver = actor.user_id.as_ref().map(UserId::as_str).unwrap_or("");
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "update users set approval = 'approved', role = $1, org_id = $2, pending_role = null, pending_org_id = null, role_proposed_by = null
             where id = $3 and approval = $4 and coalesce(pending_role, '') = $5
               and coalesce(pending_org_id, '') = $6 and coalesce(role_proposed_by, '') = $7
               and coalesce(role_proposed_by, '') <> $8
               and (approval = 'approved' or coalesce(created_by, '') <> $8)",
        )
        .bind(role.as_str())
        .bind(org.as_str())
        .bind(user.id.as_str())
        .bind(user.approval.as_str())
        .bind(user.pending_role.map(Role::as_str).unwrap_or(""))
        .bind(user.pending_org.as_ref().map(|(id, _)| id.as_str()).unwrap_or(""))
        .bind(user.role_proposed_by.as_ref().map(UserId::as_str).unwrap_or(""))
        .bind(approver)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        if role != user.role || org != &user.org_id {
            sqlx::query("delete from sessions where user_id = $1")
                .bind(user.id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        end_challenges(&mut tx, &user.id).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "user.approve",
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({
                    "approval": user.approval.as_str(),
                    "role": user.role.as_str(),
                    "org_id": user.org_id.as_str(),
                    "pending_role": user.pending_role.map(Role::as_str),
                    "created_by": user.created_by.as_ref().map(UserId::as_str),
                    "role_proposed_by": user.role_proposed_by.as_ref().map(UserId::as_str),
                })),
                after: Some(json!({
                    "approval": "approved", "role": role.as_str(), "org_id": org.as_str(),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Turns down what waits on an account: a new account is marked rejected (it cannot sign
    /// in); a pending role change is dropped and the account keeps the role it has.
    pub async fn reject_user(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserRow,
    ) -> sqlx::Result<()> {
        let approval = if user.approval == Approval::Pending {
            Approval::Rejected
        } else {
            user.approval
        };
        let mut tx = self.begin_write().await?;
        // A new account keeps the role it was given, and with it who proposed that role (should
        // it be approved after all); a dropped role change leaves nothing proposed.
        sqlx::query(
            "update users set approval = $1, pending_role = null, pending_org_id = null,
             role_proposed_by = case when approval = 'approved' then null else role_proposed_by end
             where id = $2",
        )
        .bind(approval.as_str())
        .bind(user.id.as_str())
        .execute(&mut *tx)
        .await?;
        end_challenges(&mut tx, &user.id).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "user.reject",
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: Some(json!({
                    "approval": user.approval.as_str(),
                    "pending_role": user.pending_role.map(Role::as_str),
                    "pending_org_id": user.pending_org.as_ref().map(|(id, _)| id.as_str()),
                })),
                after: Some(json!({ "approval": approval.as_str(), "pending_role": null })),
            },
        )
        .await?;
        tx.commit().await
    }
}
