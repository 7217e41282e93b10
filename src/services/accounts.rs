//! Accounts: creating them one at a time or from a sheet, and first passwords. The sysadmin's
//! pages, the command line and first start all create accounts through here.

use crate::domain::ids::UserId;
use crate::domain::sheet::RowError;
use crate::imports::{parse_user_rows, user_column_of};
use crate::store::{Actor, NewUser, Store, StoreError};

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

/// Creates one account. Returns its id and the password it was created with (to hand out when
/// it was generated).
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
/// sessions. Returns the password to hand out.
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

/// Creates accounts from sheet rows, all or none, each with a generated first password that must
/// be changed at first sign-in. Returns (username, password) pairs to hand out.
pub async fn create_users_from_sheet(
    store: &Store,
    actor: &Actor,
    now_ms: i64,
    rows: &[Vec<String>],
) -> Result<Vec<(String, String)>, SheetFailure> {
    let parsed = parse_user_rows(rows).map_err(SheetFailure::Rows)?;
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
    match store.create_users(actor, now_ms, &users).await {
        Ok(_) => Ok(users
            .into_iter()
            .map(|u| (u.username.trim().to_string(), u.password))
            .collect()),
        Err(errors) => {
            let mut rows = Vec::new();
            for (i, e) in errors {
                let row = parsed.get(i).map(|r| r.row).unwrap_or(1);
                match e {
                    StoreError::Invalid(f) => {
                        rows.push(RowError::new(row, user_column_of(f.field), f.message))
                    }
                    StoreError::Conflict(m) => rows.push(RowError::new(row, "username", m)),
                    other => return Err(SheetFailure::Store(other)),
                }
            }
            Err(SheetFailure::Rows(rows))
        }
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
