//! The daily backup inside `serve` and the removal of expired backups.

use super::{MANIFEST, Manifest, backup, list_backups};
use crate::store::Store;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The backups under `dir` that retention removes: older than `keep_days` days at `now_ms`,
/// never the newest (a failed nightly run must not leave no backup at all).
pub fn expired_backups(backups: &[(PathBuf, i64)], now_ms: i64, keep_days: i64) -> Vec<PathBuf> {
    let newest = backups.iter().map(|(_, at)| *at).max();
    backups
        .iter()
        .filter(|(_, at)| Some(*at) != newest && now_ms - at > keep_days * 86_400_000)
        .map(|(p, _)| p.clone())
        .collect()
}

/// Removes the backups under `dir` older than `keep_days` (by their manifests' time).
pub fn prune_backups(dir: &Path, now_ms: i64, keep_days: i64) -> anyhow::Result<Vec<PathBuf>> {
    let mut dated = Vec::new();
    for b in list_backups(dir)? {
        let text = std::fs::read_to_string(b.join(MANIFEST))?;
        if let Ok(m) = serde_json::from_str::<Manifest>(&text) {
            dated.push((b, m.created_at_ms));
        }
    }
    let expired = expired_backups(&dated, now_ms, keep_days);
    for p in &expired {
        std::fs::remove_dir_all(p).with_context(|| format!("无法删除过期备份 {}", p.display()))?;
    }
    Ok(expired)
}

/// The next time the daily backup is due: `hour`:00 Asia/Shanghai, strictly after `now`.
pub fn next_backup_at(now: jiff::Timestamp, hour: u8) -> jiff::Timestamp {
    let tz = crate::clock::shanghai();
    let local = now.to_zoned(tz.clone());
    let today = local
        .date()
        .at(hour.min(23) as i8, 0, 0, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(now);
    if today > now {
        today
    } else {
        today + jiff::SignedDuration::from_hours(24)
    }
}

/// The job name under which the daily backup claims its day (see [`run_if_due`]).
pub const DAILY_BACKUP_JOB: &str = "backup.daily";

/// The daily backup inside `serve`: at `backup_hour` (Asia/Shanghai) a backup into `backup_dir`,
/// then the ones older than `backup_keep` days are removed. Checks once a minute whether the hour
/// has come; a failure is logged and retried the next day, it never stops the server. Several
/// instances on one PostgreSQL database may all set `backup_dir`: each day's backup is claimed in
/// the database (one row per day), and only the instance that claims it writes it, into its own
/// `backup_dir` (the audit log's `backup.create` entry names the backup).
pub async fn run_daily(state: crate::AppState) {
    let c = state.config.clone();
    let mut due = next_backup_at(state.clock.now(), c.backup_hour);
    tracing::info!(dir = %c.backup_dir, next = %due, keep_days = c.backup_keep, "daily backup scheduled");
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        due = run_if_due(&state, due).await;
    }
}

/// One check of the schedule: when `due` has come (by the application's clock), this instance
/// claims the day of `due` (Asia/Shanghai) and, if it is the first to, runs the backup and the
/// removal of expired ones; returns when the next one is due. When the claim cannot be asked for
/// (the database is away), the same `due` is returned, to be tried again at the next check.
pub async fn run_if_due(state: &crate::AppState, due: jiff::Timestamp) -> jiff::Timestamp {
    let c = &state.config;
    let now = state.clock.now();
    if now < due {
        return due;
    }
    let now_ms = now.as_millisecond();
    let day = due.to_zoned(crate::clock::shanghai()).date().to_string();
    match state
        .store
        .claim_scheduled_run(DAILY_BACKUP_JOB, &day, now_ms)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(%day, "daily backup already taken by another instance");
            return next_backup_at(now, c.backup_hour);
        }
        Err(e) => {
            tracing::error!(error = %e, "could not claim the daily backup; trying again");
            return due;
        }
    }
    let dir = PathBuf::from(c.backup_dir.trim());
    match backup(&state.store, &state.files, &c.database_url(), &dir, now_ms).await {
        Ok((path, m)) => {
            tracing::info!(path = %path.display(), files = m.file_count, audit_seq = m.audit_seq, audit_hash = %m.audit_hash, "daily backup written");
            record(&state.store, &path, &m, "定时备份", now_ms).await;
        }
        Err(e) => {
            // The day is given back and this instance tries again in an hour while the day
            // lasts: a failed run (a full disk, pg_dump missing) must not leave the day claimed
            // and without a backup. (Instances that found the day taken have moved on to the
            // next day; a process that dies mid-backup keeps its claim, and the day has none.)
            tracing::error!(error = %format!("{e:#}"), "daily backup failed; trying again in an hour");
            if let Err(e) = state
                .store
                .release_scheduled_run(DAILY_BACKUP_JOB, &day)
                .await
            {
                tracing::error!(error = %e, "could not give the daily backup's day back");
            }
            let again = now + jiff::SignedDuration::from_hours(1);
            if again.to_zoned(crate::clock::shanghai()).date().to_string() == day {
                return again;
            }
        }
    }
    match prune_backups(&dir, now_ms, c.backup_keep) {
        Ok(removed) if !removed.is_empty() => {
            tracing::info!(removed = removed.len(), "expired backups removed")
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %format!("{e:#}"), "removing expired backups failed"),
    }
    next_backup_at(now, c.backup_hour)
}

/// Writes the backup into the audit log (after the snapshot, so it is in the next backup).
pub async fn record(store: &Store, path: &Path, m: &Manifest, who: &str, now_ms: i64) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let entry = crate::store::AuditEntry {
        action: "backup.create",
        entity: "backup",
        entity_id: Some(&name),
        before: None,
        after: Some(serde_json::json!({
            "database_sha256": m.database_sha256, "files": m.file_count,
            "audit_seq": m.audit_seq, "audit_hash": m.audit_hash,
        })),
    };
    if let Err(e) = store
        .audit(&crate::store::Actor::system(who), now_ms, entry)
        .await
    {
        tracing::error!(error = %e, "could not audit the backup");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse::<jiff::Zoned>().unwrap().timestamp()
    }

    #[test]
    fn the_daily_backup_is_due_at_the_hour_in_shanghai() {
        let next = next_backup_at(at("2026-06-15T01:59:59+08:00[Asia/Shanghai]"), 2);
        assert_eq!(next, at("2026-06-15T02:00:00+08:00[Asia/Shanghai]"));
        // At the hour itself the next one is tomorrow's (the one due now has just run).
        let next = next_backup_at(at("2026-06-15T02:00:00+08:00[Asia/Shanghai]"), 2);
        assert_eq!(next, at("2026-06-16T02:00:00+08:00[Asia/Shanghai]"));
        let next = next_backup_at(at("2026-06-15T23:30:00+08:00[Asia/Shanghai]"), 0);
        assert_eq!(next, at("2026-06-16T00:00:00+08:00[Asia/Shanghai]"));
    }

    #[test]
    fn retention_keeps_recent_backups_and_always_the_newest() {
        let day = 86_400_000;
        let now = 100 * day;
        let list = vec![
            (PathBuf::from("a"), now - 31 * day),
            (PathBuf::from("b"), now - 30 * day),
            (PathBuf::from("c"), now - day),
        ];
        assert_eq!(expired_backups(&list, now, 30), vec![PathBuf::from("a")]);
        // All old: the newest stays.
        let old = vec![
            (PathBuf::from("a"), now - 90 * day),
            (PathBuf::from("b"), now - 60 * day),
        ];
        assert_eq!(expired_backups(&old, now, 30), vec![PathBuf::from("a")]);
    }
}
