//! 五(三) reminders through the API: the caller's organisation's notifications, an
//! organisation's group robots (webhooks) with a test message, and the bureau's deliveries with
//! retry. The same services as the web pages.

use super::workspace::Created;
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::reminders::{JobKind, WebhookInput};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::reminders::{self as services, scheduler::Sender};
use crate::store::reminders::{DeliveryRow, NotificationRow, WebhookRow};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: String,
    /// month_start, before_due, due_day or overdue.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A page of the platform the notification is about.
    pub link: String,
    /// When it was made (Beijing time).
    pub created_at: String,
    /// When someone of the organisation read it (null while unread).
    pub read_at: Option<String>,
}

impl From<NotificationRow> for NotificationDto {
    fn from(n: NotificationRow) -> Self {
        Self {
            id: n.id.to_string(),
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: format_ms(n.created_at),
            read_at: n.read_at.map(format_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationDto>,
    pub total: i64,
    pub unread: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number, at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// The notifications of the caller's organisation, newest first (a notification is addressed
/// to an organisation; reading it marks it read for the organisation).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "reminders", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = NotificationPage), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NotificationPage>, ApiError> {
    let q = super::query(query)?;
    let (page, per_page) = super::paging(q.page, q.per_page)?;
    let (rows, total, unread) =
        services::list_notifications(&state.store, &user, per_page, (page - 1) * per_page).await?;
    Ok(Json(NotificationPage {
        items: rows.into_iter().map(NotificationDto::from).collect(),
        total,
        unread,
        page,
        per_page,
    }))
}

/// Marks one of the caller's organisation's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 204, description = "Read"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "No such notification of the caller's organisation", body = ErrorBody)))]
pub async fn read_notification(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services::mark_read(&state.store, &user, &id, state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ReadAll {
    /// How many notifications were unread.
    pub marked: u64,
}

/// Marks every notification of the caller's organisation read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "reminders", security(("bearer" = [])),
    responses((status = 200, body = ReadAll), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn read_all_notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<ReadAll>, ApiError> {
    let marked = services::mark_all_read(&state.store, &user, state.clock.now_ms()).await?;
    Ok(Json(ReadAll { marked }))
}

#[derive(Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    /// wecom (企业微信群机器人), dingtalk (钉钉群机器人) or generic (通用 JSON 接口).
    pub kind: String,
    pub name: String,
    /// The address, masked: scheme and host, then the last four characters. The full address
    /// is never shown again.
    pub url: String,
    /// Whether a 钉钉 加签 secret is set (the secret itself is never shown).
    pub has_secret: bool,
    pub enabled: bool,
    pub updated_at: String,
}

impl From<WebhookRow> for WebhookDto {
    fn from(w: WebhookRow) -> Self {
        Self {
            id: w.id.to_string(),
            org_id: w.org_id.to_string(),
            url: w.masked_url(),
            has_secret: w.has_secret(),
            org_name: w.org_name,
            kind: w.kind.as_str().into(),
            name: w.name,
            enabled: w.enabled,
            updated_at: format_ms(w.updated_at),
        }
    }
}

/// A robot as added or corrected (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// wecom, dingtalk or generic.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The robot's webhook address (http or https, at most 1000 characters). Required when
    /// adding; empty or absent on a correction keeps the stored one.
    #[serde(default)]
    pub url: Option<String>,
    /// 钉钉 加签 secret (starts with SEC); absent or empty keeps the stored one, "-" clears it.
    #[serde(default)]
    pub secret: Option<String>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl WebhookRequest {
    fn input(self) -> WebhookInput {
        WebhookInput {
            kind: self.kind,
            name: self.name.unwrap_or_default(),
            url: self.url.unwrap_or_default(),
            secret: self.secret.unwrap_or_default(),
            enabled: self.enabled.unwrap_or(true),
        }
    }
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(super::json_rejection)
}

/// An organisation's group robots (the bureau: any organisation's; an organisation's users:
/// their own).
#[utoipa::path(get, path = "/api/v1/organisations/{id}/webhooks", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id (UUID)")),
    responses((status = 200, body = Vec<WebhookDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "No such organisation, or another organisation's", body = ErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<WebhookDto>>, ApiError> {
    let (_, _, rows) = services::list_webhooks(&state.store, &user, &id).await?;
    Ok(Json(rows.into_iter().map(WebhookDto::from).collect()))
}

/// Adds a group robot to an organisation (audited without its address or secret).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/webhooks", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id (UUID)")),
    request_body = WebhookRequest,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, description = "Every wrong field in `fields`", body = ErrorBody)))]
pub async fn add_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<WebhookRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    services::webhook_org(&state.store, &user, &id).await?;
    let input = body(req)?.input();
    let w = services::add_webhook(
        &writer(&state, &user),
        state.config.webhook_any_host,
        &id,
        &input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: w.to_string() })))
}

