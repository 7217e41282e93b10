//! The reminder scheduler inside `xiaodi serve`: every `reminder_tick_secs` it writes the
//! reminders whose time has come (by the application's clock) and sends the deliveries that are
//! due. Exactly once: each job's run is a row keyed by (job, period) inserted in the same
//! transaction as its notifications and deliveries, so a restarted server or a second instance
//! on the same PostgreSQL finds it there and skips; each delivery is claimed with a lease by a
//! conditional update before it is sent, so no two senders send it.

use crate::AppState;
use crate::clock::Clock;
use crate::domain::ids::{DeliveryId, OrgId};
use crate::domain::monthly::deadline;
use crate::domain::reminders::{
    DueJob, Envelope, JobKind, WebhookKind, dingtalk_signed_url, due_jobs, judge_answer,
    message_body, overdue_message, report_link, school_message,
};
use crate::store::Store;
use crate::store::plans::PlanCache;
use crate::store::reminders::{Claimed, NewNotification, WebhookRow};
use std::collections::HashMap;
use std::time::Duration;

/// How long a robot may take to answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries one pass sends at most (robots take 20 messages a minute each).
const BATCH: i64 = 50;
/// How long a claimed delivery stays with its sender: longer than a whole batch can take (every
/// robot timing out, one after another), so no lease of a batch expires while it is still being
/// sent and another instance cannot claim and send it a second time. A sender that dies holds its
/// batch this long before another takes it up.
const LEASE_MS: i64 = BATCH * SEND_TIMEOUT.as_millis() as i64 + 60_000;

/// Sends deliveries to the robots.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
}

impl Default for Sender {
    fn default() -> Self {
        Self::new()
    }
}

/// What one send pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
}

impl Sender {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { client }
    }

    /// Claims and sends the deliveries due at `now_ms` (or only `only`).
    pub async fn send_due(
        &self,
        store: &Store,
        now_ms: i64,
        only: Option<&DeliveryId>,
    ) -> anyhow::Result<Sent> {
        let mut done = Sent::default();
        let claimed = store
            .claim_deliveries(now_ms, LEASE_MS, BATCH, only)
            .await?;
        for c in claimed {
            let outcome = self.send(&c, now_ms).await;
            match &outcome {
                Ok(()) => done.sent += 1,
                Err(e) => {
                    done.failed += 1;
                    // The address is a secret: the log names the delivery and the error only.
                    tracing::warn!(delivery = %c.id, attempt = c.attempts + 1, error = %e, "reminder webhook failed");
                }
            }
            store.finish_delivery(&c, outcome, now_ms).await?;
        }
        Ok(done)
    }

    async fn send(&self, c: &Claimed, now_ms: i64) -> Result<(), String> {
        if !c.enabled {
            return Err("机器人已停用".into());
        }
        let url = if c.kind == WebhookKind::Dingtalk && !c.secret.is_empty() {
            dingtalk_signed_url(&c.url, &c.secret, now_ms)
        } else {
            c.url.clone()
        };
        let resp = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(c.body.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = resp.status().as_u16();
        let body = bounded_text(resp).await?;
        judge_answer(c.kind, status, &body)
    }
}

/// A robot's answer is a few dozen bytes: more than this is not read (a misbehaving endpoint
/// must not hold the server's memory).
const ANSWER_LIMIT: usize = 64 * 1024;

