//! Account administration (三权分立): the system administrator creates, disables and enables
//! business accounts and proposes role changes; the security administrator proposes role
//! changes too, approves what someone else proposed, resets passwords and lifts lock-outs. Neither sees business data, and neither can act on their own or another
//! administrator's account. The checks are the accounts service's, shared with the API and CLI.

use super::import::read_upload;
use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::FieldError;
use crate::domain::password::{LockState, lock_state};
use crate::domain::user::{Approval, Role};
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::{CsrfForm, WebUser};
use crate::services::ServiceError;
use crate::services::access;
use crate::services::accounts::{self, NewAccount};
use crate::store::{UserFilter, UserRow};
use crate::web::forms::ErrorSummary;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct UserLine {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_name: String,
    pub role: &'static str,
    pub status: String,
    pub locked: bool,
    pub disabled: bool,
    /// One of the three administrators: kept from the command line, no actions here.
    pub admin: bool,
    /// Something waits for the security administrator (a new account, a role change).
    pub awaiting: bool,
    /// Turned down; a security administrator may still approve it.
    pub rejected: bool,
    /// The role change that waits for approval: the role's label and the organisation's name.
    pub pending_role: Option<String>,
    /// The organisation's name, to fill in the role change form.
    pub org: String,
    /// What waits was proposed by the administrator looking: another must approve it.
    pub own_proposal: bool,
}

