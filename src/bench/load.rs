//! The bench's load tool: closed-loop clients (each sends its next request when the last one's
//! body has arrived) over keep-alive connections, every latency kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Latencies (µs) and failures of one phase.
#[derive(Debug, Default)]
pub struct Stats {
    pub micros: Vec<u32>,
    /// Answers other than 2xx, and requests that got no answer.
    pub errors: u64,
    pub elapsed: Duration,
}

impl Stats {
    pub fn record(&mut self, took: Duration, ok: bool) {
        self.micros
            .push(took.as_micros().min(u32::MAX as u128) as u32);
        if !ok {
            self.errors += 1;
        }
    }

    pub fn count(&self) -> usize {
        self.micros.len()
    }

    pub fn rps(&self) -> f64 {
        self.count() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q` (0–1) in ms; 0 without samples.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        let at = ((sorted.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        f64::from(sorted[at]) / 1000.0
    }

    fn merge(&mut self, other: Stats) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
    }
}

/// GETs `path` (with the session cookie when given) and reads the whole body; whether it
/// answered 2xx.
pub async fn get(client: &reqwest::Client, base: &str, path: &str, cookie: Option<&str>) -> bool {
    let mut req = client.get(format!("{base}{path}"));
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, c);
    }
    match req.send().await {
        Ok(r) => {
            let ok = r.status().is_success();
            r.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

/// `clients` clients for `duration`, request `i` (counted over all clients) asking for the
/// path and cookie `pick(i)` gives; each client waits `think` after a page before the next
/// (a person reading it; zero for the throughput phases).
pub async fn closed_loop<F>(
    client: &reqwest::Client,
    base: &str,
    clients: usize,
    duration: Duration,
    think: Duration,
    pick: F,
) -> Stats
where
    F: Fn(u64) -> (String, Option<String>) + Send + Sync + 'static,
{
    let pick = Arc::new(pick);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + duration;
    let tasks: Vec<_> = (0..clients.max(1))
        .map(|_| {
            let (client, base, pick, next) =
                (client.clone(), base.to_string(), pick.clone(), next.clone());
            tokio::spawn(async move {
                let mut stats = Stats::default();
                while Instant::now() < until {
                    let (path, cookie) = pick(next.fetch_add(1, Ordering::Relaxed));
                    let t = Instant::now();
                    let ok = get(&client, &base, &path, cookie.as_deref()).await;
                    stats.record(t.elapsed(), ok);
                    if !think.is_zero() {
                        tokio::time::sleep(think).await;
                    }
                }
                stats
            })
        })
        .collect();
    let mut all = Stats::default();
    for t in tasks {
        match t.await {
            Ok(s) => all.merge(s),
            // A client that died took its samples with it: the phase is not clean, say so.
            Err(_) => all.errors += 1,
        }
    }
    all.elapsed = started.elapsed();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_rates_come_from_the_samples() {
        let mut s = Stats::default();
        for ms in [5u64, 1, 3, 2, 4] {
            s.record(Duration::from_millis(ms), ms != 3);
        }
        s.elapsed = Duration::from_millis(2500);
        assert_eq!(s.count(), 5);
        assert_eq!(s.errors, 1);
        assert_eq!(s.quantile_ms(0.5), 3.0);
        assert_eq!(s.quantile_ms(1.0), 5.0);
        assert_eq!(s.quantile_ms(0.0), 1.0);
        assert!((s.rps() - 2.0).abs() < 1e-9);
        assert_eq!(Stats::default().quantile_ms(0.99), 0.0);
    }
}
