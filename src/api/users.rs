//! Accounts through the API, the twins of the administrators' pages (三权分立): the system
//! administrator lists, creates, imports, disables and enables business accounts and proposes
//! role changes; the security administrator lists them, proposes role changes, approves or
//! rejects what someone else proposed, resets passwords and unlocks.
//! Each calls the same accounts service as the page, with its checks and audit.

use super::{OrgRef, json_rejection, paging};
use crate::AppState;
use crate::domain::FieldError;
use crate::domain::user::Role;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::params::non_empty;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::access;
use crate::services::accounts::{self, NewAccount};
use crate::store::{UserFilter, UserRow};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub organisation: OrgRef,
    /// bureau, hq, school, town, village, sysadmin, secadmin or auditor.
    pub role: String,
    /// A change to this role that waits for a security administrator's approval.
    pub pending_role: Option<String>,
    /// The organisation that goes with the pending role.
    pub pending_organisation: Option<OrgRef>,
    /// pending (cannot sign in until a security administrator approves it), approved or rejected.
    pub approval: String,
    pub disabled: bool,
    /// Locked after failed sign-ins, now.
    pub locked: bool,
    pub must_change_password: bool,
}

fn user_dto(u: &UserRow, now_ms: i64) -> UserDto {
    UserDto {
        id: u.id.to_string(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        organisation: OrgRef {
            id: u.org_id.to_string(),
            name: u.org_name.clone(),
        },
        role: u.role.as_str().to_string(),
        pending_role: u.pending_role.map(|r| r.as_str().to_string()),
        pending_organisation: u.pending_org.as_ref().map(|(id, name)| OrgRef {
            id: id.to_string(),
            name: name.clone(),
        }),
        approval: u.approval.as_str().to_string(),
        disabled: u.disabled,
        locked: matches!(
            crate::domain::password::lock_state(u.locked_until, now_ms),
            crate::domain::password::LockState::Locked { .. }
        ),
        must_change_password: u.must_change_password,
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
    /// User name, display name or organisation name.
    pub q: Option<String>,
    /// Only this role (code).
    pub role: Option<String>,
    /// Only accounts that wait for a security administrator (new ones, role changes).
    pub awaiting_approval: Option<bool>,
}

/// The accounts (system and security administrator).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = UserPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the system or the security administrator", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<UserQuery>, QueryRejection>,
) -> Result<Json<UserPage>, ApiError> {
    // Refused before the query is read, so a stranger learns nothing from its checks.
    access::require_user_directory(&user)?;
    let q = super::query(query)?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    let role = match non_empty(&q.role) {
        Some(r) => Some(Role::parse(&r).ok_or_else(|| {
            AppError::Invalid(FieldError::new("role", format!("“{r}”不是有效角色")))
        })?),
        None => None,
    };
    let filter = UserFilter {
        q: non_empty(&q.q),
        role,
        awaiting_approval: q.awaiting_approval.unwrap_or(false),
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let now = state.clock.now_ms();
    let asked = serde_json::json!({ "via": "api", "q": q.q, "role": q.role, "page": page });
    let (rows, total) = accounts::list_accounts(&state.store, &user, now, &filter, asked).await?;
    Ok(Json(UserPage {
        items: rows.iter().map(|u| user_dto(u, now)).collect(),
        total,
        page,
        per_page,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–32 letters, digits, `_`, `.`, `-`.
    pub username: String,
    pub display_name: String,
    /// Organisation name (a village may be written 名称(所属镇街)).
    pub organisation: String,
    /// A business role: bureau, hq, school, town or village (administrators' accounts are made
    /// from the server's command line).
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: UserDto,
    /// The generated first password, shown this once; it must be changed at first sign-in.
    pub initial_password: String,
}

/// Create a business account (system administrator). It cannot sign in until a security
/// administrator approves it.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, pending approval", body = CreatedUser),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "The user name is taken", body = ErrorBody),
        (status = 422, description = "A field is wrong (an administrator's role included)", body = ErrorBody),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<CreateUserRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    access::require_account_admin(&user)?;
    let Json(req) = body.map_err(json_rejection)?;
    let account = NewAccount {
        username: req.username,
        display_name: req.display_name,
        org_name: req.organisation,
        role: req.role,
    };
    let now = state.clock.now_ms();
    let (id, initial_password) =
        accounts::create_account_for_approval(&state.store, &user, now, account).await?;
    let row = state.store.get_user(&id).await?.ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user: user_dto(&row, now),
            initial_password,
        }),
    ))
}

/// A multipart body with one sheet of accounts.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserSheetUpload {
    /// xlsx or UTF-8 csv with the columns username, display_name, organisation, role (or 用户名、姓名、单位、角色).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedCredentials {
    pub username: String,
    /// Shown this once; to be changed at first sign-in.
    pub initial_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportedUsers {
    /// Every account of the sheet (all or none), each pending approval.
    pub created: Vec<CreatedCredentials>,
}

/// Create business accounts from a sheet, all or none (system administrator); each waits for a
/// security administrator's approval.
#[utoipa::path(post, path = "/api/v1/users/import", tag = "users", security(("bearer" = [])),
    request_body(content = UserSheetUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Created, pending approval", body = ImportedUsers),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "The sheet is unreadable or rows are wrong: every row error in `fields`", body = ErrorBody),
    ))]
