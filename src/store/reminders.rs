//! 五(三) reminders: notifications, organisations' group robots, their deliveries and the runs
//! of the reminder jobs. A job's run, its notifications and its deliveries are written in one
//! transaction whose first statement inserts the run's row: a second instance (or a restarted
//! server) fails on its key and writes nothing, so each reminder goes out once.

use super::audit::{self, Actor, AuditEntry};
use super::{Store, StoreError, violates_unique};
use crate::domain::ids::{DeliveryId, NotificationId, OrgId, UserId, WebhookId};
use crate::domain::reminders::{NewWebhook, WebhookKind, mask_url, retry_after_ms};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A notification as its organisation's users see it.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: NotificationId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub org: OrgId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// A group robot of an organisation. Its address is a secret: `Debug` and [`Self::masked_url`]
/// show it masked.
#[derive(Clone)]
pub struct WebhookRow {
    pub id: WebhookId,
    pub org_id: OrgId,
    pub org_name: String,
    pub kind: WebhookKind,
    pub name: String,
    url: String,
    secret: String,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WebhookRow {
    pub fn masked_url(&self) -> String {
        mask_url(&self.url)
    }

    pub fn has_secret(&self) -> bool {
        !self.secret.is_empty()
    }

    /// The address itself, for the sender only.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl std::fmt::Debug for WebhookRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRow")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("kind", &self.kind)
            .field("url", &self.masked_url())
            .field("secret", &if self.has_secret() { "***" } else { "" })
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// A delivery as the bureau sees it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub org_name: String,
    pub webhook_kind: WebhookKind,
    pub webhook_name: String,
    pub masked_url: String,
    pub job: String,
    pub period: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub sent_at: Option<i64>,
    pub created_at: i64,
}

/// A delivery a sender has claimed: everything it needs to send it.
pub struct Claimed {
    pub id: DeliveryId,
    pub lease_token: String,
    pub kind: WebhookKind,
    pub url: String,
    pub secret: String,
    pub enabled: bool,
    pub body: String,
    pub attempts: i64,
}

/// A job's run as the bureau's page lists it.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub job: String,
    pub period: String,
    pub ran_at: i64,
    pub notifications: i64,
    pub deliveries: i64,
}

fn webhook_kind(s: &str) -> sqlx::Result<WebhookKind> {
    WebhookKind::parse(s).ok_or_else(|| super::rows::decode_err("webhook kind", s))
}

const WEBHOOK_SELECT: &str = "select w.id, w.org_id, o.name as org_name, w.kind, w.name, w.url,
        w.secret, w.enabled, w.created_at, w.updated_at
     from org_webhooks w join organisations o on o.id = w.org_id";

