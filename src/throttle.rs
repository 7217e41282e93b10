//! Sign-in throttling, per client address and per name, in memory (issue 7: 200 names from one
//! address in 4 s were all answered). Each sign-in attempt takes a token from its address's bucket
//! and from its name's before any password is hashed; a successful sign-in gives both back, so
//! many people behind one school's address are slowed only by their wrong passwords. The second
//! step of a sign-in (the authenticator's code) goes through the same limiter, keyed by the
//! challenge's user name, and a right code gives its try back likewise.
//!
//! The count is per server instance. The durable, shared limit is the lock of a name after
//! [`crate::domain::password::MAX_FAILED_ATTEMPTS`] failures in a row, kept in the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

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

/// The sign-in limiter the application state holds.
pub struct SignInLimiter {
    // One lock for both maps: an attempt takes from both or from neither.
    inner: Mutex<(Buckets, Buckets)>,
}

/// Which limit an attempt ran into, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_ms: i64,
}

impl SignInLimiter {
    pub fn new(per_address: Rate, per_name: Rate, max_keys: usize) -> Self {
        Self {
            inner: Mutex::new((
                Buckets::new(per_address, max_keys),
                Buckets::new(per_name, max_keys),
            )),
        }
    }

    /// Takes one attempt for the client address `ip` and the name key `name` (see
    /// [`crate::domain::password::name_key`]), or says how long to wait.
    pub fn try_acquire(&self, ip: &str, name: &str, now_ms: i64) -> Result<(), Throttled> {
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
    pub fn give_back(&self, ip: &str, name: &str, now_ms: i64) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (by_address, by_name) = &mut *guard;
        by_address.give_back(&address_key(ip), now_ms);
        by_name.give_back(name, now_ms);
    }

    /// How many addresses and names are being tracked (for tests of the bound).
    pub fn tracked(&self) -> (usize, usize) {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (guard.0.len(), guard.1.len())
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
        let l = SignInLimiter::new(
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
        let l = SignInLimiter::new(
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
        let l = SignInLimiter::new(ADDRESS, NAME, 50);
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
