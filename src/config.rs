//! Typed configuration, loaded once: defaults → optional TOML file → `XIAODI_*` environment → flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on.
    pub addr: String,
    /// Where the embedded database and uploaded files live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means SQLite under `data_dir`.
    pub database_url: String,
    /// tracing filter, e.g. `info` or `xiaodi=debug`.
    pub log_level: String,
    /// Set when the platform is reached over https: session cookies get `Secure`.
    pub secure_cookies: bool,
    /// Password for the first `admin` account (used once, on first start).
    pub admin_password: Option<String>,
    /// Addresses of load balancers whose X-Forwarded-For / X-Forwarded-Proto are believed.
    pub trusted_proxies: Vec<String>,
    /// An S3-compatible object store for attachments (several instances share it); when empty,
    /// attachments are kept under `data_dir/files`.
    pub object_store_endpoint: String,
    pub object_store_bucket: String,
    pub object_store_region: String,
    pub object_store_access_key: String,
    pub object_store_secret_key: String,
    /// `path` (endpoint/bucket/key, MinIO) or `virtual` (bucket.endpoint/key, Alibaba OSS, Tencent COS).
    pub object_store_url_style: String,
    /// Roles whose users sign in with a password and a one-time code (TOTP), by role code.
    /// Unknown codes are named in a warning at start and otherwise ignored.
    pub two_factor_roles: Vec<String>,
    /// Where `serve` writes its daily backup (a new directory each day); empty: no scheduled backup.
    /// Instances on one PostgreSQL database may all set it: each day's backup is claimed in the
    /// database and written by one of them only, into that one's directory (a directory all of
    /// them share keeps every day's backup in one place).
    pub backup_dir: String,
    /// The hour (0–23, Asia/Shanghai) of the daily backup.
    pub backup_hour: u8,
    /// Days a scheduled backup is kept; older ones are removed after each run (the newest never).
    pub backup_keep: i64,
    /// Sign-in attempts one client address may make at once, and how many more a minute after
    /// that. A successful sign-in does not count (many people may share a school's address).
    pub signin_address_burst: u32,
    pub signin_address_per_minute: u32,
    /// The same for one user name, from any address (the lock after five failures in a row
    /// comes on top of this).
    pub signin_name_burst: u32,
    pub signin_name_per_minute: u32,
    /// The sign-in limits are counted in the database, so they hold across instances on one
    /// database. How many addresses and names each instance's first filter in memory remembers at
    /// most (each map).
    pub signin_tracked_keys: usize,
    /// A session ends this many hours after sign-in however active it is (beside the 30-minute
    /// idle timeout).
    pub session_lifetime_hours: u32,
    /// The MLPS (等保 2.0) profile: passwords older than 90 days must be changed at sign-in, and
    /// accounts unused for 90 days are disabled (checked at sign-in and daily). Off by default:
    /// OWASP ASVS advises against forced periodic rotation.
    pub mlps_profile: bool,
    /// Seconds between two ticks of the reminder scheduler inside `serve` (五(三) reminders and
    /// their webhook deliveries); 0 turns it off on this instance.
    pub reminder_tick_secs: u64,
    /// Whether robots set by schools, towns and villages may point at any host. Off: only the
    /// 企业微信 and 钉钉 robot hosts, so no account can make the server call an internal address;
    /// the bureau may set any robot. (On for tests with a receiver on loopback.)
    pub webhook_any_host: bool,
    /// A drill's or a benchmark's "now": when set (RFC 3339, e.g. `2028-12-28T10:00:00+08:00`),
    /// `serve` starts its clock at that instant and lets it run on, so a training instance can
    /// practise a deadline day and the benchmark (`xiaodi bench`) can play the 28th. Never set it
    /// on a production instance: deadlines, sessions and the audit log's times follow this clock.
    pub clock_start: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./xiaodi-data"),
            database_url: String::new(),
            log_level: "info".into(),
            secure_cookies: false,
            admin_password: None,
            trusted_proxies: Vec::new(),
            object_store_endpoint: String::new(),
            object_store_bucket: String::new(),
            object_store_region: "us-east-1".into(),
            object_store_access_key: String::new(),
            object_store_secret_key: String::new(),
            object_store_url_style: "path".into(),
            // 等保 8.1.4.1: administrators (and those who read the whole programme) use two factors.
            two_factor_roles: ["sysadmin", "secadmin", "auditor", "bureau", "hq"]
                .map(String::from)
                .to_vec(),
            backup_dir: String::new(),
            backup_hour: 2,
            backup_keep: 30,
            signin_address_burst: 30,
            signin_address_per_minute: 10,
            signin_name_burst: 10,
            signin_name_per_minute: 2,
            signin_tracked_keys: 10_000,
            session_lifetime_hours: 12,
            mlps_profile: false,
            reminder_tick_secs: 30,
            webhook_any_host: false,
            clock_start: String::new(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &crate::store::redact_url(&self.database_url),
            )
            .field("log_level", &self.log_level)
            .field("secure_cookies", &self.secure_cookies)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "***"),
            )
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "object_store_endpoint",
                &crate::store::redact_url(&self.object_store_endpoint),
            )
            .field("object_store_bucket", &self.object_store_bucket)
            .field("object_store_secret_key", &"***")
            .field("two_factor_roles", &self.two_factor_roles)
            .field("backup_dir", &self.backup_dir)
            .field("backup_hour", &self.backup_hour)
            .field("backup_keep", &self.backup_keep)
            .field("signin_address_burst", &self.signin_address_burst)
            .field("signin_address_per_minute", &self.signin_address_per_minute)
            .field("signin_name_burst", &self.signin_name_burst)
            .field("signin_name_per_minute", &self.signin_name_per_minute)
            .field("signin_tracked_keys", &self.signin_tracked_keys)
            .field("session_lifetime_hours", &self.session_lifetime_hours)
            .field("mlps_profile", &self.mlps_profile)
            .field("reminder_tick_secs", &self.reminder_tick_secs)
            .field("webhook_any_host", &self.webhook_any_host)
            .field("clock_start", &self.clock_start)
            .finish()
    }
}