fn webhook_from_row(r: &AnyRow) -> sqlx::Result<WebhookRow> {
    Ok(WebhookRow {
        id: WebhookId::from_db(r.try_get("id")?),
        org_id: OrgId::from_db(r.try_get("org_id")?),
        org_name: r.try_get("org_name")?,
        kind: webhook_kind(&r.try_get::<String, _>("kind")?)?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        secret: r.try_get("secret")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn notification_from_row(r: &AnyRow) -> sqlx::Result<NotificationRow> {
    Ok(NotificationRow {
        id: NotificationId::from_db(r.try_get("id")?),
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}

/// A webhook in the audit log: never its address nor its secret, only the masked address and
/// whether a secret is set.
fn webhook_audit(
    kind: WebhookKind,
    name: &str,
    masked: &str,
    has_secret: bool,
    enabled: bool,
) -> serde_json::Value {
    json!({
        "kind": kind.as_str(), "name": name, "url": masked,
        "has_secret": has_secret, "enabled": enabled,
    })
}

impl Store {
    // --- runs ---------------------------------------------------------------------------------

    /// Records that `job` ran for `period` at `now_ms`, with its notifications and deliveries
    /// (`(webhook, body)`), all in one transaction. Returns false, writing nothing, when the run
    /// is recorded already (another instance, or an earlier tick, did it).
    pub async fn record_reminder_run(
        &self,
        job: &str,
        period: &str,
        now_ms: i64,
        notifications: &[NewNotification],
        deliveries: &[(WebhookId, String)],
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "insert into reminder_runs (job, period, ran_at, notifications, deliveries)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(job)
        .bind(period)
        .bind(now_ms)
        .bind(notifications.len() as i64)
        .bind(deliveries.len() as i64)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e)
                if violates_unique(
                    &e,
                    "reminder_runs_pkey",
                    "reminder_runs.job, reminder_runs.period",
                ) =>
            {
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
        for n in notifications {
            sqlx::query(
                "insert into notifications (id, org_id, kind, title, body, link, created_at)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(NotificationId::new().as_str())
            .bind(n.org.as_str())
            .bind(&n.kind)
            .bind(&n.title)
            .bind(&n.body)
            .bind(&n.link)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        for (webhook, body) in deliveries {
            insert_delivery(&mut tx, webhook, job, period, body, now_ms).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The latest runs, newest first.
    pub async fn list_reminder_runs(&self, limit: i64) -> sqlx::Result<Vec<RunRow>> {
        sqlx::query(
            "select job, period, ran_at, notifications, deliveries from reminder_runs
             order by ran_at desc, period desc, job limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(RunRow {
                job: r.try_get("job")?,
                period: r.try_get("period")?,
                ran_at: r.try_get("ran_at")?,
                notifications: r.try_get("notifications")?,
                deliveries: r.try_get("deliveries")?,
            })
        })
        .collect()
    }

    /// The jobs already run for report months from `from` (`YYYY-MM`) on, as (job, period).
    pub async fn reminder_runs_since(
        &self,
        from: &str,
    ) -> sqlx::Result<std::collections::HashSet<(String, String)>> {
        sqlx::query("select job, period from reminder_runs where period >= $1")
            .bind(from)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("job")?, r.try_get("period")?)))
            .collect()
    }

    /// The bureau's organisations (the receivers of the overdue notice).
    pub async fn bureau_orgs(&self) -> sqlx::Result<Vec<OrgId>> {
        sqlx::query("select id from organisations where kind = 'bureau' order by name")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(OrgId::from_db(r.try_get("id")?)))
            .collect()
    }

    // --- notifications ------------------------------------------------------------------------

    /// One page of an organisation's notifications, newest first, with how many there are and
    /// how many are unread.
    pub async fn list_notifications(
        &self,
        org: &OrgId,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<(Vec<NotificationRow>, i64, i64)> {
        let counts = sqlx::query(
            "select count(*) as n,
                    coalesce(sum(case when read_at is null then 1 else 0 end), 0) as unread
             from notifications where org_id = $1",
        )
        .bind(org.as_str())
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "select id, kind, title, body, link, created_at, read_at from notifications
             where org_id = $1 order by created_at desc, id limit $2 offset $3",
        )
        .bind(org.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(notification_from_row)
        .collect::<sqlx::Result<_>>()?;
        Ok((rows, counts.try_get("n")?, unread_count(&counts)?))
    }

    /// How many notifications wait unread for the user of a web session (the page header's
    /// bell), by the session token's hash; 0 when there is no such session.
    pub async fn unread_notifications_of_session(&self, token_hash: &str) -> sqlx::Result<i64> {
        let r = sqlx::query(
            "select count(*) as n from notifications n
             join users u on u.org_id = n.org_id
             join sessions s on s.user_id = u.id
             where s.token_hash = $1 and n.read_at is null",
        )
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await?;
        r.try_get("n")
    }

    /// Marks one of the organisation's notifications read (for the organisation). Not found when
    /// it is another organisation's.
    pub async fn mark_notification_read(
        &self,
        org: &OrgId,
        id: &NotificationId,
        by: &UserId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let exists = sqlx::query("select read_at from notifications where id = $1 and org_id = $2")
            .bind(id.as_str())
            .bind(org.as_str())
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "update notifications set read_at = $1, read_by = $2
             where id = $3 and org_id = $4 and read_at is null",
        )
        .bind(now_ms)
        .bind(by.as_str())
        .bind(id.as_str())
        .bind(org.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks every unread notification of the organisation read; returns how many.
    pub async fn mark_all_notifications_read(
        &self,
        org: &OrgId,
        by: &UserId,
        now_ms: i64,
    ) -> sqlx::Result<u64> {
        Ok(sqlx::query(
            "update notifications set read_at = $1, read_by = $2 where org_id = $3 and read_at is null",
        )
        .bind(now_ms)
        .bind(by.as_str())
        .bind(org.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    // --- webhooks -----------------------------------------------------------------------------

    /// An organisation's robots, oldest first.
    pub async fn list_webhooks(&self, org: &OrgId) -> sqlx::Result<Vec<WebhookRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{WEBHOOK_SELECT} where w.org_id = $1 order by w.created_at, w.id"
        )))
        .bind(org.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(webhook_from_row)
        .collect()
    }

    /// Every enabled robot of the given organisations.
    pub async fn enabled_webhooks(&self) -> sqlx::Result<Vec<WebhookRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{WEBHOOK_SELECT} where w.enabled = 1 order by w.created_at, w.id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(webhook_from_row)
        .collect()
    }

    /// The organisation's robot `id`; none when it is another organisation's.
    pub async fn get_webhook(
        &self,
        org: &OrgId,
        id: &WebhookId,
    ) -> sqlx::Result<Option<WebhookRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{WEBHOOK_SELECT} where w.id = $1 and w.org_id = $2"
        )))
        .bind(id.as_str())
        .bind(org.as_str())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(webhook_from_row)
        .transpose()
    }

    /// Adds a robot (its address required: the caller parsed it with `creating`).
    pub async fn add_webhook(
        &self,
        actor: &Actor,
        now_ms: i64,
        org: &OrgId,
        w: &NewWebhook,
    ) -> Result<WebhookId, StoreError> {
        let url = w.url.clone().ok_or_else(|| {
            StoreError::Invalid(crate::domain::FieldError::new("地址", "不能为空"))
        })?;
        let secret = w.secret.clone().unwrap_or_default();
        let id = WebhookId::new();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "insert into org_webhooks (id, org_id, kind, name, url, secret, enabled, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(id.as_str())
        .bind(org.as_str())
        .bind(w.kind.as_str())
        .bind(&w.name)
        .bind(&url)
        .bind(&secret)
        .bind(i64::from(w.enabled))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let mut after = webhook_audit(
            w.kind,
            &w.name,
            &mask_url(&url),
            !secret.is_empty(),
            w.enabled,
        );
        after["org_id"] = json!(org.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "webhook.create",
                entity: "webhook",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Corrects a robot (an empty address or secret keeps the stored one). Returns whether
    /// anything changed.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        now_ms: i64,
        org: &OrgId,
        id: &WebhookId,
        w: &NewWebhook,
    ) -> Result<bool, StoreError> {
        let before = self
            .get_webhook(org, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let url = w.url.clone().unwrap_or_else(|| before.url.clone());
        let secret = w.secret.clone().unwrap_or_else(|| before.secret.clone());
        // A secret belongs to 钉钉 robots only.
        let secret = if w.kind == WebhookKind::Dingtalk {
            secret
        } else {
            String::new()
        };
        let old = webhook_audit(
            before.kind,
            &before.name,
            &before.masked_url(),
            before.has_secret(),
            before.enabled,
        );
        let mut new = webhook_audit(
            w.kind,
            &w.name,
            &mask_url(&url),
            !secret.is_empty(),
            w.enabled,
        );
        let url_changed = url != before.url;
        let secret_changed = secret != before.secret;
        if url_changed {
            new["url_replaced"] = json!(true);
        }
        if secret_changed {
            new["secret_replaced"] = json!(true);
        }
        let (was, now) = audit::changed_fields(&old, &new);
        if now.is_empty() && !url_changed && !secret_changed {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "update org_webhooks set kind = $1, name = $2, url = $3, secret = $4, enabled = $5, updated_at = $6
             where id = $7 and org_id = $8",
        )
        .bind(w.kind.as_str())
        .bind(&w.name)
        .bind(&url)
        .bind(&secret)
        .bind(i64::from(w.enabled))
        .bind(now_ms)
        .bind(id.as_str())
        .bind(org.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "webhook.update",
                entity: "webhook",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes a robot and its deliveries.
    pub async fn delete_webhook(
        &self,
        actor: &Actor,
        now_ms: i64,
        org: &OrgId,
        id: &WebhookId,
    ) -> Result<(), StoreError> {
        let before = self
            .get_webhook(org, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("delete from webhook_deliveries where webhook_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("delete from org_webhooks where id = $1 and org_id = $2")
            .bind(id.as_str())
            .bind(org.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let mut was = webhook_audit(
            before.kind,
            &before.name,
            &before.masked_url(),
            before.has_secret(),
            before.enabled,
        );
        was["org_id"] = json!(org.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "webhook.delete",
                entity: "webhook",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- deliveries ---------------------------------------------------------------------------

    /// Queues one message to one robot outside the reminder jobs (a test message); sent by the
    /// next sender pass (or at once by the caller).
    pub async fn enqueue_delivery(
        &self,
        webhook: &WebhookId,
        job: &str,
        period: &str,
        body: &str,
        now_ms: i64,
    ) -> sqlx::Result<DeliveryId> {
        let mut tx = self.begin_write().await?;
        let id = insert_delivery(&mut tx, webhook, job, period, body, now_ms).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` deliveries due at `now_ms` (pending, their time come, no live lease)
    /// for `lease_ms`: each with a conditional update that only one sender can win, so two
    /// instances never send one message twice. `only` limits the claim to one delivery.
    pub async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
        only: Option<&DeliveryId>,
    ) -> sqlx::Result<Vec<Claimed>> {
        let candidates: Vec<String> = sqlx::query(
            "select id from webhook_deliveries
             where status = 'pending' and next_attempt_at <= $1
               and (lease_until is null or lease_until < $1)
               and ($2 = '' or id = $2)
             order by next_attempt_at, id limit $3",
        )
        .bind(now_ms)
        .bind(only.map(|d| d.as_str()).unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<sqlx::Result<_>>()?;
        let mut claimed = Vec::new();
        for id in candidates {
            let token = uuid::Uuid::new_v4().to_string();
            let won = sqlx::query(
                "update webhook_deliveries set lease_until = $1, lease_token = $2
                 where id = $3 and status = 'pending' and next_attempt_at <= $4
                   and (lease_until is null or lease_until < $4)",
            )
            .bind(now_ms + lease_ms)
            .bind(&token)
            .bind(&id)
            .bind(now_ms)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1;
            if !won {
                continue;
            }
            let r = sqlx::query(
                "select d.id, d.body, d.attempts, w.kind, w.url, w.secret, w.enabled
                 from webhook_deliveries d join org_webhooks w on w.id = d.webhook_id
                 where d.id = $1",
            )
            .bind(&id)
            .fetch_one(&self.pool)
            .await?;
            claimed.push(Claimed {
                id: DeliveryId::from_db(id),
                lease_token: token,
                kind: webhook_kind(&r.try_get::<String, _>("kind")?)?,
                url: r.try_get("url")?,
                secret: r.try_get("secret")?,
                enabled: r.try_get::<i64, _>("enabled")? != 0,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
            });
        }
        Ok(claimed)
    }

    /// Records the outcome of an attempt on a claimed delivery: sent; or failed, to be tried
    /// again after the back-off, or given up after the last attempt.
    pub async fn finish_delivery(
        &self,
        c: &Claimed,
        outcome: Result<(), String>,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let attempts = c.attempts + 1;
        let q = match outcome {
            Ok(()) => sqlx::query(
                "update webhook_deliveries set status = 'sent', attempts = $1, sent_at = $2,
                    last_error = '', lease_until = null, lease_token = null
                 where id = $3 and lease_token = $4",
            )
            .bind(attempts)
            .bind(now_ms),
            Err(error) => {
                let error = crate::domain::reminders::truncate_bytes(&error, 500);
                match retry_after_ms(attempts) {
                    Some(wait) => sqlx::query(
                        "update webhook_deliveries set attempts = $1, next_attempt_at = $2,
                            last_error = $5, lease_until = null, lease_token = null
                         where id = $3 and lease_token = $4",
                    )
                    .bind(attempts)
                    .bind(now_ms + wait),
                    None => sqlx::query(
                        "update webhook_deliveries set status = 'failed', attempts = $1,
                            next_attempt_at = $2, last_error = $5, lease_until = null, lease_token = null
                         where id = $3 and lease_token = $4",
                    )
                    .bind(attempts)
                    .bind(now_ms),
                }
                .bind(c.id.as_str())
                .bind(&c.lease_token)
                .bind(error)
                .execute(&self.pool)
                .await?;
                return Ok(());
            }
        };
        q.bind(c.id.as_str())
            .bind(&c.lease_token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// One page of every delivery: failed first, then pending, then sent; newest first within
    /// each. With the total and how many failed.
    pub async fn list_deliveries(
        &self,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<(Vec<DeliveryRow>, i64, i64)> {
        let counts = sqlx::query(
            "select count(*) as n,
                    coalesce(sum(case when status = 'failed' then 1 else 0 end), 0) as failed
             from webhook_deliveries",
        )
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "select d.id, d.webhook_id, o.name as org_name, w.kind, w.name, w.url, d.job, d.period,
                    d.status, d.attempts, d.next_attempt_at, d.last_error, d.sent_at, d.created_at
             from webhook_deliveries d
             join org_webhooks w on w.id = d.webhook_id
             join organisations o on o.id = w.org_id
             order by case d.status when 'failed' then 0 when 'pending' then 1 else 2 end,
                      d.created_at desc, d.id
             limit $1 offset $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DeliveryRow {
                id: DeliveryId::from_db(r.try_get("id")?),
                webhook_id: WebhookId::from_db(r.try_get("webhook_id")?),
                org_name: r.try_get("org_name")?,
                webhook_kind: webhook_kind(&r.try_get::<String, _>("kind")?)?,
                webhook_name: r.try_get("name")?,
                masked_url: mask_url(&r.try_get::<String, _>("url")?),
                job: r.try_get("job")?,
                period: r.try_get("period")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                last_error: r.try_get("last_error")?,
                sent_at: r.try_get("sent_at")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
        Ok((rows, counts.try_get("n")?, counts.try_get("failed")?))
    }

    /// Puts a failed delivery back in the queue for one more attempt, now (audited).
    pub async fn retry_delivery(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &DeliveryId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("select status, attempts from webhook_deliveries where id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let status: String = row.try_get("status")?;
        if status != "failed" {
            return Err(StoreError::Conflict(
                "只有发送失败的消息可以重新发送".into(),
            ));
        }
        let attempts: i64 = row.try_get("attempts")?;
        // One more attempt: a failure now gives it up again at once.
        let attempts_left = (attempts).min(crate::domain::reminders::MAX_ATTEMPTS - 1);
        sqlx::query(
            "update webhook_deliveries set status = 'pending', attempts = $1, next_attempt_at = $2,
                lease_until = null, lease_token = null
             where id = $3 and status = 'failed'",
        )
        .bind(attempts_left)
        .bind(now_ms)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "webhook_delivery.retry",
                entity: "webhook_delivery",
                entity_id: Some(id.as_str()),
                before: Some(json!({"status": "failed", "attempts": attempts})),
                after: Some(json!({"status": "pending"})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The status of one delivery (after a test message was sent).
    pub async fn delivery_status(&self, id: &DeliveryId) -> sqlx::Result<Option<(String, String)>> {
        sqlx::query("select status, last_error from webhook_deliveries where id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok((r.try_get("status")?, r.try_get("last_error")?)))
            .transpose()
    }
}

fn unread_count(r: &AnyRow) -> sqlx::Result<i64> {
    r.try_get("unread")
}

async fn insert_delivery(
    conn: &mut sqlx::AnyConnection,
    webhook: &WebhookId,
    job: &str,
    period: &str,
    body: &str,
    now_ms: i64,
) -> sqlx::Result<DeliveryId> {
    let id = DeliveryId::new();
    sqlx::query(
        "insert into webhook_deliveries (id, webhook_id, job, period, body, status, attempts, next_attempt_at, created_at)
         values ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
    )
    .bind(id.as_str())
    .bind(webhook.as_str())
    .bind(job)
    .bind(period)
    .bind(body)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
