//! A group's year as its page shows it — the card (verdicts and next steps) and the year at a
//! glance — kept per group, year and day under the group's data version (migrations 0024
//! and 0030): read again only when a write touched one of the group's records, anything every
//! verdict reads (memberships, organisations, plans), or the day changed. A page read twice
//! without a write in between costs one version read instead of the group's facts and the
//! glance's queries. Every instance keeps its own; the version is in the database, so a write on
//! another instance is seen at once.

use super::OpenedGroup;
use super::glance::{YearGlance, year_at_a_glance};
use crate::domain::ids::GroupId;
use crate::services::ServiceError;
use crate::services::cards::{GroupCard, group_card};
use crate::store::Store;
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The group's card and glance for one year.
pub struct YearPage {
    pub card: GroupCard,
    pub glance: YearGlance,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    group: GroupId,
    year: i16,
    today: Date,
}

struct Kept {
    /// (everything's version, the group's version) when it was read.
    stamp: (i64, i64),
    page: Arc<YearPage>,
    /// When it was last used, to let the least recently used go first.
    used: u64,
}

/// The kept year pages of this instance, at most [`YearPageCache::CAPACITY`].
#[derive(Default)]
pub struct YearPageCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    pages: HashMap<Key, Kept>,
    clock: u64,
}

impl YearPageCache {
    /// Enough for every group of a province twice over (a page is a few kilobytes).
    pub const CAPACITY: usize = 4096;

    /// How many pages are kept now.
    pub fn len(&self) -> usize {
        self.inner.lock().expect("year page cache").pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn find(&self, key: &Key, stamp: (i64, i64)) -> Option<Arc<YearPage>> {
        let mut inner = self.inner.lock().expect("year page cache");
        inner.clock += 1;
        let now = inner.clock;
        let kept = inner.pages.get_mut(key)?;
        if kept.stamp != stamp {
            return None;
        }
        kept.used = now;
        Some(kept.page.clone())
    }

    fn keep(&self, key: Key, stamp: (i64, i64), page: Arc<YearPage>) {
        let mut inner = self.inner.lock().expect("year page cache");
        inner.clock += 1;
        let used = inner.clock;
        if inner.pages.len() >= Self::CAPACITY && !inner.pages.contains_key(&key) {
            // Let the least recently used quarter go at once, so a full cache is not sorted on
            // every insert.
            let mut ages: Vec<u64> = inner.pages.values().map(|k| k.used).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 4];
            inner.pages.retain(|_, k| k.used > cut);
        }
        inner.pages.insert(key, Kept { stamp, page, used });
    }
}

/// The versions a page of group `id` (as written in a URL) would be kept under. Read it before
/// opening the group: everything opening and judging load is then at least as new as it, so a
/// page is never kept under a version newer than what it was made from. An id that is not one
/// gets zeros (opening it fails anyway).
pub async fn stamp_before_opening(store: &Store, id: &str) -> Result<Stamp, ServiceError> {
    Ok(Stamp(match GroupId::parse(id) {
        Some(group) => store.group_version(&group).await?,
        None => (0, 0),
    }))
}

/// What [`stamp_before_opening`] read.
#[derive(Clone, Copy)]
pub struct Stamp((i64, i64));

/// The opened group's page for `year`: kept when nothing it shows has changed since `stamp`
/// (read before `ws` was opened), else judged by the one evaluator and counted again (and
/// kept). A former member's view (rare, and hinging on who its users are, which no version
/// follows) is never kept.
pub async fn year_page(
    store: &Store,
    cache: &YearPageCache,
    ws: &OpenedGroup,
    stamp: Stamp,
    year: i16,
) -> Result<Arc<YearPage>, ServiceError> {
    if ws.former.is_some() {
        return Ok(Arc::new(build(store, ws, year).await?));
    }
    let key = Key {
        group: ws.group().id.clone(),
        year,
        today: ws.today,
    };
    if let Some(page) = cache.find(&key, stamp.0) {
        return Ok(page);
    }
    let page = Arc::new(build(store, ws, year).await?);
    cache.keep(key, stamp.0, page.clone());
    Ok(page)
}

async fn build(store: &Store, ws: &OpenedGroup, year: i16) -> Result<YearPage, ServiceError> {
    let checks = ws.checks(store, year).await?;
    let glance = year_at_a_glance(store, ws, &checks).await?;
    Ok(YearPage {
        card: group_card(&checks, &ws.group().lead_town),
        glance,
    })
}
