//! 五(三) reminders: when each reminder of a month's report is due, what it says, and how a
//! message reaches an organisation's group robot (企业微信, 钉钉 or a generic JSON webhook).
//! Pure: the scheduler passes the time in; the store records what ran.
//!
//! For the report of month M (due on day D of M + offset, `monthly::deadline`), at 09:00
//! Asia/Shanghai:
//! - `month_start`: the 1st of the month the report is due in, to every expected school;
//! - `before_due`: N days before the due day (plan `rules.reminder_days_before`), to the schools
//!   that have not submitted;
//! - `due_day`: on the due day, to the schools that have not submitted;
//! - `overdue`: the day after, to the bureau, naming the schools whose report is missing.

use super::monthly::{Deadline, deadline, start_of_day_ms};
use super::plan::{Month, Plan};
use super::{FieldError, FieldErrors};
use jiff::ToSpan;
use jiff::civil::Date;

/// The hour (Asia/Shanghai) every reminder goes out.
pub const REMINDER_HOUR: i64 = 9;

/// One of the four reminders of a month's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobKind {
    MonthStart,
    BeforeDue,
    DueDay,
    Overdue,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::MonthStart,
        JobKind::BeforeDue,
        JobKind::DueDay,
        JobKind::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::MonthStart => "month_start",
            JobKind::BeforeDue => "before_due",
            JobKind::DueDay => "due_day",
            JobKind::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobKind::MonthStart => "月初提醒",
            JobKind::BeforeDue => "截止前提醒",
            JobKind::DueDay => "截止日提醒",
            JobKind::Overdue => "逾期未报通报",
        }
    }

    /// Whether it goes to the schools (the others go to the bureau).
    pub fn to_schools(self) -> bool {
        self != JobKind::Overdue
    }
}

/// The day a reminder of month `m`'s report goes out.
pub fn job_date(plan: &Plan, kind: JobKind, m: Month) -> Date {
    let d = deadline(plan, m);
    match kind {
        JobKind::MonthStart => Month::of(d.due_on).first_day(),
        JobKind::BeforeDue => d
            .due_on
            .checked_sub((plan.rules.reminder_days_before as i64).days())
            .unwrap_or(d.due_on),
        JobKind::DueDay => d.due_on,
        JobKind::Overdue => d.due_on.checked_add(1.days()).unwrap_or(d.due_on),
    }
}

/// The instant (Unix ms) a reminder goes out: 09:00 Asia/Shanghai on its day (the zone has no
/// daylight saving, so the start of the day plus nine hours).
pub fn job_at_ms(plan: &Plan, kind: JobKind, m: Month) -> i64 {
    start_of_day_ms(job_date(plan, kind, m)) + REMINDER_HOUR * 3_600_000
}

/// A reminder whose time has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueJob {
    pub kind: JobKind,
    pub month: Month,
    pub at_ms: i64,
}

impl DueJob {
    /// The period a run is recorded under (the report month, `YYYY-MM`).
    pub fn period(&self) -> String {
        self.month.to_string()
    }
}

/// The report month whose report is due in the month holding `today`.
pub fn current_report_month(plan: &Plan, today: Date) -> Month {
    Month::of(today).plus(-(plan.rules.report_month_offset as i32))
}

/// The reminders due at `now_ms` (`today` its Asia/Shanghai date) for the current and the
/// previous report month, never for a month before the plan's first report month. A server that
/// was down at a reminder's minute catches up here; but a school reminder overtaken by the next
/// one of the same month (the server was down past it) is left out rather than sent late: the
/// schools get the newer one, and none after the due time has passed. The bureau's overdue
/// notice is always caught up.
pub fn due_jobs(plan: &Plan, now_ms: i64, today: Date) -> Vec<DueJob> {
    let current = current_report_month(plan, today);
    let mut out = Vec::new();
    for m in [current.previous(), current] {
        if m < plan.report_start_month {
            continue;
        }
        let due_ms = deadline(plan, m).due_ms;
        let school_jobs = [JobKind::MonthStart, JobKind::BeforeDue, JobKind::DueDay];
        for (i, kind) in JobKind::ALL.into_iter().enumerate() {
            let at_ms = job_at_ms(plan, kind, m);
            if at_ms > now_ms {
                continue;
            }
            if kind.to_schools() {
                let overtaken = match school_jobs.get(i + 1) {
                    Some(next) => job_at_ms(plan, *next, m) <= now_ms,
                    None => now_ms > due_ms,
                };
                if overtaken {
                    continue;
                }
            }
            out.push(DueJob {
                kind,
                month: m,
                at_ms,
            });
        }
    }
    out
}

