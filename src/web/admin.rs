//! Account administration (system administrator only: 三权分立 keeps business data away from this role).

use super::import::read_upload;
use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::ids::UserId;
use crate::domain::password::{LockState, lock_state};
use crate::domain::user::Role;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::{CsrfForm, WebUser};
use crate::services::access;
use crate::services::accounts::{self, FirstPassword, NewAccount, SheetFailure};
use crate::services::reads::{self, Read};
use crate::store::{StoreError, UserFilter, UserRow};
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
}

impl UserLine {
    fn from(u: &UserRow, now_ms: i64) -> Self {
        let locked = matches!(lock_state(u.locked_until, now_ms), LockState::Locked { .. });
        let status = if u.disabled {
            "已停用".to_string()
        } else if locked {
            format!("已锁定至 {}", format_ms(u.locked_until.unwrap_or_default()))
        } else if u.must_change_password {
            "待修改初始密码".to_string()
        } else {
            "正常".to_string()
        };
        Self {
            id: u.id.to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            org_name: u.org_name.clone(),
            role: u.role.label(),
            status,
            locked,
            disabled: u.disabled,
        }
    }
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn role_options(selected: Option<&str>) -> Vec<RoleOption> {
    Role::ALL
        .iter()
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
    users: Vec<UserLine>,
    roles: Vec<RoleOption>,
    q: String,
    pager: Pager,
    created: Vec<(String, String)>,
    errors: Vec<String>,
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
        offset,
    })
}

async fn users_page(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    query: &UserQuery,
) -> Result<UsersPage, AppError> {
    let (page, offset) = page_offset(query.page.as_deref());
    let filter = user_filter(query, PER_PAGE, offset)?;
    let (rows, total) = state.store.list_users(&filter).await?;
    let now = state.clock.now_ms();
    let role = filter.role.map(|r| r.as_str());
    Ok(UsersPage {
        chrome: Chrome::new(user, "users"),
        users: rows.iter().map(|u| UserLine::from(u, now)).collect(),
        roles: role_options(role),
        pager: Pager::new(
            "/admin/users",
            &[("q", filter.q.as_deref()), ("role", role)],
            page,
            total,
        ),
        q: filter.q.unwrap_or_default(),
        created: vec![],
        errors: vec![],
    })
}

pub async fn list_users(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<UserQuery>,
) -> Result<Response, AppError> {
    access::require_account_admin(&user)?;
    let page = users_page(&state, &user, &query).await?;
    let asked =
        serde_json::json!({ "via": "web", "q": query.q, "role": query.role, "page": query.page });
    let now = state.clock.now_ms();
    reads::record_read(&state.store, &user, now, Read::View, "user", None, asked).await?;
    Ok(render(&page)?.into_response())
}

pub async fn export_users(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<UserQuery>,
) -> Result<Response, AppError> {
    access::require_account_admin(&user)?;
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
                let l = UserLine::from(u, now);
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
    error: Option<String>,
    created_password: Option<String>,
}

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
        roles: role_options(None),
        error: None,
        created_password: None,
    };
    Ok(render(&page)?.into_response())
}

