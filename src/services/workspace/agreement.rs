//! 三方合作协议 (四(二)): recording the agreement and adding its scans.

use super::{OpenedGroup, Upload, Writer, check_uploads, write_with_files};
use crate::domain::FieldErrors;
use crate::domain::agreement::{AgreementInput, parse_agreement};
use crate::domain::ids::AgreementId;
use crate::services::ServiceError;
use crate::store::files::FileKind;

/// What an agreement scan may be.
const SCAN_KINDS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

/// Records (or corrects) the group's agreement with any scans that come with it: the group's
/// schools and the bureau only; every field error at once, nothing stored when there is one.
/// `input.with_scans` is set from `scans`.
pub async fn save_agreement(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: AgreementInput,
    scans: Vec<Upload>,
) -> Result<AgreementId, ServiceError> {
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
    write_with_files(w, &scans, write).await
}

/// Adds scans to the agreement already recorded, keeping its date, notes and parties: the same
/// write (and audit) as saving the form again unchanged with the files attached.
pub async fn add_agreement_scans(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    scans: Vec<Upload>,
) -> Result<AgreementId, ServiceError> {
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
