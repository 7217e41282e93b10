//! 五(三) reminders for the web pages and the API alike: an organisation's notifications, its
//! group robots (the bureau manages any organisation's, an organisation's own users theirs), the
//! test message, and the bureau's list of deliveries with its retry. The scheduler that writes
//! the reminders and sends the deliveries is [`scheduler`].

pub mod scheduler;

use super::ServiceError;
use super::access::{self, Viewer};
use super::workspace::Writer;
use crate::domain::ids::{DeliveryId, NotificationId, OrgId, WebhookId};
use crate::domain::reminders::{Envelope, WebhookInput, message_body, parse_webhook};
use crate::domain::user::Role;
use crate::store::Store;
use crate::store::reminders::{DeliveryRow, NotificationRow, WebhookRow};

/// An organisation's notifications, a page at a time: the rows, how many in all, how many unread.
pub async fn list_notifications(
    store: &Store,
    viewer: &Viewer,
    limit: i64,
    offset: i64,
) -> Result<(Vec<NotificationRow>, i64, i64), ServiceError> {
    access::require_business(viewer)?;
    Ok(store
        .list_notifications(&viewer.org_id, limit, offset)
        .await?)
}

/// Marks one of the viewer's organisation's notifications read (not found for any other).
pub async fn mark_read(
    store: &Store,
    viewer: &Viewer,
    id: &str,
    now_ms: i64,
) -> Result<(), ServiceError> {
    access::require_business(viewer)?;
    let id = NotificationId::parse(id).ok_or(ServiceError::NotFound)?;
    Ok(store
        .mark_notification_read(&viewer.org_id, &id, &viewer.user_id, now_ms)
        .await?)
}

/// Marks all of the viewer's organisation's notifications read; returns how many were unread.
pub async fn mark_all_read(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
) -> Result<u64, ServiceError> {
    access::require_business(viewer)?;
    Ok(store
        .mark_all_notifications_read(&viewer.org_id, &viewer.user_id, now_ms)
        .await?)
}

/// The organisation `org` (as written in a URL) whose robots the viewer may manage: the bureau
/// any organisation's, an organisation's own users theirs. Another organisation's is not found
/// (its robots' existence is not revealed); roles without business data are refused.
pub async fn webhook_org(
    store: &Store,
    viewer: &Viewer,
    org: &str,
) -> Result<(OrgId, String), ServiceError> {
    access::require_business(viewer)?;
    let org = OrgId::parse(org).ok_or(ServiceError::NotFound)?;
    if viewer.role != Role::Bureau && viewer.org_id != org {
        return Err(ServiceError::NotFound);
    }
    let row = store
        .get_organisation(&org)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((org, row.name))
}

/// The organisation's robots.
pub async fn list_webhooks(
    store: &Store,
    viewer: &Viewer,
    org: &str,
) -> Result<(OrgId, String, Vec<WebhookRow>), ServiceError> {
    let (org, name) = webhook_org(store, viewer, org).await?;
    let rows = store.list_webhooks(&org).await?;
    Ok((org, name, rows))
}