impl UserLine {
    fn from(u: &UserRow, now_ms: i64, viewer: &crate::http::auth::Viewer) -> Self {
        let locked = matches!(lock_state(u.locked_until, now_ms), LockState::Locked { .. });
        let mut status = if u.disabled {
            "已停用".to_string()
        } else if u.approval != Approval::Approved {
            u.approval.label().to_string()
        } else if locked {
            format!("已锁定至 {}", format_ms(u.locked_until.unwrap_or_default()))
        } else if u.must_change_password {
            "待修改初始密码".to_string()
        } else {
            "正常".to_string()
        };
        let pending_role = u.pending_role.map(|r| {
            let org = u.pending_org.as_ref().map(|(_, n)| n.as_str());
            format!("{}（{}）", r.label(), org.unwrap_or(&u.org_name))
        });
        if let Some(r) = &pending_role {
            status.push_str(&format!("；改为{r}待审核"));
        }
        Self {
            id: u.id.to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            org_name: u.org_name.clone(),
            role: u.role.label(),
            status,
            locked,
            disabled: u.disabled,
            admin: u.role.is_admin(),
            awaiting: u.awaits_approval(),
            rejected: u.approval == Approval::Rejected,
            pending_role,
            org: u.org_name.clone(),
            own_proposal: u.proposed_by(&viewer.user_id),
        }
    }
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The roles of the filter (every role) or of a form (business roles only: an administrator's
/// account comes from the command line).
fn role_options(all: &[Role], selected: Option<&str>) -> Vec<RoleOption> {
    all.iter()
        .map(|r| RoleOption {
            code: r.as_str(),
            label: r.label(),
            selected: Some(r.as_str()) == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/users.html")]
struct UsersPage {
    chrome: Chrome,
    duty: Duty,
    users: Vec<UserLine>,
    roles: Vec<RoleOption>,
    q: String,
    pager: Pager,
    created: Vec<(String, String)>,
    summary: Option<ErrorSummary>,
}

#[derive(Deserialize)]
pub struct UserQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<String>,
}

fn user_filter(query: &UserQuery, limit: i64, offset: i64) -> Result<UserFilter, AppError> {
    let role =
        match non_empty(&query.role) {
            Some(r) => Some(Role::parse(&r).ok_or_else(|| {
                crate::domain::FieldError::new("角色", format!("“{r}”不是有效角色"))
            })?),
            None => None,
        };
    Ok(UserFilter {
        q: non_empty(&query.q),
        role,
        limit,
        awaiting_approval: false,
        offset,
    })
}

/// Which administrator is looking: the pages offer each only their own duties.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    Accounts,
    Security,
}

impl Duty {
    fn of(viewer: &crate::http::auth::Viewer) -> Self {
        if viewer.role == Role::Secadmin {
            Duty::Security
        } else {
            Duty::Accounts
        }
    }

    pub fn accounts(&self) -> bool {
        *self == Duty::Accounts
    }

    pub fn security(&self) -> bool {
        *self == Duty::Security
    }
}

/// The users page for `query`; `asked` is what its audited view records.
async fn users_page(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    query: &UserQuery,
    asked: serde_json::Value,
) -> Result<UsersPage, AppError> {
    let (page, offset) = page_offset(query.page.as_deref());
    let filter = user_filter(query, PER_PAGE, offset)?;
    let now = state.clock.now_ms();
    let (rows, total) = accounts::list_accounts(&state.store, user, now, &filter, asked).await?;
    let role = filter.role.map(|r| r.as_str());
    Ok(UsersPage {
        chrome: Chrome::new(user, "users"),
        duty: Duty::of(user),
        users: rows.iter().map(|u| UserLine::from(u, now, user)).collect(),
        roles: role_options(&Role::ALL, role),
        pager: Pager::new(
            "/admin/users",
            &[("q", filter.q.as_deref()), ("role", role)],
            page,
            total,
        ),
        q: filter.q.unwrap_or_default(),
        created: vec![],
        summary: None,
    })
}

pub async fn list_users(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<UserQuery>,
) -> Result<Response, AppError> {
    // Refused before the query is read, so a stranger learns nothing from its checks.
    access::require_user_directory(&user)?;
    let asked =
        serde_json::json!({ "via": "web", "q": query.q, "role": query.role, "page": query.page });
    let page = users_page(&state, &user, &query, asked).await?;
    Ok(render(&page)?.into_response())
}

pub async fn export_users(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<UserQuery>,
) -> Result<Response, AppError> {
    access::require_user_directory(&user)?;
    let (rows, _) = state
        .store
        .list_users(&user_filter(&query, EXPORT_LIMIT, 0)?)
        .await?;
    let now = state.clock.now_ms();
    let table = Table {
        sheet: "用户".into(),
        headers: vec!["用户名", "姓名", "单位", "角色", "状态"],
        rows: rows
            .iter()
            .map(|u| {
                let l = UserLine::from(u, now, &user);
                vec![
                    l.username,
                    l.display_name,
                    l.org_name,
                    l.role.to_string(),
                    l.status,
                ]
            })
            .collect(),
    };
    audited_xlsx(&state, &user, "user", None, "用户.xlsx", &table).await
}

#[derive(Template)]
#[template(path = "pages/user_form.html")]
struct UserFormPage {
    chrome: Chrome,
    form: UserForm,
    roles: Vec<RoleOption>,
    summary: Option<ErrorSummary>,
    created_password: Option<String>,
}

/// The new-account form's fields, by the label their errors use.
const USER_FIELDS: &[(&str, &str)] = &[
    ("用户名", "username"),
    ("姓名", "display_name"),
    ("单位", "organisation"),
    ("角色", "role"),
];

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    role: String,
}

pub async fn user_form(WebUser(user): WebUser) -> Result<Response, AppError> {
    access::require_account_admin(&user)?;
    let page = UserFormPage {
        chrome: Chrome::new(&user, "users"),
        form: UserForm::default(),
        roles: role_options(&Role::BUSINESS, None),
        summary: None,
        created_password: None,
    };
    Ok(render(&page)?.into_response())
}

/// Creates one account with a generated first password, shown once and to be changed at first
/// sign-in; it waits for a security administrator's approval before it can sign in.
pub async fn create_user(
    State(state): State<AppState>,
    f: CsrfForm<UserForm>,
) -> Result<Response, AppError> {
    access::require_account_admin(&f.user)?;
    let account = NewAccount {
        username: f.form.username.clone(),
        display_name: f.form.display_name.clone(),
        org_name: f.form.organisation.clone(),
        role: f.form.role.clone(),
    };
    let created =
        accounts::create_account_for_approval(&state.store, &f.user, state.clock.now_ms(), account)
            .await;
    let (status, summary, created_password) = match created {
        Ok((_, password)) => (StatusCode::OK, None, Some(password)),
        Err(ServiceError::Invalid(e)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(ErrorSummary::new(&e, USER_FIELDS)),
            None,
        ),
        Err(ServiceError::Conflict(m)) => (
            StatusCode::CONFLICT,
            Some(ErrorSummary::new(
                &FieldError::new("用户名", m).into(),
                USER_FIELDS,
            )),
            None,
        ),
        Err(e) => return Err(e.into()),
    };
    let page = UserFormPage {
        chrome: Chrome::new(&f.user, "users"),
        roles: role_options(&Role::BUSINESS, Some(f.form.role.as_str())),
        form: f.form,
        summary,
        created_password,
    };
    Ok((status, render(&page)?).into_response())
}

/// Bulk creation from a sheet, all or none.
pub async fn import_users(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    access::require_account_admin(&user)?;
    let bytes = read_upload(multipart, &user.csrf_token, "用户表文件").await?;
    let query = UserQuery {
        q: None,
        role: None,
        page: None,
    };
    let result = match crate::imports::read_sheet(&bytes) {
        Err(e) => Err(Ok(vec![format!("用户表文件：{e}")])),
        Ok(rows) => {
            accounts::import_accounts_for_approval(&state.store, &user, state.clock.now_ms(), &rows)
                .await
                .map_err(|failure| match failure {
                    ServiceError::Rows(errors) => {
                        Ok(errors.iter().map(|e| e.to_string()).collect())
                    }
                    e => Err(AppError::from(e)),
                })
        }
    };
    // A failure of the system is an error page, not a list of rows to mend.
    let result = match result {
        Err(Err(e)) => return Err(e),
        Err(Ok(rows)) => Err(rows),
        Ok(created) => Ok(created),
    };
    // Either way the page lists the accounts (read once, after the import): a view of personal
    // data, audited as the list is.
    let created = result.as_ref().map_or(0, Vec::len);
    let asked =
        serde_json::json!({ "via": "web", "after": "import", "page": 1, "created": created });
    let mut page = users_page(&state, &user, &query, asked).await?;
    match result {
        Ok(created) => {
            page.created = created;
            Ok(render(&page)?.into_response())
        }
        Err(errors) => {
            page.summary = Some(ErrorSummary::rows(errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Unlock,
    ResetPassword,
    Disable,
    Enable,
    Role,
    Approve,
    Reject,
}

impl Action {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "unlock" => Some(Action::Unlock),
            "reset-password" => Some(Action::ResetPassword),
            "disable" => Some(Action::Disable),
            "enable" => Some(Action::Enable),
            "role" => Some(Action::Role),
            "approve" => Some(Action::Approve),
            "reject" => Some(Action::Reject),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Unlock => "解除锁定",
            Action::ResetPassword => "重置密码",
            Action::Disable => "停用账户",
            Action::Enable => "启用账户",
            Action::Role => "更改角色",
            Action::Approve => "审核通过",
            Action::Reject => "驳回",
        }
    }

    fn warning(self) -> &'static str {
        match self {
            Action::Unlock => "解除后该用户可立即再次尝试登录。",
            Action::ResetPassword => {
                "将生成新的初始密码，该用户的所有登录会话立即失效，下次登录须修改密码。"
            }
            Action::Disable => "停用后该用户无法登录，其所有登录会话立即失效。",
            Action::Enable => "启用后该用户可以重新登录（尚未审核通过的账户仍须安全管理员审核）。",
            Action::Role => {
                "角色变更须经您以外的安全管理员审核通过后生效；生效前该用户仍以原角色登录。"
            }
            Action::Approve => {
                "通过后：新账户即可登录；待审核的角色变更立即生效，该用户的登录会话随之失效。"
            }
            Action::Reject => "驳回后：新账户不能登录；待审核的角色变更作废，该用户保留原角色。",
        }
    }
}

/// Where an action page leads back to: the approvals list for approvals, else the user list.
fn back_of(act: Action) -> &'static str {
    match act {
        Action::Approve | Action::Reject => "/admin/approvals",
        _ => "/admin/users",
    }
}

#[derive(Template)]
#[template(path = "pages/user_action.html")]
struct ActionPage {
    chrome: Chrome,
    target: UserLine,
    action: String,
    label: &'static str,
    warning: &'static str,
    back: &'static str,
    /// The roles to choose from when the action is a role change.
    roles: Vec<RoleOption>,
    /// The organisation typed for a role change.
    organisation: String,
    error: Option<String>,
    new_password: Option<String>,
}

/// The confirmation page every account action passes through. The checks are the service's:
/// only an administrator with this duty, never on their own or an administrator's account.
pub async fn confirm_action(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let act = Action::parse(&action).ok_or(AppError::NotFound)?;
    let target = match act {
        Action::Disable | Action::Enable => {
            access::require_account_admin(&user)?;
            accounts::account_for_action(&state.store, &user, &id).await?
        }
        Action::Role => {
            access::require_role_proposer(&user)?;
            accounts::account_for_action(&state.store, &user, &id).await?
        }
        // Not offered to the one who proposed what waits.
        Action::Approve => accounts::account_to_approve(&state.store, &user, &id).await?,
        _ => {
            access::require_security_admin(&user)?;
            accounts::account_for_action(&state.store, &user, &id).await?
        }
    };
    let page = ActionPage {
        chrome: Chrome::new(&user, back_of(act).trim_start_matches("/admin/")),
        roles: role_options(
            &Role::BUSINESS,
            Some(target.pending_role.unwrap_or(target.role).as_str()),
        ),
        organisation: target
            .pending_org
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| target.org_name.clone()),
        target: UserLine::from(&target, state.clock.now_ms(), &user),
        action,
        label: act.label(),
        warning: act.warning(),
        back: back_of(act),
        error: None,
        new_password: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Confirm {
    /// The new role, for a role change.
    #[serde(default)]
    role: String,
    /// The organisation that goes with the new role (blank: the account's own).
    #[serde(default)]
    organisation: String,
}

pub async fn apply_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<Confirm>,
) -> Result<Response, AppError> {
    let act = Action::parse(&action).ok_or(AppError::NotFound)?;
    let (store, viewer, now) = (&state.store, &f.user, state.clock.now_ms());
    let done = match act {
        Action::Unlock => accounts::unlock_account(store, viewer, now, &id)
            .await
            .map(|_| None),
        Action::Disable => accounts::set_account_disabled(store, viewer, now, &id, true)
            .await
            .map(|_| None),
        Action::Enable => accounts::set_account_disabled(store, viewer, now, &id, false)
            .await
            .map(|_| None),
        Action::Approve => accounts::approve_account(store, viewer, now, &id)
            .await
            .map(|_| None),
        Action::Reject => accounts::reject_account(store, viewer, now, &id)
            .await
            .map(|_| None),
        Action::Role => accounts::change_account_role(
            store,
            viewer,
            now,
            &id,
            &f.form.role,
            Some(f.form.organisation.as_str()),
        )
        .await
        .map(|_| None),
        Action::ResetPassword => accounts::reset_account_password(store, viewer, now, &id)
            .await
            .map(|(_, pw)| Some(pw)),
    };
    let (status, error, new_password) = match done {
        Ok(None) => return Ok(Redirect::to(back_of(act)).into_response()),
        Ok(Some(pw)) => (StatusCode::OK, None, Some(pw)),
        // A wrong role is shown on the form it came from.
        Err(ServiceError::Invalid(e)) if act == Action::Role => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(e.to_string()), None)
        }
        Err(e) => return Err(e.into()),
    };
    let target = accounts::account_for_action(store, viewer, &id).await?;
    let page = ActionPage {
        chrome: Chrome::new(viewer, "users"),
        roles: role_options(&Role::BUSINESS, Some(f.form.role.as_str())),
        organisation: f.form.organisation.clone(),
        target: UserLine::from(&target, now, viewer),
        action,
        label: act.label(),
        warning: act.warning(),
        back: back_of(act),
        error,
        new_password,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/approvals.html")]
struct ApprovalsPage {
    chrome: Chrome,
    users: Vec<UserLine>,
    pager: Pager,
}

/// What waits for the security administrator: new business accounts and role changes.
pub async fn list_approvals(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<UserQuery>,
) -> Result<Response, AppError> {
    access::require_security_admin(&user)?;
    let (page, offset) = page_offset(query.page.as_deref());
    let filter = UserFilter {
        awaiting_approval: true,
        ..user_filter(&query, PER_PAGE, offset)?
    };
    let now = state.clock.now_ms();
    // A list of accounts (names, organisations, roles): audited as the user list is.
    let asked = serde_json::json!({ "via": "web", "list": "approvals", "page": query.page });
    let (rows, total) = accounts::list_accounts(&state.store, &user, now, &filter, asked).await?;
    let pager = Pager::new("/admin/approvals", &[], page, total);
    let page = ApprovalsPage {
        chrome: Chrome::new(&user, "approvals"),
        users: rows.iter().map(|u| UserLine::from(u, now, &user)).collect(),
        pager,
    };
    Ok(render(&page)?.into_response())
}
