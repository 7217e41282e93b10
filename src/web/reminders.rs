//! 五(三) reminders in the browser: the bell in the page header, the organisation's
//! notifications (`/notifications`), its group robots (`/organisations/{id}/webhooks`: add,
//! correct, enable or disable, remove after a confirmation, send a test message) and the
//! bureau's page of deliveries and job runs (`/reminders`), with retry of a failed delivery.

use crate::AppState;
use crate::clock::format_ms;
use crate::domain::reminders::{JobKind, WebhookInput, WebhookKind};
use crate::domain::user::Role;
use crate::http::auth::{CsrfForm, SESSION_COOKIE, Viewer, WebUser, cookie};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::reminders::{self as services, scheduler::Sender};
use crate::store::OrgFilter;
use crate::store::reminders::{DeliveryRow, NotificationRow, WebhookRow};
use crate::web::forms::{ErrorSummary, saved_redirect};
use crate::web::pages::{Chrome, PER_PAGE, Pager, page_offset, render};
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

tokio::task_local! {
    /// The signed-in user's unread notifications, for the header's bell of the page being
    /// rendered (set by [`unread_bell`] around a page request).
    static UNREAD: i64;
}

/// The unread count for the page being rendered, when known.
pub fn unread_now() -> Option<i64> {
    UNREAD.try_with(|n| *n).ok()
}

/// Around every page request of a signed-in browser: how many notifications wait unread for
/// its user, so the header's bell can show it (one count query; none for the API and files).
pub async fn unread_bell(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/static/")
        && !path.ends_with(".xlsx");
    let token = cookie(req.headers(), SESSION_COOKIE).map(crate::store::hash_token);
    match (page, token) {
        (true, Some(hash)) => {
            let n = state
                .store
                .unread_notifications_of_session(&hash)
                .await
                .unwrap_or(0);
            UNREAD.scope(n, next.run(req)).await
        }
        _ => next.run(req).await,
    }
}

#[derive(Deserialize)]
pub struct Empty {}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    saved: Option<String>,
}

/// A notification as the list shows it.
pub struct NotificationLine {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

impl From<&NotificationRow> for NotificationLine {
    fn from(n: &NotificationRow) -> Self {
        Self {
            id: n.id.to_string(),
            kind: JobKind::parse(&n.kind).map(|k| k.label()).unwrap_or("通知"),
            title: n.title.clone(),
            body: n.body.clone(),
            // Only a page of the platform (the notifications are written by the platform).
            link: if n.link.starts_with('/') && !n.link.starts_with("//") {
                n.link.clone()
            } else {
                String::new()
            },
            created_at: format_ms(n.created_at),
            read: n.read_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    items: Vec<NotificationLine>,
    unread: i64,
    pager: Pager,
    org_id: String,
    saved: Option<&'static str>,
}

/// The organisation's notifications, newest first.
pub async fn list_notifications(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total, unread) =
        services::list_notifications(&state.store, &user, PER_PAGE, offset).await?;
    let page = NotificationsPage {
        chrome: Chrome::new(&user, "notifications"),
        items: rows.iter().map(NotificationLine::from).collect(),
        unread,
        pager: Pager::new("/notifications", &[], page_no, total),
        org_id: user.org_id.to_string(),
        saved: crate::web::forms::saved_notice(q.saved.as_deref()),
    };
    Ok(render(&page)?.into_response())
}

pub async fn read_notification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    services::mark_read(&state.store, &f.user, &id, state.clock.now_ms()).await?;
    Ok(saved_redirect("/notifications", "notification_read"))
}

pub async fn read_all_notifications(
    State(state): State<AppState>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    services::mark_all_read(&state.store, &f.user, state.clock.now_ms()).await?;
    Ok(saved_redirect("/notifications", "notifications_read"))
}

/// A GET on a form's address leads back to the list.
pub async fn back_to_notifications() -> Redirect {
    Redirect::to("/notifications")
}

// --- webhooks ---------------------------------------------------------------------------------

const FIELDS: &[(&str, &str)] = &[
    ("类型", "kind"),
    ("名称", "name"),
    ("地址", "url"),
    ("加签密钥", "secret"),
];

#[derive(Deserialize, Default, Clone)]
pub struct WebhookForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    enabled: Option<String>,
}

impl WebhookForm {
    fn input(&self) -> WebhookInput {
        WebhookInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            url: self.url.clone(),
            secret: self.secret.clone(),
            enabled: self.enabled.is_some(),
        }
    }

    fn new_robot() -> Self {
        Self {
            enabled: Some("1".into()),
            ..Default::default()
        }
    }

    /// The stored robot, its address and secret left empty (kept unless a new one is typed).
    fn of(w: &WebhookRow) -> Self {
        Self {
            kind: w.kind.as_str().into(),
            name: w.name.clone(),
            url: String::new(),
            secret: String::new(),
            enabled: w.enabled.then(|| "1".into()),
        }
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str, bool)> {
        WebhookKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label(), self.kind == k.as_str()))
            .collect()
    }
}

