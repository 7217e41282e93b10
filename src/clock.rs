//! The application's clock. Domain rules never read time; handlers take it from here, and tests
//! fix it at a known instant and move it forward to see lock-outs and idle sessions expire.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// The real time moved by an offset, or (for tests) a fixed instant that moves only when told.
/// Clones share their state: moving one moves the server's too.
#[derive(Clone, Default)]
pub struct Clock {
    /// Added to the real time; when `fixed`, the instant itself (Unix ms).
    offset_ms: Arc<AtomicI64>,
    fixed: Arc<AtomicBool>,
}

impl Clock {
    /// A clock that stands at `at` until moved (`advance_ms`, `set_ms`); for tests, so that what
    /// is "today" does not depend on the day they run.
    pub fn fixed(at: jiff::Timestamp) -> Self {
        let clock = Self::default();
        clock.set_ms(at.as_millisecond());
        clock
    }

    pub fn now_ms(&self) -> i64 {
        let offset = self.offset_ms.load(Ordering::SeqCst);
        if self.fixed.load(Ordering::SeqCst) {
            offset
        } else {
            jiff::Timestamp::now().as_millisecond() + offset
        }
    }

    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.now_ms()).unwrap_or_else(|_| jiff::Timestamp::now())
    }

    /// Today's date in Asia/Shanghai, the programme's time zone.
    pub fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(shanghai()).date()
    }

    /// Moves this clock (and every clone of it) forward; for tests.
    pub fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Fixes this clock (and every clone of it) at `ms` (Unix ms); for tests.
    pub fn set_ms(&self, ms: i64) {
        self.offset_ms.store(ms, Ordering::SeqCst);
        self.fixed.store(true, Ordering::SeqCst);
    }
}

pub use crate::domain::shanghai;

/// `2024-01-28 23:59` in Asia/Shanghai for a Unix-ms instant.
pub fn format_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(shanghai())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let at: jiff::Timestamp = "2026-06-15T04:00:00Z".parse().unwrap();
        let clock = Clock::fixed(at);
        let server = clock.clone();
        assert_eq!(server.now(), at);
        assert_eq!(server.today(), jiff::civil::date(2026, 6, 15));
        // 23:59:59 vs 00:00:00 Asia/Shanghai (UTC+8) on the 16th.
        clock.set_ms(at.as_millisecond() + 12 * 3_600_000 - 1_000);
        assert_eq!(server.today(), jiff::civil::date(2026, 6, 15));
        clock.advance_ms(1_000);
        assert_eq!(server.today(), jiff::civil::date(2026, 6, 16));
    }
}