async fn bounded_text(mut resp: reqwest::Response) -> Result<String, String> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(describe)? {
        let room = ANSWER_LIMIT - buf.len();
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= ANSWER_LIMIT {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A transport error in words, without the address (reqwest's own message carries it).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        format!("{} 秒内没有应答", SEND_TIMEOUT.as_secs())
    } else if e.is_connect() {
        "无法连接到机器人地址".into()
    } else if e.is_redirect() {
        "机器人地址要求跳转（不跟随）".into()
    } else {
        format!("发送失败：{}", e.without_url())
    }
}

/// The scheduler: reads the clock, writes the reminders due, sends the deliveries due.
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    clock: Clock,
    plans: PlanCache,
    sender: Sender,
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tick {
    /// The jobs this instance ran, as (job, period).
    pub ran: Vec<(String, String)>,
    pub sent: Sent,
}

impl Scheduler {
    pub fn new(state: &AppState) -> Self {
        Self {
            store: state.store.clone(),
            clock: state.clock.clone(),
            plans: state.plans.clone(),
            sender: Sender::new(),
        }
    }

    /// One tick: the jobs due now, then the deliveries due now.
    pub async fn tick(&self) -> anyhow::Result<Tick> {
        let ran = self.run_due_jobs().await?;
        let sent = self
            .sender
            .send_due(&self.store, self.clock.now_ms(), None)
            .await?;
        Ok(Tick { ran, sent })
    }

    /// Runs each job whose time has come and that no one has run yet; returns those it ran.
    pub async fn run_due_jobs(&self) -> anyhow::Result<Vec<(String, String)>> {
        let Some((plan_id, years)) = self.plans.current_years(&self.store).await? else {
            return Ok(Vec::new());
        };
        let now_ms = self.clock.now_ms();
        let today = self.clock.today();
        // The jobs of today under this year's plan; each month is due as its own year's says.
        let jobs = due_jobs(years.for_year(today.year()), now_ms, today);
        let Some(first) = jobs.iter().map(|j| j.month).min() else {
            return Ok(Vec::new());
        };
        let last = jobs.iter().map(|j| j.month).max().unwrap_or(first);
        let done = self.store.reminder_runs_since(&first.to_string()).await?;
        let jobs: Vec<DueJob> = jobs
            .into_iter()
            .filter(|j| !done.contains(&(j.kind.as_str().to_string(), j.period())))
            .collect();
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let rolls = self
            .store
            .report_roll(&plan_id, &years, first, last, now_ms)
            .await?;
        let mut robots: HashMap<OrgId, Vec<WebhookRow>> = HashMap::new();
        for w in self.store.enabled_webhooks().await? {
            robots.entry(w.org_id.clone()).or_default().push(w);
        }
        let bureau = self.store.bureau_orgs().await?;
        let mut ran = Vec::new();
        for job in jobs {
            let Some(roll) = rolls.iter().find(|r| r.deadline.month == job.month) else {
                continue;
            };
            let plan = years.for_month(job.month);
            let d = deadline(plan, job.month);
            let month = job.period();
            let link = report_link(job.month);
            let mut notes = Vec::new();
            let mut deliveries = Vec::new();
            let mut address = |org: &OrgId, title: &str, text: &str| {
                notes.push(NewNotification {
                    org: org.clone(),
                    kind: job.kind.as_str().into(),
                    title: title.into(),
                    body: text.into(),
                    link: link.clone(),
                });
                // One message per robot per job: each organisation's robots get its one text.
                for w in robots.get(org).into_iter().flatten() {
                    let body = message_body(
                        w.kind,
                        &Envelope {
                            event: job.kind.as_str(),
                            title,
                            text: &format!("【校地通】{text}"),
                            month: &month,
                            link: &link,
                        },
                    );
                    deliveries.push((w.id.clone(), body.to_string()));
                }
            };
            if job.kind == JobKind::Overdue {
                let missing: Vec<String> = roll.unsubmitted().map(|e| e.name.clone()).collect();
                let m = overdue_message(job.month, &d, &missing);
                for org in &bureau {
                    address(org, &m.title, &m.text);
                }
            } else {
                let schools: Vec<_> = if job.kind == JobKind::MonthStart {
                    roll.entries.iter().filter(|e| e.expected).collect()
                } else {
                    roll.unsubmitted().collect()
                };
                for e in schools {
                    let m = school_message(job.kind, job.month, &d, &e.name, plan);
                    address(&e.school, &m.title, &m.text);
                }
            }
            let recorded = self
                .store
                .record_reminder_run(job.kind.as_str(), &month, now_ms, &notes, &deliveries)
                .await?;
            if recorded {
                tracing::info!(job = job.kind.as_str(), period = %month, notifications = notes.len(), deliveries = deliveries.len(), "reminder job ran");
                ran.push((job.kind.as_str().to_string(), month));
            }
        }
        Ok(ran)
    }
}

/// The scheduler inside `serve`: a tick every `reminder_tick_secs` (0 turns it off). A failed
/// tick is logged and the next one tries again; it never stops the server.
pub async fn run(state: AppState) {
    let secs = state.config.reminder_tick_secs;
    if secs == 0 {
        return;
    }
    let scheduler = Scheduler::new(&state);
    // The first tick one period after start (a catch-up of what was missed while down comes
    // then), so a starting server is not busy with it while it opens its doors.
    let period = Duration::from_secs(secs);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = scheduler.tick().await {
            tracing::error!(error = %format!("{e:#}"), "reminder tick failed");
        }
    }
}
