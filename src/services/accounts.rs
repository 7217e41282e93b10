//! Accounts: creating them one at a time or from a sheet, first passwords, and what the
//! administrators do to them. The administrators' pages, the JSON API, the command line and
//! first start all come through here (三权分立, issue 7):
//!
//! - first start and the server's command line (the operator who holds the host) create any
//!   account, admitted at once: the only way to make or mend an administrator's account;
//! - the system administrator creates business accounts, which wait for approval, and disables
//!   or enables them;
//! - the system administrator or a security administrator proposes a change of role (and of
//!   the organisation that goes with a role); it waits for approval;
//! - a security administrator approves or rejects new accounts and role changes, but never what
//!   they proposed themselves; resets passwords and lifts lock-outs;
//! - nobody acts on their own account or on another administrator's on the platform.

use super::ServiceError;
use super::access::{self, Viewer};
use super::reads::{self, Read};
use crate::domain::FieldError;
use crate::domain::ids::UserId;
use crate::domain::sheet::RowError;
use crate::domain::user::{Approval, Role};
use crate::imports::{read_user_rows, user_column_of};
use crate::store::{Actor, NewUser, OrgLookup, Store, StoreError, UserFilter, UserRow};

/// Who an account is for; the password is chosen separately ([`FirstPassword`]).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    /// Organisation name (a village may be written 名称(所属镇街)).
    pub org_name: String,
    /// Role code: bureau, hq, school, town, village, sysadmin or auditor.
    pub role: String,
}

/// The first password of a new account. Either way it is known to someone other than the user,
/// so it must be changed at first sign-in (等保: 默认口令须修改).
#[derive(Debug, Clone)]
pub enum FirstPassword {
    /// Chosen by the operator who creates the account (the command line, `XIAODI_ADMIN_PASSWORD`).
    Given(String),
    /// Generated here and handed out once.
    Generated,
}

/// Creates one account from first start or the command line, admitted at once. Returns its id
/// and the password it was created with (to hand out when it was generated).
pub async fn create_account(
    store: &Store,
    actor: &Actor,
    now_ms: i64,
    account: NewAccount,
    password: FirstPassword,
) -> Result<(UserId, String), StoreError> {
    let password = match password {
        FirstPassword::Given(p) => p,
        FirstPassword::Generated => generate_password(),
    };
    let new = NewUser {
        username: account.username,
        display_name: account.display_name,
        org_name: account.org_name,
        role: account.role,
        password,
        must_change_password: true,
    };
    let id = store.create_user(actor, now_ms, &new).await?;
    Ok((id, new.password))
}

/// Sets a new generated password that must be changed at the next sign-in, ending the user's
/// sessions (the command line: any account). Returns the password to hand out.
pub async fn reset_password(
    store: &Store,
    actor: &Actor,
    now_ms: i64,
    user: &UserId,
) -> Result<String, StoreError> {
    let password = generate_password();
    store
        .set_password(actor, now_ms, user, &password, true, None)
        .await?;
    Ok(password)
}

/// Why a sheet of accounts was not created: its rows (for the person to mend), or the system.
#[derive(Debug)]
pub enum SheetFailure {
    Rows(Vec<RowError>),
    Store(StoreError),
}

/// Creates accounts from sheet rows (the command line), all or none, admitted at once, each
/// with a generated first password that must be changed at first sign-in. Returns (username,
/// password) pairs to hand out.
pub async fn create_users_from_sheet(
    store: &Store,
    actor: &Actor,
    now_ms: i64,
    rows: &[Vec<String>],
) -> Result<Vec<(String, String)>, SheetFailure> {
    users_from_sheet(store, actor, now_ms, rows, Approval::Approved).await
}

async fn users_from_sheet(
    store: &Store,
    actor: &Actor,
    now_ms: i64,
    rows: &[Vec<String>],
    approval: Approval,
) -> Result<Vec<(String, String)>, SheetFailure> {
    let (parsed, mut errors) = read_user_rows(rows);
    if approval != Approval::Approved {
        // From the platform: business roles only (an administrator's account comes from the
        // command line).
        errors.extend(
            parsed
                .iter()
                .filter(|r| Role::parse(&r.role).is_some_and(Role::is_admin))
                .map(|r| RowError::new(r.row, "角色", access::ADMIN_ACCOUNTS_FROM_CLI)),
        );
    }
    let users: Vec<NewUser> = parsed
        .iter()
        .map(|r| NewUser {
            username: r.username.clone(),
            display_name: r.display_name.clone(),
            org_name: r.organisation.clone(),
            role: r.role.clone(),
            password: generate_password(),
            must_change_password: true,
        })
        .collect();
    // Every problem of every row at once: what the cells lack and what the store finds in the
    // rest (an unknown organisation, a name taken), all before anything is written.
    let store_errors = if errors.is_empty() {
        match store.insert_users(actor, now_ms, &users, approval).await {
            Ok(_) => {
                return Ok(users
                    .into_iter()
                    .map(|u| (u.username.trim().to_string(), u.password))
                    .collect());
            }
            Err(e) => e,
        }
    } else {
        store.check_new_users(&users).await
    };
    for (i, e) in store_errors {
        let row = parsed.get(i).map(|r| r.row).unwrap_or(1);
        let (column, message) = match e {
            StoreError::Invalid(f) => (user_column_of(f.field), f.message),
            StoreError::Conflict(m) => ("用户名", m),
            other => return Err(SheetFailure::Store(other)),
        };
        // An empty cell is reported once, not again as what the store makes of it.
        if !errors.iter().any(|x| x.row == row && x.column == column) {
            errors.push(RowError::new(row, column, message));
        }
    }
    errors.sort_by_key(|e| e.row);
    Err(SheetFailure::Rows(errors))
}