/// Values given as command-line flags; only those set override the rest.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
}

impl Config {
    pub fn load(file: Option<&std::path::Path>, flags: &Overrides) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            anyhow::ensure!(file.exists(), "配置文件 {} 不存在", file.display());
            figment = figment.merge(Toml::file(file));
        }
        let config: Config = figment
            .merge(Env::prefixed("XIAODI_").only(&[
                "addr",
                "data_dir",
                "database_url",
                "log_level",
                "secure_cookies",
                "admin_password",
                "trusted_proxies",
                "object_store_endpoint",
                "object_store_bucket",
                "object_store_region",
                "object_store_access_key",
                "object_store_secret_key",
                "object_store_url_style",
                "two_factor_roles",
                "backup_dir",
                "backup_hour",
                "backup_keep",
                "signin_address_burst",
                "signin_address_per_minute",
                "signin_name_burst",
                "signin_name_per_minute",
                "signin_tracked_keys",
                "session_lifetime_hours",
                "mlps_profile",
                "reminder_tick_secs",
                "webhook_any_host",
                "clock_start",
            ]))
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
        config.check()?;
        Ok(config)
    }

    /// Settings that would lock everyone out or never expire are refused at start.
    pub fn check(&self) -> anyhow::Result<()> {
        for (name, value) in [
            ("XIAODI_SIGNIN_ADDRESS_BURST", self.signin_address_burst),
            (
                "XIAODI_SIGNIN_ADDRESS_PER_MINUTE",
                self.signin_address_per_minute,
            ),
            ("XIAODI_SIGNIN_NAME_BURST", self.signin_name_burst),
            ("XIAODI_SIGNIN_NAME_PER_MINUTE", self.signin_name_per_minute),
            ("XIAODI_SESSION_LIFETIME_HOURS", self.session_lifetime_hours),
        ] {
            anyhow::ensure!(value >= 1, "配置有误：{name} 应至少为 1，当前为 {value}");
        }
        anyhow::ensure!(
            self.signin_tracked_keys >= 100,
            "配置有误：XIAODI_SIGNIN_TRACKED_KEYS 应至少为 100，当前为 {}",
            self.signin_tracked_keys
        );
        anyhow::ensure!(
            self.backup_hour <= 23,
            "配置有误：backup_hour（XIAODI_BACKUP_HOUR）应为 0–23 点，而不是 {}",
            self.backup_hour
        );
        if self.clock_start_ms()?.is_some() {
            // A clock set elsewhere in time must not back up or disable accounts by it.
            anyhow::ensure!(
                self.backup_dir.trim().is_empty() && !self.mlps_profile,
                "配置有误：设置了 clock_start（XIAODI_CLOCK_START）的实例不能同时做定时备份（backup_dir）或启用等保配置（mlps_profile）"
            );
        }
        anyhow::ensure!(
            self.backup_keep >= 1,
            "配置有误：backup_keep（XIAODI_BACKUP_KEEP）应为至少 1 天，而不是 {}",
            self.backup_keep
        );
        Ok(())
    }

    /// `clock_start` as Unix ms, `None` when not set.
    pub fn clock_start_ms(&self) -> anyhow::Result<Option<i64>> {
        let text = self.clock_start.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let at: jiff::Timestamp = text.parse().map_err(|_| {
            anyhow::anyhow!(
                "配置有误：clock_start（XIAODI_CLOCK_START）应为带时区的时刻，如 2028-12-28T10:00:00+08:00，而不是 {text}"
            )
        })?;
        Ok(Some(at.as_millisecond()))
    }

    /// The absolute session lifetime in milliseconds.
    pub fn session_lifetime_ms(&self) -> i64 {
        i64::from(self.session_lifetime_hours) * 60 * 60 * 1000
    }

    /// The sign-in limiter these settings describe.
    pub fn signin_limiter(&self) -> crate::throttle::SignInLimiter {
        use crate::throttle::{Rate, SignInLimiter};
        SignInLimiter::new(
            Rate {
                burst: self.signin_address_burst,
                per_minute: self.signin_address_per_minute,
            },
            Rate {
                burst: self.signin_name_burst,
                per_minute: self.signin_name_per_minute,
            },
            self.signin_tracked_keys,
        )
    }

    /// Where attachments are stored: the object store when configured, else the data directory.
    pub fn file_store(&self) -> anyhow::Result<crate::store::files::FileStore> {
        use crate::store::files::{FileStore, ObjectStore};
        if self.object_store_endpoint.trim().is_empty() {
            return Ok(FileStore::local(self.data_dir.join("files")));
        }
        anyhow::ensure!(
            !self.object_store_bucket.trim().is_empty(),
            "配置了对象存储地址，但没有设置存储桶（XIAODI_OBJECT_STORE_BUCKET）"
        );
        let store = ObjectStore::new(
            self.object_store_endpoint.trim(),
            self.object_store_bucket.trim(),
            self.object_store_region.trim(),
            &self.object_store_access_key,
            &self.object_store_secret_key,
            match self.object_store_url_style.trim() {
                "" | "path" => false,
                "virtual" => true,
                other => anyhow::bail!(
                    "XIAODI_OBJECT_STORE_URL_STYLE：“{other}”无效，应为 path 或 virtual"
                ),
            },
        )?;
        Ok(FileStore::Object(Box::new(store)))
    }

    /// The database URL in force: the configured one, or SQLite under the data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("xiaodi.db").display())
        } else {
            self.database_url.trim().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_settings_have_safe_defaults_and_refuse_zero() {
        let c = Config::load(None, &Overrides::default()).unwrap();
        assert_eq!(c.session_lifetime_ms(), 12 * 60 * 60 * 1000);
        assert!(!c.mlps_profile);
        let mut zero = c.clone();
        zero.signin_name_burst = 0;
        let e = zero.check().unwrap_err().to_string();
        assert!(e.contains("XIAODI_SIGNIN_NAME_BURST"), "{e}");
    }

    #[test]
    fn a_clock_start_is_an_instant_with_its_zone_or_refused() {
        let mut c = Config::default();
        assert_eq!(c.clock_start_ms().unwrap(), None);
        c.clock_start = "2028-12-28T10:00:00+08:00".into();
        assert_eq!(
            c.clock_start_ms().unwrap(),
            Some(
                "2028-12-28T02:00:00Z"
                    .parse::<jiff::Timestamp>()
                    .unwrap()
                    .as_millisecond()
            )
        );
        c.clock_start = "2028-12-28T10:00:00+08:00".into();
        c.backup_dir = "/backup".into();
        assert!(c.check().unwrap_err().to_string().contains("backup_dir"));
        c.backup_dir.clear();
        for wrong in ["2028-12-28", "tomorrow", "2028-12-28T10:00:00"] {
            c.clock_start = wrong.into();
            let e = c.check().unwrap_err().to_string();
            assert!(e.contains("XIAODI_CLOCK_START") && e.contains(wrong), "{e}");
        }
    }

    #[test]
    fn flags_override_defaults_and_debug_hides_secrets() {
        let flags = Overrides {
            addr: Some("0.0.0.0:9000".into()),
            ..Default::default()
        };
        let mut c = Config::load(None, &flags).unwrap();
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert_eq!(c.database_url(), "sqlite://./xiaodi-data/xiaodi.db");
        c.admin_password = Some("Secret123!".into());
        c.object_store_secret_key = "ObjSecret9".into();
        c.object_store_endpoint = "https://key:objpw@oss.example".into();
        c.database_url = "postgres://u:pw@h/db".into();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("Secret123!")
                && !shown.contains(":pw@")
                && !shown.contains("ObjSecret9")
                && !shown.contains("objpw"),
            "{shown}"
        );
    }

    #[test]
    fn backup_settings_are_checked() {
        let c = Config::load(None, &Overrides::default()).unwrap();
        assert_eq!(
            (c.backup_dir.as_str(), c.backup_hour, c.backup_keep),
            ("", 2, 30),
            "no scheduled backup unless a directory is given"
        );
        let dir = std::env::temp_dir().join(format!("xiaodi-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (toml, field) in [
            ("backup_hour = 24", "backup_hour"),
            ("backup_keep = 0", "backup_keep"),
        ] {
            let file = dir.join("x.toml");
            std::fs::write(&file, toml).unwrap();
            let e = Config::load(Some(&file), &Overrides::default()).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