/// Creates one account with a generated first password, shown once and to be changed at first sign-in.
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
    let created = accounts::create_account(
        &state.store,
        &f.user.actor(),
        state.clock.now_ms(),
        account,
        FirstPassword::Generated,
    )
    .await;
    let (status, error, created_password) = match created {
        Ok((_, password)) => (StatusCode::OK, None, Some(password)),
        Err(StoreError::Invalid(e)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(e.to_string()), None)
        }
        Err(StoreError::Conflict(m)) => (StatusCode::CONFLICT, Some(format!("用户名：{m}")), None),
        Err(e) => return Err(e.into()),
    };
    let page = UserFormPage {
        chrome: Chrome::new(&f.user, "users"),
        roles: role_options(Some(f.form.role.as_str())),
        form: f.form,
        error,
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
    let mut page = users_page(&state, &user, &query).await?;
    let result = match crate::imports::read_sheet(&bytes) {
        Err(e) => Err(Ok(vec![format!("用户表文件：{e}")])),
        Ok(rows) => accounts::create_users_from_sheet(
            &state.store,
            &user.actor(),
            state.clock.now_ms(),
            &rows,
        )
        .await
        .map_err(|failure| match failure {
            SheetFailure::Rows(errors) => Ok(errors.iter().map(|e| e.to_string()).collect()),
            SheetFailure::Store(e) => Err(AppError::from(e)),
        }),
    };
    // A failure of the system is an error page, not a list of rows to mend.
    let result = match result {
        Err(Err(e)) => return Err(e),
        Err(Ok(rows)) => Err(rows),
        Ok(created) => Ok(created),
    };
    match result {
        Ok(created) => {
            let mut page = users_page(&state, &user, &query).await?;
            page.created = created;
            Ok(render(&page)?.into_response())
        }
        Err(errors) => {
            page.errors = errors;
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
}

impl Action {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "unlock" => Some(Action::Unlock),
            "reset-password" => Some(Action::ResetPassword),
            "disable" => Some(Action::Disable),
            "enable" => Some(Action::Enable),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Unlock => "解除锁定",
            Action::ResetPassword => "重置密码",
            Action::Disable => "停用账户",
            Action::Enable => "启用账户",
        }
    }

    fn warning(self) -> &'static str {
        match self {
            Action::Unlock => "解除后该用户可立即再次尝试登录。",
            Action::ResetPassword => {
                "将生成新的初始密码，该用户的所有登录会话立即失效，下次登录须修改密码。"
            }
            Action::Disable => "停用后该用户无法登录，其所有登录会话立即失效。",
            Action::Enable => "启用后该用户可以重新登录。",
        }
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
    new_password: Option<String>,
}

async fn target_user(state: &AppState, id: &str) -> Result<UserRow, AppError> {
    let id = UserId::parse(id).ok_or(AppError::NotFound)?;
    state.store.get_user(&id).await?.ok_or(AppError::NotFound)
}

/// The confirmation page every account action passes through.
pub async fn confirm_action(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    access::require_account_admin(&user)?;
    let act = Action::parse(&action).ok_or(AppError::NotFound)?;
    let target = target_user(&state, &id).await?;
    let page = ActionPage {
        chrome: Chrome::new(&user, "users"),
        target: UserLine::from(&target, state.clock.now_ms()),
        action,
        label: act.label(),
        warning: act.warning(),
        new_password: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Confirm {}

pub async fn apply_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    f: CsrfForm<Confirm>,
) -> Result<Response, AppError> {
    access::require_account_admin(&f.user)?;
    let act = Action::parse(&action).ok_or(AppError::NotFound)?;
    let target = target_user(&state, &id).await?;
    let now = state.clock.now_ms();
    let actor = f.user.actor();
    if target.id == f.user.user_id && matches!(act, Action::Disable) {
        return Err(AppError::Conflict("不能停用自己的账户".into()));
    }
    let mut new_password = None;
    match act {
        Action::Unlock => state.store.unlock_user(&actor, now, &target).await?,
        Action::Disable => {
            state
                .store
                .set_user_disabled(&actor, now, &target, true)
                .await?
        }
        Action::Enable => {
            state
                .store
                .set_user_disabled(&actor, now, &target, false)
                .await?
        }
        Action::ResetPassword => {
            let pw = accounts::reset_password(&state.store, &actor, now, &target.id).await?;
            new_password = Some(pw);
        }
    }
    match new_password {
        None => Ok(Redirect::to("/admin/users").into_response()),
        Some(pw) => {
            let target = target_user(&state, &id).await?;
            let page = ActionPage {
                chrome: Chrome::new(&f.user, "users"),
                target: UserLine::from(&target, now),
                action,
                label: act.label(),
                warning: act.warning(),
                new_password: Some(pw),
            };
            Ok(render(&page)?.into_response())
        }
    }
}