/// Creates one account on the platform (system administrator): a business role only, a
/// generated first password to be changed at first sign-in, and no sign-in until a security
/// administrator approves it. Returns its id and the password to hand out.
pub async fn create_account_for_approval(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    account: NewAccount,
) -> Result<(UserId, String), ServiceError> {
    access::require_account_admin(viewer)?;
    if let Some(role) = Role::parse(&account.role) {
        access::check_assignable_role(role)?;
    }
    let new = NewUser {
        username: account.username,
        display_name: account.display_name,
        org_name: account.org_name,
        role: account.role,
        password: generate_password(),
        must_change_password: true,
    };
    let id = store
        .insert_users(
            &viewer.actor(),
            now_ms,
            std::slice::from_ref(&new),
            Approval::Pending,
        )
        .await
        .map_err(|mut e| e.remove(0).1)?
        .remove(0);
    Ok((id, new.password))
}

/// Creates accounts from a sheet on the platform (system administrator), all or none: business
/// roles only, each waiting for a security administrator's approval.
pub async fn import_accounts_for_approval(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    rows: &[Vec<String>],
) -> Result<Vec<(String, String)>, ServiceError> {
    access::require_account_admin(viewer)?;
    users_from_sheet(store, &viewer.actor(), now_ms, rows, Approval::Pending)
        .await
        .map_err(|f| match f {
            SheetFailure::Rows(rows) => ServiceError::Rows(rows),
            SheetFailure::Store(e) => e.into(),
        })
}

/// The account `id` names, for an administrator to act on: not found when there is none, and
/// refused when it is the administrator's own or another administrator's.
async fn target(store: &Store, viewer: &Viewer, id: &str) -> Result<UserRow, ServiceError> {
    let id = UserId::parse(id).ok_or(ServiceError::NotFound)?;
    let user = store.get_user(&id).await?.ok_or(ServiceError::NotFound)?;
    access::may_act_on_account(viewer, &user.id, user.role)?;
    Ok(user)
}

/// A page of accounts, for the system or the security administrator. Every list of accounts
/// (the users page, the approvals page, the list after an import, the API) is a view of personal
/// data, audited here once for every door; `asked` says which list and what was asked.
pub async fn list_accounts(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    filter: &UserFilter,
    asked: serde_json::Value,
) -> Result<(Vec<UserRow>, i64), ServiceError> {
    access::require_user_directory(viewer)?;
    let listed = store.list_users(filter).await?;
    reads::record_read(store, viewer, now_ms, Read::View, "user", None, asked).await?;
    Ok(listed)
}

/// The account `id` names, as the system administrator or the security administrator may see it
/// before acting (for a confirmation page).
pub async fn account_for_action(
    store: &Store,
    viewer: &Viewer,
    id: &str,
) -> Result<UserRow, ServiceError> {
    access::require_user_directory(viewer)?;
    target(store, viewer, id).await
}

/// Disables or enables a business account (system administrator); disabling ends its sessions.
pub async fn set_account_disabled(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    id: &str,
    disabled: bool,
) -> Result<UserRow, ServiceError> {
    access::require_account_admin(viewer)?;
    let user = target(store, viewer, id).await?;
    store
        .set_user_disabled(&viewer.actor(), now_ms, &user, disabled)
        .await?;
    Ok(user)
}

/// Lifts a business account's lock-out (security administrator).
pub async fn unlock_account(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    id: &str,
) -> Result<UserRow, ServiceError> {
    access::require_security_admin(viewer)?;
    let user = target(store, viewer, id).await?;
    store.unlock_user(&viewer.actor(), now_ms, &user).await?;
    Ok(user)
}

/// Gives a business account a new generated password to be changed at its next sign-in,
/// ending its sessions (security administrator). Returns the password to hand out.
pub async fn reset_account_password(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    id: &str,
) -> Result<(UserRow, String), ServiceError> {
    access::require_security_admin(viewer)?;
    let user = target(store, viewer, id).await?;
    let password = reset_password(store, &viewer.actor(), now_ms, &user.id).await?;
    Ok((user, password))
}