/// `6月28日`.
fn day_label(d: Date) -> String {
    format!("{}月{}日", d.month(), d.day())
}

/// A reminder's words: a title for the notification list and the text of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub text: String,
}

/// What a school is told by a school reminder of month `m`.
pub fn school_message(kind: JobKind, m: Month, d: &Deadline, school: &str, plan: &Plan) -> Message {
    let month = m.label();
    let due = day_label(d.due_on);
    match kind {
        JobKind::MonthStart => Message {
            title: format!("{month}进展报告已生成草稿"),
            text: format!("{school}：{month}进展报告已生成草稿，请于 {due} 前提交。"),
        },
        JobKind::BeforeDue => Message {
            title: format!("{month}进展报告 {due} 截止"),
            text: format!(
                "{school}：{month}进展报告将于 {due} 截止（还有 {} 天），贵单位尚未提交，请尽快提交。",
                plan.rules.reminder_days_before
            ),
        },
        JobKind::DueDay | JobKind::Overdue => Message {
            title: format!("今天是{month}进展报告截止日"),
            text: format!(
                "{school}：今天（{due}）是{month}进展报告的截止日，贵单位尚未提交，请于今天 24 时前提交。"
            ),
        },
    }
}

/// What the bureau is told the day after the due day: the schools whose report is missing.
pub fn overdue_message(m: Month, d: &Deadline, missing: &[String]) -> Message {
    let month = m.label();
    let due = day_label(d.due_on);
    if missing.is_empty() {
        return Message {
            title: format!("{month}进展报告已全部提交"),
            text: format!("{month}进展报告已于 {due} 截止，应报学校均已提交。"),
        };
    }
    Message {
        title: format!("{month}进展报告有 {} 所学校未提交", missing.len()),
        text: format!(
            "{month}进展报告已于 {due} 截止，以下 {} 所学校未提交：{}。",
            missing.len(),
            missing.join("、")
        ),
    }
}

/// Where a reminder's notification links to: the month's reports.
pub fn report_link(m: Month) -> String {
    format!("/reports?month={m}")
}

// ---------------------------------------------------------------------------------------------
// Group robots

/// The kind of an organisation's webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// 企业微信 group robot.
    Wecom,
    /// 钉钉 custom robot.
    Dingtalk,
    /// Any receiver of a plain JSON body.
    Generic,
}

impl WebhookKind {
    pub const ALL: [WebhookKind; 3] = [
        WebhookKind::Wecom,
        WebhookKind::Dingtalk,
        WebhookKind::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Wecom => "wecom",
            WebhookKind::Dingtalk => "dingtalk",
            WebhookKind::Generic => "generic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WebhookKind::Wecom => "企业微信群机器人",
            WebhookKind::Dingtalk => "钉钉群机器人",
            WebhookKind::Generic => "通用 JSON 接口",
        }
    }

    /// The code (`wecom`) or the label.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
    }
}

/// The longest webhook address accepted (both robots' addresses are well under 300 characters).
pub const MAX_URL_CHARS: usize = 1000;
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_SECRET_CHARS: usize = 200;
/// 企业微信: a text message's content is at most 2,048 bytes; the same bound for the others.
pub const MAX_CONTENT_BYTES: usize = 2048;

/// A webhook as typed. An empty `url` on a correction keeps the stored one (it is never shown
/// again in full); likewise an empty `secret` keeps the stored secret.
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub kind: String,
    pub name: String,
    pub url: String,
    pub secret: String,
    pub enabled: bool,
}

/// A webhook that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub kind: WebhookKind,
    pub name: String,
    /// `None` on a correction that keeps the stored address.
    pub url: Option<String>,
    /// `None` keeps the stored secret; `Some("")` clears it.
    pub secret: Option<String>,
    pub enabled: bool,
}