/// One robot of the organisation.
pub async fn get_webhook(
    store: &Store,
    viewer: &Viewer,
    org: &str,
    id: &str,
) -> Result<WebhookRow, ServiceError> {
    let (org, _) = webhook_org(store, viewer, org).await?;
    let id = WebhookId::parse(id).ok_or(ServiceError::NotFound)?;
    store
        .get_webhook(&org, &id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Robots set by anyone but the bureau point only at 企业微信's and 钉钉's robot hosts, unless
/// the configuration allows any host (`webhook_any_host`).
fn check_host(
    by: &Viewer,
    any_host: bool,
    kind: crate::domain::reminders::WebhookKind,
    url: &str,
) -> Result<(), ServiceError> {
    if by.role == Role::Bureau || any_host {
        return Ok(());
    }
    Ok(crate::domain::reminders::check_robot_host(kind, url)?)
}

/// Adds a robot to the organisation (audited without its address or secret).
pub async fn add_webhook(
    w: &Writer<'_>,
    any_host: bool,
    org: &str,
    input: &WebhookInput,
) -> Result<WebhookId, ServiceError> {
    let (org, _) = webhook_org(w.store, w.by, org).await?;
    let parsed = parse_webhook(input, true)?;
    check_host(
        w.by,
        any_host,
        parsed.kind,
        parsed.url.as_deref().unwrap_or_default(),
    )?;
    Ok(w.store
        .add_webhook(&w.actor(), w.now_ms, &org, &parsed)
        .await?)
}

/// Corrects a robot; an empty address or secret keeps the stored one. Whether anything changed.
pub async fn update_webhook(
    w: &Writer<'_>,
    any_host: bool,
    org: &str,
    id: &str,
    input: &WebhookInput,
) -> Result<bool, ServiceError> {
    let row = get_webhook(w.store, w.by, org, id).await?;
    let parsed = parse_webhook(input, false)?;
    check_host(
        w.by,
        any_host,
        parsed.kind,
        parsed.url.as_deref().unwrap_or(row.url()),
    )?;
    Ok(w.store
        .update_webhook(&w.actor(), w.now_ms, &row.org_id, &row.id, &parsed)
        .await?)
}

/// Removes a robot (and the record of its deliveries).
pub async fn delete_webhook(w: &Writer<'_>, org: &str, id: &str) -> Result<(), ServiceError> {
    let row = get_webhook(w.store, w.by, org, id).await?;
    Ok(w.store
        .delete_webhook(&w.actor(), w.now_ms, &row.org_id, &row.id)
        .await?)
}

/// The outcome of a test message.
pub struct TestOutcome {
    pub delivery: DeliveryId,
    /// sent, pending (failed once, will be retried) or failed.
    pub status: String,
    pub error: String,
}

/// "发送测试消息": queues a test message to the robot and sends it at once, so the user sees
/// whether the robot answers; a failure is retried like any delivery.
pub async fn send_test_message(
    sender: &scheduler::Sender,
    w: &Writer<'_>,
    org: &str,
    id: &str,
) -> Result<TestOutcome, ServiceError> {
    let row = get_webhook(w.store, w.by, org, id).await?;
    if !row.enabled {
        return Err(ServiceError::Conflict(
            "该机器人已停用，请先启用再发送测试消息".into(),
        ));
    }
    let text = format!(
        "【校地通】测试消息：{} 的{}已接通，月度进展报告的提醒将发送到这里。",
        row.org_name,
        row.kind.label()
    );
    let body = message_body(
        row.kind,
        &Envelope {
            event: "test",
            title: "测试消息",
            text: &text,
            month: "",
            link: "/notifications",
        },
    );
    let delivery = w
        .store
        .enqueue_delivery(
            &row.id,
            "test",
            &format!("test-{}", uuid::Uuid::new_v4()),
            &body.to_string(),
            w.now_ms,
        )
        .await?;
    sender
        .send_due(w.store, w.now_ms, Some(&delivery))
        .await
        .map_err(|e| ServiceError::Store(crate::store::StoreError::Internal(e)))?;
    let (status, error) = w
        .store
        .delivery_status(&delivery)
        .await?
        .unwrap_or_default();
    Ok(TestOutcome {
        delivery,
        status,
        error,
    })
}

/// The bureau's view of every delivery, failed first: the page, the total and how many failed.
pub async fn list_deliveries(
    store: &Store,
    viewer: &Viewer,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DeliveryRow>, i64, i64), ServiceError> {
    viewer.require(&[Role::Bureau])?;
    Ok(store.list_deliveries(limit, offset).await?)
}

/// The bureau puts a failed delivery back for one more attempt (audited).
pub async fn retry_delivery(w: &Writer<'_>, id: &str) -> Result<(), ServiceError> {
    w.by.require(&[Role::Bureau])?;
    let id = DeliveryId::parse(id).ok_or(ServiceError::NotFound)?;
    Ok(w.store.retry_delivery(&w.actor(), w.now_ms, &id).await?)
}