pub struct WebhookLine {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub url: String,
    pub has_secret: bool,
    pub enabled: bool,
    pub updated_at: String,
}

impl From<&WebhookRow> for WebhookLine {
    fn from(w: &WebhookRow) -> Self {
        Self {
            id: w.id.to_string(),
            kind: w.kind.label(),
            name: w.name.clone(),
            url: w.masked_url(),
            has_secret: w.has_secret(),
            enabled: w.enabled,
            updated_at: format_ms(w.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/webhooks.html")]
struct WebhooksPage {
    chrome: Chrome,
    org_id: String,
    org_name: String,
    robots: Vec<WebhookLine>,
    form: WebhookForm,
    kinds: Vec<(&'static str, &'static str, bool)>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    /// The test message's failure, in the robot's words.
    test_error: String,
}

#[derive(Deserialize, Default)]
pub struct WebhooksQuery {
    saved: Option<String>,
    error: Option<String>,
}

fn webhooks_path(org: &str) -> String {
    format!("/organisations/{org}/webhooks")
}

fn active(user: &Viewer) -> &'static str {
    if user.role == Role::Bureau {
        "reminders"
    } else {
        "notifications"
    }
}

async fn webhooks_page(
    state: &AppState,
    user: &Viewer,
    org: &str,
    form: WebhookForm,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    test_error: String,
) -> Result<WebhooksPage, AppError> {
    let (org_id, org_name, rows) = services::list_webhooks(&state.store, user, org).await?;
    Ok(WebhooksPage {
        chrome: Chrome::new(user, active(user)),
        org_id: org_id.to_string(),
        org_name,
        robots: rows.iter().map(WebhookLine::from).collect(),
        kinds: form.kinds(),
        form,
        summary,
        saved,
        test_error,
    })
}

pub async fn list_webhooks(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(org): Path<String>,
    Query(q): Query<WebhooksQuery>,
) -> Result<Response, AppError> {
    let saved = crate::web::forms::saved_notice(q.saved.as_deref());
    // The delivery whose test failed: its error, read back from the store (never from the URL).
    let mut test_error = String::new();
    if let Some(d) = q
        .error
        .as_deref()
        .and_then(crate::domain::ids::DeliveryId::parse)
        && let Some((_, e)) = state.store.delivery_status(&d).await?
    {
        test_error = e;
    }
    let page = webhooks_page(
        &state,
        &user,
        &org,
        WebhookForm::new_robot(),
        None,
        saved,
        test_error,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_webhook(
    State(state): State<AppState>,
    Path(org): Path<String>,
    f: CsrfForm<WebhookForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    services::webhook_org(&state.store, &user, &org).await?;
    match services::add_webhook(
        &writer(&state, &user),
        state.config.webhook_any_host,
        &org,
        &f.form.input(),
    )
    .await
    {
        Ok(_) => Ok(saved_redirect(&webhooks_path(&org), "webhook_added")),
        Err(ServiceError::Invalid(e)) => {
            let mut form = f.form;
            // The address is a secret: not sent back into the page.
            form.url.clear();
            form.secret.clear();
            let summary = ErrorSummary::new(&e, FIELDS);
            let page = webhooks_page(
                &state,
                &user,
                &org,
                form,
                Some(summary),
                None,
                String::new(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/webhook_edit.html")]
struct WebhookEditPage {
    chrome: Chrome,
    org_id: String,
    robot: WebhookLine,
    form: WebhookForm,
    kinds: Vec<(&'static str, &'static str, bool)>,
    summary: Option<ErrorSummary>,
}

pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((org, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let w = services::get_webhook(&state.store, &user, &org, &id).await?;
    let form = WebhookForm::of(&w);
    let page = WebhookEditPage {
        chrome: Chrome::new(&user, active(&user)),
        org_id: org,
        robot: WebhookLine::from(&w),
        kinds: form.kinds(),
        form,
        summary: None,
    };
    Ok(render(&page)?.into_response())
}

pub async fn update_webhook(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    f: CsrfForm<WebhookForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let w = services::get_webhook(&state.store, &user, &org, &id).await?;
    match services::update_webhook(
        &writer(&state, &user),
        state.config.webhook_any_host,
        &org,
        &id,
        &f.form.input(),
    )
    .await
    {
        Ok(true) => Ok(saved_redirect(&webhooks_path(&org), "webhook_updated")),
        Ok(false) => Ok(saved_redirect(&webhooks_path(&org), "webhook_unchanged")),
        Err(ServiceError::Invalid(e)) => {
            let mut form = f.form;
            form.url.clear();
            form.secret.clear();
            let page = WebhookEditPage {
                chrome: Chrome::new(&user, active(&user)),
                org_id: org,
                robot: WebhookLine::from(&w),
                kinds: form.kinds(),
                form,
                summary: Some(ErrorSummary::new(&e, FIELDS)),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/webhook_delete.html")]
struct WebhookDeletePage {
    chrome: Chrome,
    org_id: String,
    robot: WebhookLine,
}

/// The confirmation page before a robot is removed.
pub async fn delete_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((org, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let w = services::get_webhook(&state.store, &user, &org, &id).await?;
    let page = WebhookDeletePage {
        chrome: Chrome::new(&user, active(&user)),
        org_id: org,
        robot: WebhookLine::from(&w),
    };
    Ok(render(&page)?.into_response())
}

pub async fn delete_webhook(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    services::delete_webhook(&writer(&state, &f.user), &org, &id).await?;
    Ok(saved_redirect(&webhooks_path(&org), "webhook_deleted"))
}

/// 发送测试消息: sent at once; the page then says whether the robot took it.
pub async fn test_webhook(
    State(state): State<AppState>,
    Path((org, id)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let out =
        services::send_test_message(&Sender::new(), &writer(&state, &f.user), &org, &id).await?;
    if out.status == "sent" {
        return Ok(saved_redirect(&webhooks_path(&org), "webhook_test_sent"));
    }
    Ok(Redirect::to(&format!(
        "{}?saved=webhook_test_failed&error={}#saved",
        webhooks_path(&org),
        out.delivery
    ))
    .into_response())
}

/// A GET on a robot's form address leads back to the robots' page.
pub async fn back_to_webhooks(Path((org, _)): Path<(String, String)>) -> Redirect {
    Redirect::to(&webhooks_path(&org))
}

// --- the bureau's page ------------------------------------------------------------------------

pub struct DeliveryLine {
    pub id: String,
    pub org: String,
    pub robot: String,
    pub job: &'static str,
    pub period: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub failed: bool,
    pub attempts: i64,
    pub when: String,
    pub last_error: String,
}

impl From<&DeliveryRow> for DeliveryLine {
    fn from(d: &DeliveryRow) -> Self {
        let (status, badge) = match d.status.as_str() {
            "sent" => ("已发送", "met"),
            "failed" => ("发送失败", "not_met"),
            _ if d.attempts > 0 => ("待重试", "warn"),
            _ => ("待发送", "not_yet_due"),
        };
        Self {
            id: d.id.to_string(),
            org: d.org_name.clone(),
            robot: format!("{} {}", d.webhook_kind.label(), d.masked_url),
            job: JobKind::parse(&d.job)
                .map(|k| k.label())
                .unwrap_or("测试消息"),
            period: if d.period.starts_with("test-") {
                String::new()
            } else {
                d.period.clone()
            },
            status,
            badge,
            failed: d.status == "failed",
            attempts: d.attempts,
            when: match d.sent_at {
                Some(at) => format_ms(at),
                None if d.status == "pending" => format!("下次：{}", format_ms(d.next_attempt_at)),
                None => format_ms(d.next_attempt_at),
            },
            last_error: d.last_error.clone(),
        }
    }
}

pub struct RunLine {
    pub job: &'static str,
    pub period: String,
    pub ran_at: String,
    pub notifications: i64,
    pub deliveries: i64,
}

#[derive(Template)]
#[template(path = "pages/reminders.html")]
struct RemindersPage {
    chrome: Chrome,
    deliveries: Vec<DeliveryLine>,
    failed: i64,
    pager: Pager,
    runs: Vec<RunLine>,
    orgs: Vec<(String, String)>,
    saved: Option<&'static str>,
}

/// The bureau's page: deliveries (failed first) with retry, the latest job runs, and the way to
/// any organisation's robots.
pub async fn reminders_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total, failed) =
        services::list_deliveries(&state.store, &user, PER_PAGE, offset).await?;
    let runs = state
        .store
        .list_reminder_runs(12)
        .await?
        .into_iter()
        .map(|r| RunLine {
            job: JobKind::parse(&r.job).map(|k| k.label()).unwrap_or("—"),
            period: r.period,
            ran_at: format_ms(r.ran_at),
            notifications: r.notifications,
            deliveries: r.deliveries,
        })
        .collect();
    let (orgs, _) = state
        .store
        .list_organisations(&OrgFilter {
            kind: None,
            q: None,
            limit: 5000,
            offset: 0,
        })
        .await?;
    let page = RemindersPage {
        chrome: Chrome::new(&user, "reminders"),
        deliveries: rows.iter().map(DeliveryLine::from).collect(),
        failed,
        pager: Pager::new("/reminders", &[], page_no, total),
        runs,
        orgs: orgs
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        saved: crate::web::forms::saved_notice(q.saved.as_deref()),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct OrgPick {
    org: Option<String>,
}

/// The organisation picker of the bureau's page leads to that organisation's robots.
pub async fn pick_org(
    WebUser(user): WebUser,
    Query(q): Query<OrgPick>,
) -> Result<Redirect, AppError> {
    user.require(&[Role::Bureau])?;
    let org = q
        .org
        .as_deref()
        .and_then(crate::domain::ids::OrgId::parse)
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&webhooks_path(org.as_str())))
}

pub async fn retry_delivery(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    services::retry_delivery(&writer(&state, &f.user), &id).await?;
    Ok(saved_redirect("/reminders", "delivery_retried"))
}

pub async fn back_to_reminders() -> Redirect {
    Redirect::to("/reminders")
}
