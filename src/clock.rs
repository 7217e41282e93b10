//! The application's clock. Domain rules never read time; handlers take it from here, and tests
//! move it forward to see lock-outs and idle sessions expire.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond() + self.offset_ms.load(Ordering::Relaxed)
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
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

pub fn shanghai() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Shanghai").expect("the bundled tz database has Asia/Shanghai")
}

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
