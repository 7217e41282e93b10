//! Sign-in throttling, per client address and per name (issue 7: 200 names from one address in
//! 4 s were all answered). Each sign-in attempt takes a token from its address's bucket and from
//! its name's before any password is hashed; a successful sign-in gives both back, so many people
//! behind one school's address are slowed only by their wrong passwords. The second step of a
//! sign-in (the authenticator's code) goes through the same limiter, keyed by the challenge's
//! user name, and a right code gives its try back likewise.
//!
//! The buckets are counted in the database (migration 0029, [`crate::store::Store`]'s
//! `take_sign_in_tokens`), so that every instance on one database counts every attempt (issue 13):
//! attempts spent on one instance are spent on all. Each instance keeps its own count in memory
//! as well, as a first filter that costs no query: it only ever sees some of the attempts the
//! database counts (those made here, less those the database refused), so it refuses nothing the
//! database would have let through, and a flood from one address is turned away without a query
//! per request once the burst is spent here. The durable limit on top is the lock of a name after
//! [`crate::domain::password::MAX_FAILED_ATTEMPTS`] failures in a row, also in the database.

use crate::store::Store;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// How many attempts a key may make at once (`burst`), and how fast it earns more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

impl Rate {
    fn ms_per_token(self) -> f64 {
        60_000.0 / f64::from(self.per_minute.max(1))
    }

    /// A token's time in whole milliseconds (rounded up: the shared count is never the more
    /// lenient of the two).
    fn interval_ms(self) -> i64 {
        let per_minute = i64::from(self.per_minute.max(1));
        (60_000 + per_minute - 1) / per_minute
    }

    /// The time a whole burst takes to come back.
    fn span_ms(self) -> i64 {
        self.interval_ms() * i64::from(self.burst.max(1))
    }

    /// How long until a bucket that is full again at `full_at` and was last counted in at
    /// `seen_at` has a token at `now_ms` (a clock behind `seen_at` counts as standing there).
    fn wait_ms(self, (full_at, seen_at): (i64, i64), now_ms: i64) -> i64 {
        let now = now_ms.max(seen_at);
        (full_at.max(now) + self.interval_ms() - now - self.span_ms()).max(0)
    }
}

/// A token bucket: full at first, one token per attempt, refilled at the rate's pace.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

impl Bucket {
    fn full(rate: Rate, now_ms: i64) -> Self {
        Self {
            tokens: f64::from(rate.burst),
            at_ms: now_ms,
        }
    }

    /// The tokens at `now_ms` (the clock may stand still or, in tests, be set back).
    fn refill(&mut self, rate: Rate, now_ms: i64) {
        let elapsed = (now_ms - self.at_ms).max(0) as f64;
        self.tokens = (self.tokens + elapsed / rate.ms_per_token()).min(f64::from(rate.burst));
        self.at_ms = now_ms.max(self.at_ms);
    }

    /// How long until a token is there (0 when one is there now).
    fn wait_ms(&self, rate: Rate) -> i64 {
        if self.tokens >= 1.0 {
            0
        } else {
            ((1.0 - self.tokens) * rate.ms_per_token()).ceil() as i64
        }
    }

    fn is_full(&self, rate: Rate) -> bool {
        self.tokens >= f64::from(rate.burst)
    }
}

/// Buckets by key, at most `max_keys` of them: a flood of new keys (random names) cannot grow
/// the map without bound. Full buckets carry no information and go first; if the map is still
/// full, the fullest bucket makes room.
struct Buckets {
    rate: Rate,
    max_keys: usize,
    map: HashMap<String, Bucket>,
}

impl Buckets {
    fn new(rate: Rate, max_keys: usize) -> Self {
        Self {
            rate,
            max_keys: max_keys.max(1),
            map: HashMap::new(),
        }
    }

    /// The bucket of `key` refilled to `now_ms`, made (full) when new.
    fn get(&mut self, key: &str, now_ms: i64) -> &mut Bucket {
        if !self.map.contains_key(key) {
            self.make_room(now_ms);
            self.map
                .insert(key.to_string(), Bucket::full(self.rate, now_ms));
        }
        let rate = self.rate;
        let bucket = self.map.get_mut(key).expect("inserted above");
        bucket.refill(rate, now_ms);
        bucket
    }

    fn make_room(&mut self, now_ms: i64) {
        if self.map.len() < self.max_keys {
            return;
        }
        let rate = self.rate;
        self.map.retain(|_, b| {
            b.refill(rate, now_ms);
            !b.is_full(rate)
        });
        while self.map.len() >= self.max_keys {
            let fullest = self
                .map
                .iter()
                .max_by(|a, b| a.1.tokens.total_cmp(&b.1.tokens))
                .map(|(k, _)| k.clone());
            match fullest {
                Some(k) => self.map.remove(&k),
                None => break,
            };
        }
    }