/// Changes a business account's role, and with it the organisation when one is named (each
/// business role fits one kind of organisation: a move from a school to a town is both), as the
/// system administrator or a security administrator, who is recorded as its proposer. An
/// admitted account keeps its role and organisation until a security administrator other than
/// the proposer approves the change.
pub async fn change_account_role(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    id: &str,
    role: &str,
    organisation: Option<&str>,
) -> Result<UserRow, ServiceError> {
    access::require_role_proposer(viewer)?;
    let user = target(store, viewer, id).await?;
    let role = Role::parse(role).ok_or_else(|| {
        let all: Vec<&str> = Role::BUSINESS.iter().map(|r| r.as_str()).collect();
        FieldError::new(
            "角色",
            format!("“{}”不是有效角色，可选：{}", role.trim(), all.join("、")),
        )
    })?;
    access::check_assignable_role(role)?;
    let org = match organisation.map(str::trim).filter(|o| !o.is_empty()) {
        None => store
            .get_organisation(&user.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?,
        Some(name) => match store.find_organisation_by_name(name).await? {
            OrgLookup::Found(org) => org,
            OrgLookup::Missing => {
                return Err(FieldError::new("单位", format!("没有名为“{name}”的单位")).into());
            }
            OrgLookup::Ambiguous => {
                return Err(FieldError::new(
                    "单位",
                    format!("有多个名为“{name}”的单位，请写作 名称(所属镇街)"),
                )
                .into());
            }
        },
    };
    if role == user.role && org.id == user.org_id && user.pending_role.is_none() {
        return Err(FieldError::new(
            "角色",
            format!(
                "该账户已是{}“{}”的{}角色，未作变更",
                org.kind.label(),
                org.name,
                role.label()
            ),
        )
        .into());
    }
    if !role.fits_org(org.kind) {
        return Err(FieldError::new(
            "角色",
            format!(
                "{}角色的用户不能属于{}“{}”",
                role.label(),
                org.kind.label(),
                org.name
            ),
        )
        .into());
    }
    store
        .propose_role(&viewer.actor(), now_ms, &user, role, &org.id)
        .await?;
    Ok(user)
}

/// Approves what waits on a business account (a security administrator other than the one who
/// proposed it): a new account may then sign in, a pending role takes effect.
pub async fn approve_account(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    id: &str,
) -> Result<UserRow, ServiceError> {
    access::require_security_admin(viewer)?;
    let user = waiting(store, viewer, id, true).await?;
    access::may_approve(viewer, &user)?;
    if !store.approve_user(&viewer.actor(), now_ms, &user).await? {
        // Changed since it was read: a new proposal, perhaps the approver's own.
        return Err(ServiceError::Conflict(format!(
            "账户“{}”待审核的事项刚有变更，请重新查看后再审核",
            user.username
        )));
    }
    Ok(user)
}

/// The account, for the page that confirms an approval: refused for anyone but a security
/// administrator, and for the one who proposed what waits on it.
pub async fn account_to_approve(
    store: &Store,
    viewer: &Viewer,
    id: &str,
) -> Result<UserRow, ServiceError> {
    access::require_security_admin(viewer)?;
    let user = target(store, viewer, id).await?;
    access::may_approve(viewer, &user)?;
    Ok(user)
}

/// Turns down what waits on a business account (security administrator): a new account stays
/// unable to sign in, a pending role is dropped.
pub async fn reject_account(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    id: &str,
) -> Result<UserRow, ServiceError> {
    access::require_security_admin(viewer)?;
    let user = waiting(store, viewer, id, false).await?;
    store.reject_user(&viewer.actor(), now_ms, &user).await?;
    Ok(user)
}

/// The account, when something on it waits for a decision (or, to approve after all, it was
/// rejected).
async fn waiting(
    store: &Store,
    viewer: &Viewer,
    id: &str,
    or_rejected: bool,
) -> Result<UserRow, ServiceError> {
    let user = target(store, viewer, id).await?;
    if user.awaits_approval() || (or_rejected && user.approval == Approval::Rejected) {
        Ok(user)
    } else {
        Err(ServiceError::Conflict(format!(
            "账户“{}”没有待审核的事项",
            user.username
        )))
    }
}

/// A strong random password: 16 characters from four classes, without look-alikes.
pub fn generate_password() -> String {
    use rand::Rng;
    use rand::seq::SliceRandom;
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"!@#%^*-_+=?";
    let mut rng = rand::rng();
    let mut chars: Vec<u8> = [UPPER, LOWER, DIGIT, SYMBOL]
        .iter()
        .map(|set| set[rng.random_range(0..set.len())])
        .collect();
    let all: Vec<u8> = [UPPER, LOWER, DIGIT, SYMBOL].concat();
    while chars.len() < 16 {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    chars.shuffle(&mut rng);
    String::from_utf8(chars).expect("ASCII")
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_passwords_pass_the_policy() {
        for _ in 0..50 {
            let p = super::generate_password();
            assert_eq!(p.len(), 16);
            assert!(
                crate::domain::password::check_strength(&p, "someone").is_ok(),
                "{p}"
            );
        }
    }
}