/// Corrects a group robot: kind, name, enabled; a new address or secret replaces the stored one.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/webhooks/{webhook}", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id (UUID)"), ("webhook" = String, Path, description = "Webhook id")),
    request_body = WebhookRequest,
    responses((status = 200, body = WebhookDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, description = "Every wrong field in `fields`", body = ErrorBody)))]
pub async fn update_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, webhook)): Path<(String, String)>,
    req: Result<Json<WebhookRequest>, JsonRejection>,
) -> Result<Json<WebhookDto>, ApiError> {
    services::get_webhook(&state.store, &user, &id, &webhook).await?;
    let input = body(req)?.input();
    services::update_webhook(
        &writer(&state, &user),
        state.config.webhook_any_host,
        &id,
        &webhook,
        &input,
    )
    .await?;
    Ok(Json(
        services::get_webhook(&state.store, &user, &id, &webhook)
            .await?
            .into(),
    ))
}

/// Removes a group robot (and the record of its deliveries).
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/webhooks/{webhook}", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id (UUID)"), ("webhook" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, webhook)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    services::delete_webhook(&writer(&state, &user), &id, &webhook).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TestMessageDto {
    pub delivery_id: String,
    /// sent; pending (the robot did not take it, it is retried with back-off); failed.
    pub status: String,
    /// What the robot answered, when it failed.
    pub error: String,
}

/// 发送测试消息: sends a test message to the robot at once and says whether it was taken.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/webhooks/{webhook}/test", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id (UUID)"), ("webhook" = String, Path, description = "Webhook id")),
    responses((status = 200, body = TestMessageDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The robot is disabled", body = ErrorBody)))]
pub async fn test_webhook(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, webhook)): Path<(String, String)>,
) -> Result<Json<TestMessageDto>, ApiError> {
    let out =
        services::send_test_message(&Sender::new(), &writer(&state, &user), &id, &webhook).await?;
    Ok(Json(TestMessageDto {
        delivery_id: out.delivery.to_string(),
        status: out.status,
        error: out.error,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: String,
    pub webhook_id: String,
    pub org_name: String,
    /// wecom, dingtalk or generic.
    pub webhook_kind: String,
    /// The robot's address, masked.
    pub url: String,
    /// month_start, before_due, due_day, overdue or test.
    pub job: String,
    pub job_label: String,
    /// The report month (YYYY-MM), or test-… for a test message.
    pub period: String,
    /// pending, sent or failed.
    pub status: String,
    pub attempts: i64,
    /// When the next attempt is due (pending ones).
    pub next_attempt_at: String,
    pub last_error: String,
    pub sent_at: Option<String>,
    pub created_at: String,
}

impl From<DeliveryRow> for DeliveryDto {
    fn from(d: DeliveryRow) -> Self {
        Self {
            id: d.id.to_string(),
            webhook_id: d.webhook_id.to_string(),
            org_name: d.org_name,
            webhook_kind: d.webhook_kind.as_str().into(),
            url: d.masked_url,
            job_label: JobKind::parse(&d.job)
                .map(|k| k.label())
                .unwrap_or("测试消息")
                .into(),
            job: d.job,
            period: d.period,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: format_ms(d.next_attempt_at),
            last_error: d.last_error,
            sent_at: d.sent_at.map(format_ms),
            created_at: format_ms(d.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryDto>,
    pub total: i64,
    pub failed: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Every webhook delivery, failed ones first (the bureau only).
#[utoipa::path(get, path = "/api/v1/reminders/deliveries", tag = "reminders", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = DeliveryPage), (status = 401, body = ErrorBody), (status = 403, description = "Everyone but the bureau", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let q = super::query(query)?;
    let (page, per_page) = super::paging(q.page, q.per_page)?;
    let (rows, total, failed) =
        services::list_deliveries(&state.store, &user, per_page, (page - 1) * per_page).await?;
    Ok(Json(DeliveryPage {
        items: rows.into_iter().map(DeliveryDto::from).collect(),
        total,
        failed,
        page,
        per_page,
    }))
}

/// Puts a failed delivery back for one more attempt, sent by the scheduler's next tick (the
/// bureau only; audited).
#[utoipa::path(post, path = "/api/v1/reminders/deliveries/{id}/retry", tag = "reminders", security(("bearer" = [])),
    params(("id" = String, Path, description = "Delivery id")),
    responses((status = 204, description = "Queued again"), (status = 401, body = ErrorBody), (status = 403, description = "Everyone but the bureau", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "Not a failed delivery", body = ErrorBody)))]
pub async fn retry_delivery(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    services::retry_delivery(&writer(&state, &user), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