    fn give_back(&mut self, key: &str, now_ms: i64) {
        let rate = self.rate;
        if let Some(b) = self.map.get_mut(key) {
            b.refill(rate, now_ms);
            b.tokens = (b.tokens + 1.0).min(f64::from(rate.burst));
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// The count one instance keeps in memory (the first filter).
struct LocalLimiter {
    // One lock for both maps: an attempt takes from both or from neither.
    inner: Mutex<(Buckets, Buckets)>,
}

/// Which limit an attempt ran into, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_ms: i64,
}

impl LocalLimiter {
    fn new(per_address: Rate, per_name: Rate, max_keys: usize) -> Self {
        Self {
            inner: Mutex::new((
                Buckets::new(per_address, max_keys),
                Buckets::new(per_name, max_keys),
            )),
        }
    }

    /// Takes one attempt for the client address `ip` and the name key `name` (see
    /// [`crate::domain::password::name_key`]), or says how long to wait.
    fn try_acquire(&self, ip: &str, name: &str, now_ms: i64) -> Result<(), Throttled> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (by_address, by_name) = &mut *guard;
        let address_key = address_key(ip);
        let (address_rate, name_rate) = (by_address.rate, by_name.rate);
        let wait_address = by_address.get(&address_key, now_ms).wait_ms(address_rate);
        let wait_name = by_name.get(name, now_ms).wait_ms(name_rate);
        let wait = wait_address.max(wait_name);
        if wait > 0 {
            return Err(Throttled {
                retry_after_ms: wait,
            });
        }
        by_address.get(&address_key, now_ms).tokens -= 1.0;
        by_name.get(name, now_ms).tokens -= 1.0;
        Ok(())
    }

    /// Gives back the attempt of a sign-in that succeeded.
    fn give_back(&self, ip: &str, name: &str, now_ms: i64) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (by_address, by_name) = &mut *guard;
        by_address.give_back(&address_key(ip), now_ms);
        by_name.give_back(name, now_ms);
    }

    /// How many addresses and names are being tracked (for tests of the bound).
    fn tracked(&self) -> (usize, usize) {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (guard.0.len(), guard.1.len())
    }
}

/// How often an instance deletes the full buckets from the database.
const FORGET_EVERY_MS: i64 = 60_000;

/// The sign-in limiter the application state holds: the count in the database, shared by every
/// instance, behind this instance's own count in memory.
pub struct SignInLimiter {
    local: LocalLimiter,
    per_address: Rate,
    per_name: Rate,
    /// When this instance last deleted the full buckets (Unix ms).
    forgotten_at_ms: AtomicI64,
}