/// Checks a webhook; `creating` requires the address. All errors at once.
pub fn parse_webhook(input: &WebhookInput, creating: bool) -> Result<NewWebhook, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = WebhookKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(
            "类型",
            "应为企业微信群机器人（wecom）、钉钉群机器人（dingtalk）或通用 JSON 接口（generic）",
        );
    }
    let name = input.name.trim().to_string();
    if name.chars().count() > MAX_NAME_CHARS {
        errors.push("名称", format!("不能超过 {MAX_NAME_CHARS} 个字符"));
    }
    let url = input.url.trim();
    let url = if url.is_empty() {
        if creating {
            errors.push("地址", "不能为空：请粘贴机器人的 Webhook 地址");
        }
        None
    } else {
        if let Err(e) = check_url(url) {
            errors.0.push(e);
        }
        Some(url.to_string())
    };
    let secret = input.secret.trim();
    let secret = if secret.is_empty() {
        None
    } else if secret == "-" {
        // A lone dash clears a stored secret.
        Some(String::new())
    } else {
        if kind != Some(WebhookKind::Dingtalk) {
            errors.push("加签密钥", "只有钉钉群机器人使用加签密钥");
        } else if !secret.starts_with("SEC") {
            errors.push("加签密钥", "钉钉机器人的加签密钥以 SEC 开头");
        } else if secret.chars().count() > MAX_SECRET_CHARS
            || !secret.chars().all(|c| c.is_ascii_alphanumeric())
        {
            errors.push(
                "加签密钥",
                format!("应为 SEC 开头、不超过 {MAX_SECRET_CHARS} 位的字母和数字"),
            );
        }
        Some(secret.to_string())
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(NewWebhook {
            kind,
            name,
            url,
            secret,
            enabled: input.enabled,
        }),
        _ => Err(errors),
    }
}

/// An http(s) address with a host, no spaces, at most [`MAX_URL_CHARS`].
fn check_url(url: &str) -> Result<(), FieldError> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(FieldError::new(
            "地址",
            format!("不能超过 {MAX_URL_CHARS} 个字符"),
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new("地址", "应以 https:// 或 http:// 开头"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err(FieldError::new(
            "地址",
            "应写明主机名，例如 https://qyapi.weixin.qq.com/…",
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new("地址", "不能含空格或控制字符"));
    }
    Ok(())
}

/// The host of an http(s) address (without port), lower-cased.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
        .to_ascii_lowercase()
}

/// Where a robot set by a school, town or village may point: 企业微信's and 钉钉's robot hosts
/// over https, and no generic receiver (the bureau sets those), so no account can make the
/// server call an address inside its own network.
pub fn check_robot_host(kind: WebhookKind, url: &str) -> Result<(), FieldError> {
    let official = match kind {
        WebhookKind::Wecom => "qyapi.weixin.qq.com",
        WebhookKind::Dingtalk => "oapi.dingtalk.com",
        WebhookKind::Generic => {
            return Err(FieldError::new(
                "类型",
                "通用 JSON 接口只能由市教育局设置；请选择企业微信或钉钉群机器人",
            ));
        }
    };
    if url.starts_with("https://") && host_of(url) == official {
        Ok(())
    } else {
        Err(FieldError::new(
            "地址",
            format!("{}的地址应为 https://{official}/…", kind.label()),
        ))
    }
}

/// A webhook address as it may be shown: scheme and host, then `…` and the last four characters
/// (the robot's key sits in the path or query, and is never shown in full again).
pub fn mask_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let chars: Vec<char> = rest.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if rest.len() <= host.len() + 4 {
        return format!("{scheme}://{host}/…");
    }
    format!("{scheme}://{host}/…{tail}")
}

/// `s` cut to at most `max` bytes on a character boundary, with `…` when cut.
pub fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let ellipsis = "…";
    let mut end = max.saturating_sub(ellipsis.len());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ellipsis}", &s[..end])
}

/// What a message is about, for the generic JSON body.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub event: &'a str,
    pub title: &'a str,
    pub text: &'a str,
    pub month: &'a str,
    pub link: &'a str,
}

/// The JSON body a robot of `kind` takes: 企业微信 and 钉钉 text messages, or the generic
/// `{event, title, text, month, link}`; the text is cut to [`MAX_CONTENT_BYTES`].
pub fn message_body(kind: WebhookKind, e: &Envelope<'_>) -> serde_json::Value {
    use serde_json::json;
    let content = truncate_bytes(e.text, MAX_CONTENT_BYTES);
    match kind {
        WebhookKind::Wecom => json!({"msgtype": "text", "text": {"content": content}}),
        WebhookKind::Dingtalk => json!({
            "msgtype": "text",
            "text": {"content": content},
            "at": {"atMobiles": [], "isAtAll": false},
        }),
        WebhookKind::Generic => json!({
            "event": e.event, "title": e.title, "text": content, "month": e.month, "link": e.link,
        }),
    }
}

