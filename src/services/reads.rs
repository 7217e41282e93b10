//! Reads of personal data leave a trace (GB/T 22239 8.1.4.3: 审计覆盖到每个用户，对重要的用户行为
//! 进行审计): a page or API call that shows people's phone numbers or accounts, every xlsx export
//! and every attachment download writes one audit entry — `view`, `export` or `download`, with the
//! entity, its id and what was asked for. One insert (and the chain's head update) per read; a read
//! whose entry cannot be written fails rather than go unrecorded.

use super::ServiceError;
use super::access::Viewer;
use crate::store::{AuditEntry, Store};

/// What kind of read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// A page or API answer listing personal data.
    View,
    /// An xlsx export.
    Export,
    /// An attachment's bytes.
    Download,
}

impl Read {
    pub fn action(self) -> &'static str {
        match self {
            Read::View => "view",
            Read::Export => "export",
            Read::Download => "download",
        }
    }
}

/// Records that `viewer` read `entity` (`entity_id`: the group, the file; none for a whole list).
/// `detail` says what was asked for (filters, row count, file name).
pub async fn record_read(
    store: &Store,
    viewer: &Viewer,
    now_ms: i64,
    read: Read,
    entity: &str,
    entity_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    store
        .audit(
            &viewer.actor(),
            now_ms,
            AuditEntry {
                action: read.action(),
                entity,
                entity_id,
                before: None,
                after: Some(detail),
            },
        )
        .await?;
    Ok(())
}
