//! 三方合作协议 (四(二)): recording the agreement and adding its scans.

use super::{OpenedGroup, Upload, Writer, check_uploads, remove_unreferenced, write_with_files};
use crate::domain::FieldErrors;
use crate::domain::agreement::{AgreementInput, parse_agreement};
use crate::domain::ids::{AgreementId, AttachmentId};
use crate::services::ServiceError;
use crate::store::files::FileKind;

/// What an agreement scan may be.
const SCAN_KINDS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

/// What a save did.
pub struct Saved {
    pub id: AgreementId,
    /// The date, notes or parties changed (or the agreement was recorded).
    pub changed: bool,
    pub scans_added: bool,
}

/// Records (or corrects) the group's agreement with any scans that come with it: the group's
/// schools and the bureau only; every field error at once, nothing stored when there is one.
/// `input.with_scans` is set from `scans`. An empty form (no date, no note, no scan) is refused.
pub async fn save_agreement(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: AgreementInput,
    scans: Vec<Upload>,
) -> Result<Saved, ServiceError> {
    ws.require_edit()?;
    let input = AgreementInput {
        with_scans: !scans.is_empty(),
        ..input
    };
    let parsed = parse_agreement(&input, &ws.group().calendar(), ws.today);
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let scans = check_uploads(
        &mut errors,
        "协议扫描件",
        scans,
        ws.attachment_limit(),
        &SCAN_KINDS,
    );
    let agreement = match parsed {
        Ok(a) if errors.is_empty() => a,
        _ => return Err(errors.into()),
    };
    let actor = w.actor();
    let write = || {
        w.store
            .save_agreement(&actor, w.now_ms, &ws.group().id, &agreement, &scans)
    };
    let added = !scans.is_empty();
    let (id, changed) = write_with_files(w, &scans, write).await?;
    Ok(Saved {
        id,
        changed,
        scans_added: added,
    })
}

/// Adds scans to the agreement already recorded, keeping its date, notes and parties: the same
/// write (and audit) as saving the form again unchanged with the files attached.
pub async fn add_agreement_scans(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    scans: Vec<Upload>,
) -> Result<Saved, ServiceError> {
    ws.require_edit()?;
    if scans.is_empty() {
        return Err(FieldErrors::from(crate::domain::FieldError::new(
            "协议扫描件",
            "请至少上传一个文件",
        ))
        .into());
    }
    let Some(current) = w.store.get_agreement(&ws.group().id).await? else {
        return Err(FieldErrors::from(crate::domain::FieldError::new(
            "协议扫描件",
            "尚未登记协议，请先登记签署日期和签约各方",
        ))
        .into());
    };
    let input = AgreementInput {
        signed_on: current.signed_on.map(|d| d.to_string()).unwrap_or_default(),
        notes: current.notes,
        parties: current.parties.iter().map(|p| p.to_string()).collect(),
        with_scans: true,
    };
    save_agreement(w, ws, input, scans).await
}

/// Withdraws the group's agreement entered by mistake, with its parties and scans; their files
/// go when no other record refers to them. Not found when there is none.
pub async fn withdraw_agreement(w: &Writer<'_>, ws: &OpenedGroup) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let digests = w
        .store
        .withdraw_agreement(&w.actor(), w.now_ms, &ws.group().id)
        .await?;
    remove_unreferenced(w, &digests).await;
    Ok(())
}

/// Removes one scan of the group's agreement; its file goes when no other record refers to it.
/// Returns the scan's file name.
pub async fn remove_agreement_scan(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    scan: &str,
) -> Result<String, ServiceError> {
    ws.require_edit()?;
    let scan = AttachmentId::parse(scan).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_agreement_scan(&w.actor(), w.now_ms, &ws.group().id, &scan)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}