/// The address a 钉钉 robot with 加签 is called at: `&timestamp=<ms>&sign=<sign>` appended, where
/// `sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret)))`.
pub fn dingtalk_signed_url(url: &str, secret: &str, timestamp_ms: i64) -> String {
    use base64::Engine;
    let message = format!("{timestamp_ms}\n{secret}");
    let mac = hmac_sha256(secret.as_bytes(), message.as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{sep}timestamp={timestamp_ms}&sign={}",
        percent_encode(&sign)
    )
}

/// HMAC-SHA256 (RFC 2104) over the `sha2` the project already uses.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a robot's answer is a success: HTTP 200 with `errcode` 0 for 企业微信 and 钉钉, any
/// 2xx for a generic receiver. The error says what came back, for the bureau's list.
pub fn judge_answer(kind: WebhookKind, status: u16, body: &str) -> Result<(), String> {
    // The answer's body is never repeated (only the robot's own errcode and a short errmsg):
    // what an address answers is not for the person who typed it in to read.
    match kind {
        WebhookKind::Generic if (200..300).contains(&status) => Ok(()),
        WebhookKind::Generic => Err(format!("HTTP {status}")),
        _ if status != 200 => Err(format!("HTTP {status}")),
        _ => {
            let v: serde_json::Value =
                serde_json::from_str(body).map_err(|_| "应答不是机器人的 JSON".to_string())?;
            match v.get("errcode").and_then(|c| c.as_i64()) {
                Some(0) => Ok(()),
                Some(code) => Err(format!(
                    "errcode {code}：{}",
                    truncate_bytes(v.get("errmsg").and_then(|m| m.as_str()).unwrap_or(""), 100)
                )),
                None => Err("应答中没有 errcode".to_string()),
            }
        }
    }
}

/// Attempts a delivery gets before it is given up as failed.
pub const MAX_ATTEMPTS: i64 = 6;