impl SignInLimiter {
    /// `max_keys` bounds the memory of the first filter (each map); the database keeps a bucket
    /// only while it is not full.
    pub fn new(per_address: Rate, per_name: Rate, max_keys: usize) -> Self {
        Self {
            local: LocalLimiter::new(per_address, per_name, max_keys),
            per_address,
            per_name,
            forgotten_at_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// The database's buckets of an attempt, with their rates.
    fn buckets(&self, ip: &str, name: &str) -> [(String, Rate); 2] {
        [
            (format!("address:{}", address_key(ip)), self.per_address),
            (format!("name:{name}"), self.per_name),
        ]
    }

    /// Takes one attempt for the client address `ip` and the name key `name` (see
    /// [`crate::domain::password::name_key`]), or says how long to wait: from both buckets or
    /// from neither, first in memory, then in the database.
    pub async fn try_acquire(
        &self,
        store: &Store,
        ip: &str,
        name: &str,
        now_ms: i64,
    ) -> sqlx::Result<Result<(), Throttled>> {
        if let Err(t) = self.local.try_acquire(ip, name, now_ms) {
            return Ok(Err(t));
        }
        let shared = self.try_acquire_shared(store, ip, name, now_ms).await;
        if !matches!(shared, Ok(Ok(()))) {
            // Refused (or not counted) there: this instance's count takes nothing either.
            self.local.give_back(ip, name, now_ms);
        }
        self.forget_full_buckets(store, now_ms).await;
        shared
    }

    async fn try_acquire_shared(
        &self,
        store: &Store,
        ip: &str,
        name: &str,
        now_ms: i64,
    ) -> sqlx::Result<Result<(), Throttled>> {
        let buckets = self.buckets(ip, name);
        let take: Vec<(&str, i64, i64)> = buckets
            .iter()
            .map(|(b, r)| (b.as_str(), r.interval_ms(), r.span_ms()))
            .collect();
        if store.take_sign_in_tokens(&take, now_ms).await? {
            return Ok(Ok(()));
        }
        let names: Vec<&str> = buckets.iter().map(|(b, _)| b.as_str()).collect();
        let kept = store.sign_in_buckets(&names).await?;
        let retry_after_ms = buckets
            .iter()
            .filter_map(|(b, r)| kept.get(b).map(|k| r.wait_ms(*k, now_ms)))
            .max()
            .unwrap_or(0)
            .max(1);
        Ok(Err(Throttled { retry_after_ms }))
    }

    /// Gives back the attempt of a sign-in that succeeded. A failure to give it back in the
    /// database is logged, not returned: the sign-in itself has succeeded (and a code been used).
    pub async fn give_back(&self, store: &Store, ip: &str, name: &str, now_ms: i64) {
        self.local.give_back(ip, name, now_ms);
        let buckets = self.buckets(ip, name);
        let buckets: Vec<(&str, i64)> = buckets
            .iter()
            .map(|(b, r)| (b.as_str(), r.interval_ms()))
            .collect();
        if let Err(e) = store.give_back_sign_in_tokens(&buckets, now_ms).await {
            tracing::warn!(error = %e, "could not give a sign-in attempt back");
        }
    }

    /// Deletes the database's full buckets, at most once a minute per instance (a failure is
    /// logged: the next minute tries again).
    async fn forget_full_buckets(&self, store: &Store, now_ms: i64) {
        let last = self.forgotten_at_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) < FORGET_EVERY_MS
            || self
                .forgotten_at_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = store.forget_full_sign_in_buckets(now_ms).await {
            tracing::warn!(error = %e, "could not delete the full sign-in buckets");
        }
    }

    /// How many addresses and names this instance's first filter tracks (for tests of the bound).
    pub fn tracked(&self) -> (usize, usize) {
        self.local.tracked()
    }
}

/// An IPv6 client is counted by its /64 (one subscriber's network hands out the rest at will).
fn address_key(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|a| a.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDRESS: Rate = Rate {
        burst: 5,
        per_minute: 6,
    };
    const NAME: Rate = Rate {
        burst: 3,
        per_minute: 1,
    };

    #[test]
    fn a_burst_then_the_rate() {
        let l = LocalLimiter::new(
            ADDRESS,
            Rate {
                burst: 100,
                per_minute: 100,
            },
            1000,
        );
        let now = 1_000_000;
        for i in 0..5 {
            assert!(
                l.try_acquire("10.0.0.1", &format!("n{i}"), now).is_ok(),
                "{i}"
            );
        }
        // The sixth waits for one token: 60 s / 6 = 10 s.
        assert_eq!(
            l.try_acquire("10.0.0.1", "n5", now),
            Err(Throttled {
                retry_after_ms: 10_000
            })
        );
        // Another address is not slowed.
        assert!(l.try_acquire("10.0.0.2", "n5", now).is_ok());
        assert!(l.try_acquire("10.0.0.1", "n5", now + 9_999).is_err());
        assert!(l.try_acquire("10.0.0.1", "n5", now + 10_000).is_ok());
        assert!(l.try_acquire("10.0.0.1", "n6", now + 10_000).is_err());
    }

    #[test]
    fn per_name_whatever_the_address_and_successes_give_back() {
        let l = LocalLimiter::new(
            Rate {
                burst: 100,
                per_minute: 100,
            },
            NAME,
            1000,
        );
        let now = 0;
        for i in 0..3 {
            assert!(l.try_acquire(&format!("10.0.0.{i}"), "zhang", now).is_ok());
        }
        let t = l.try_acquire("10.0.0.9", "zhang", now).unwrap_err();
        assert_eq!(t.retry_after_ms, 60_000);
        // A refused attempt takes nothing: the address still has its tokens.
        assert!(l.try_acquire("10.0.0.9", "li", now).is_ok());
        l.give_back("10.0.0.1", "zhang", now);
        assert!(l.try_acquire("10.0.0.9", "zhang", now).is_ok());
    }

    #[test]
    fn the_maps_stay_bounded() {
        let l = LocalLimiter::new(ADDRESS, NAME, 50);
        for i in 0..10_000 {
            let _ = l.try_acquire(
                &format!("10.1.{}.{}", i / 250, i % 250),
                &format!("x{i}"),
                0,
            );
        }
        let (a, n) = l.tracked();
        assert!(a <= 50 && n <= 50, "{a} {n}");
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1"),
            address_key("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("::ffff:10.0.0.1"), "10.0.0.1");
    }
}