pub async fn import_users(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ImportedUsers>, ApiError> {
    access::require_account_admin(&user)?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let Some(sheet) = form.take_files("file").into_iter().next() else {
        return Err(AppError::Invalid(FieldError::new("用户表文件", "请选择要上传的文件")).into());
    };
    let rows = crate::imports::read_sheet(&sheet.bytes)
        .map_err(|e| AppError::Invalid(FieldError::new("用户表文件", e)))?;
    let created =
        accounts::import_accounts_for_approval(&state.store, &user, state.clock.now_ms(), &rows)
            .await?;
    Ok(Json(ImportedUsers {
        created: created
            .into_iter()
            .map(|(username, initial_password)| CreatedCredentials {
                username,
                initial_password,
            })
            .collect(),
    }))
}

/// The account as it stands after an action.
async fn fresh(state: &AppState, row: &UserRow) -> Result<Json<UserDto>, ApiError> {
    let row = state
        .store
        .get_user(&row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(user_dto(&row, state.clock.now_ms())))
}

/// Disable a business account and end its sessions (system administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "Done: the account as it now stands", body = UserDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the system administrator, or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn disable_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let now = state.clock.now_ms();
    let row = accounts::set_account_disabled(&state.store, &user, now, &id, true).await?;
    fresh(&state, &row).await
}

/// Enable a business account again (system administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "Done: the account as it now stands", body = UserDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the system administrator, or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn enable_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let now = state.clock.now_ms();
    let row = accounts::set_account_disabled(&state.store, &user, now, &id, false).await?;
    fresh(&state, &row).await
}

/// Lift a business account's lock-out (security administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "Done: the account as it now stands", body = UserDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the security administrator, or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn unlock_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let now = state.clock.now_ms();
    let row = accounts::unlock_account(&state.store, &user, now, &id).await?;
    fresh(&state, &row).await
}

/// Approve what waits on a business account (a security administrator other than the one who
/// proposed it): a new account may sign in, a pending role takes effect (ending the account's
/// sessions).
#[utoipa::path(post, path = "/api/v1/users/{id}/approve", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "Done: the account as it now stands", body = UserDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the security administrator, the caller proposed what waits (created the account or changed its role), or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Nothing waits for approval on this account, or what waits changed meanwhile", body = ErrorBody),
    ))]
pub async fn approve_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let now = state.clock.now_ms();
    let row = accounts::approve_account(&state.store, &user, now, &id).await?;
    fresh(&state, &row).await
}

/// Reject what waits on a business account (security administrator): a new account stays
/// unable to sign in, a pending role change is dropped.
#[utoipa::path(post, path = "/api/v1/users/{id}/reject", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "Done: the account as it now stands", body = UserDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the security administrator, or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Nothing waits for approval on this account", body = ErrorBody),
    ))]
pub async fn reject_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let now = state.clock.now_ms();
    let row = accounts::reject_account(&state.store, &user, now, &id).await?;
    fresh(&state, &row).await
}

#[derive(Serialize, ToSchema)]
pub struct ResetPassword {
    pub user: UserDto,
    /// The new generated password, shown this once; it must be changed at the next sign-in.
    pub initial_password: String,
}

/// Reset a business account's password to a generated one, ending its sessions (security administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, body = ResetPassword),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the security administrator, or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn reset_user_password(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ResetPassword>, ApiError> {
    let (row, initial_password) =
        accounts::reset_account_password(&state.store, &user, state.clock.now_ms(), &id).await?;
    let Json(user) = fresh(&state, &row).await?;
    Ok(Json(ResetPassword {
        user,
        initial_password,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// A business role: bureau, hq, school, town or village, fitting the organisation.
    pub role: String,
    /// The organisation that goes with the role, by name; absent keeps the account's own.
    pub organisation: Option<String>,
}

/// Propose a business account's role, and the organisation with it (system administrator or
/// security administrator, recorded as the proposer). An account already admitted keeps both
/// until a security administrator other than the proposer approves the change (`pending_role`
/// and `pending_organisation` show it).
#[utoipa::path(put, path = "/api/v1/users/{id}/role", tag = "users", request_body = RoleRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 200, description = "Recorded: the account as it now stands", body = UserDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the system or the security administrator, or the account is the caller's own or an administrator's", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The role is unknown, an administrator's, the current one, or does not fit the organisation", body = ErrorBody),
    ))]
pub async fn change_user_role(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<RoleRequest>, JsonRejection>,
) -> Result<Json<UserDto>, ApiError> {
    // Who and whom first, so a malformed body tells a caller nothing about the account.
    access::require_role_proposer(&user)?;
    accounts::account_for_action(&state.store, &user, &id).await?;
    let Json(req) = body.map_err(json_rejection)?;
    let row = accounts::change_account_role(
        &state.store,
        &user,
        state.clock.now_ms(),
        &id,
        &req.role,
        req.organisation.as_deref(),
    )
    .await?;
    fresh(&state, &row).await
}