/// After `attempts` failed attempts (1 or more), how long to wait before the next one: 1, 2, 4,
/// 8, 16 minutes; `None` after the last (the delivery has failed).
pub fn retry_after_ms(attempts: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    Some(60_000 * (1i64 << (attempts.clamp(1, MAX_ATTEMPTS) - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::DONGGUAN_2023_PLAN;

    fn plan() -> Plan {
        Plan::parse(DONGGUAN_2023_PLAN).unwrap()
    }

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn kinds(jobs: &[DueJob]) -> Vec<(String, &'static str)> {
        jobs.iter()
            .map(|j| (j.month.to_string(), j.kind.as_str()))
            .collect()
    }

    fn due(now: &str) -> Vec<(String, &'static str)> {
        let p = plan();
        let z: jiff::Zoned = now.parse().unwrap();
        kinds(&due_jobs(&p, z.timestamp().as_millisecond(), z.date()))
    }

    #[test]
    fn reminders_go_out_at_nine_on_their_days() {
        let p = plan();
        let m = Month::parse("2026-06").unwrap();
        assert_eq!(
            job_at_ms(&p, JobKind::MonthStart, m),
            at("2026-06-01T09:00:00+08:00[Asia/Shanghai]")
        );
        assert_eq!(
            job_at_ms(&p, JobKind::BeforeDue, m),
            at("2026-06-25T09:00:00+08:00[Asia/Shanghai]")
        );
        assert_eq!(
            job_at_ms(&p, JobKind::DueDay, m),
            at("2026-06-28T09:00:00+08:00[Asia/Shanghai]")
        );
        assert_eq!(
            job_at_ms(&p, JobKind::Overdue, m),
            at("2026-06-29T09:00:00+08:00[Asia/Shanghai]")
        );
    }

    #[test]
    fn which_reminders_are_due_when() {
        // 08:59:59 on the 25th: only the month start (and May's overdue notice).
        assert_eq!(
            due("2026-06-25T08:59:59+08:00[Asia/Shanghai]"),
            vec![
                ("2026-05".into(), "overdue"),
                ("2026-06".into(), "month_start")
            ]
        );
        // 09:00 on the 25th: the reminder before the due day overtakes the month start.
        assert_eq!(
            due("2026-06-25T09:00:00+08:00[Asia/Shanghai]"),
            vec![
                ("2026-05".into(), "overdue"),
                ("2026-06".into(), "before_due")
            ]
        );
        assert_eq!(
            due("2026-06-28T23:59:59+08:00[Asia/Shanghai]"),
            vec![("2026-05".into(), "overdue"), ("2026-06".into(), "due_day")]
        );
        // After the due time no school reminder of the month is sent late.
        assert_eq!(
            due("2026-06-29T08:00:00+08:00[Asia/Shanghai]"),
            vec![("2026-05".into(), "overdue")]
        );
        assert_eq!(
            due("2026-06-29T09:00:00+08:00[Asia/Shanghai]"),
            vec![("2026-05".into(), "overdue"), ("2026-06".into(), "overdue")]
        );
        // Nothing for months before the plan's first report month (2024-01).
        assert_eq!(due("2023-12-30T10:00:00+08:00[Asia/Shanghai]"), vec![]);
        assert_eq!(
            due("2024-01-01T09:00:00+08:00[Asia/Shanghai]"),
            vec![("2024-01".into(), "month_start")]
        );
    }

    #[test]
    fn webhooks_are_checked_and_masked() {
        let ok = parse_webhook(
            &WebhookInput {
                kind: "dingtalk".into(),
                url: "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456".into(),
                secret: "SECabc123".into(),
                enabled: true,
                ..Default::default()
            },
            true,
        )
        .unwrap();
        assert_eq!(ok.kind, WebhookKind::Dingtalk);
        assert_eq!(
            mask_url(ok.url.as_deref().unwrap()),
            "https://oapi.dingtalk.com/…3456"
        );
        for (kind, url, secret, field) in [
            ("qq", "https://x.example/a", "", "类型"),
            ("wecom", "ftp://x.example/a", "", "地址"),
            ("wecom", "", "", "地址"),
            ("wecom", "https:///a", "", "地址"),
            ("wecom", "https://x.example/a", "SECabc", "加签密钥"),
            ("dingtalk", "https://x.example/a", "abc", "加签密钥"),
        ] {
            let e = parse_webhook(
                &WebhookInput {
                    kind: kind.into(),
                    url: url.into(),
                    secret: secret.into(),
                    ..Default::default()
                },
                true,
            )
            .unwrap_err();
            assert!(e.0.iter().any(|f| f.field == field), "{kind} {url}: {e:?}");
        }
        let long = format!("https://x.example/{}", "a".repeat(MAX_URL_CHARS));
        assert!(
            parse_webhook(
                &WebhookInput {
                    kind: "generic".into(),
                    url: long,
                    ..Default::default()
                },
                true
            )
            .is_err()
        );
    }

    #[test]
    fn content_is_cut_on_a_character_boundary() {
        let long = "进".repeat(1000); // 3,000 bytes
        let cut = truncate_bytes(&long, MAX_CONTENT_BYTES);
        assert!(cut.len() <= MAX_CONTENT_BYTES, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_bytes("短", 10), "短");
        let body = message_body(
            WebhookKind::Wecom,
            &Envelope {
                event: "x",
                title: "t",
                text: &long,
                month: "2026-06",
                link: "",
            },
        );
        assert!(body["text"]["content"].as_str().unwrap().len() <= MAX_CONTENT_BYTES);
    }

    #[test]
    fn dingtalk_signature_follows_the_documented_recipe() {
        use base64::Engine;
        // RFC 4231, test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than the block is hashed first (RFC 4231, test case 6).
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(mac[..4], [0x60, 0xe4, 0x31, 0x59]);
        let url = dingtalk_signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=t",
            "SECxyz",
            1_700_000_000_000,
        );
        let expected = base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(b"SECxyz", b"1700000000000\nSECxyz"));
        let sign = url.split("&sign=").nth(1).unwrap();
        assert!(url.contains("&timestamp=1700000000000&sign="));
        assert_eq!(
            sign.replace("%2B", "+")
                .replace("%2F", "/")
                .replace("%3D", "="),
            expected
        );
    }

    #[test]
    fn answers_and_back_off() {
        assert!(judge_answer(WebhookKind::Wecom, 200, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(
            judge_answer(
                WebhookKind::Dingtalk,
                200,
                r#"{"errcode":310000,"errmsg":"sign not match"}"#
            )
            .is_err()
        );
        assert!(judge_answer(WebhookKind::Wecom, 500, "").is_err());
        assert!(judge_answer(WebhookKind::Generic, 204, "").is_ok());
        let waits: Vec<_> = (1..=6).map(retry_after_ms).collect();
        assert_eq!(
            waits,
            vec![
                Some(60_000),
                Some(120_000),
                Some(240_000),
                Some(480_000),
                Some(960_000),
                None
            ]
        );
    }
}
