//! 三方合作协议 (四(二)): recording the agreement and adding its scans; and the supplementary
//! agreement (补充协议) a party added by an adjustment (结对调整, 五(三)) signs within the plan's
//! months of joining, recorded, corrected and withdrawn the same way.

use super::{OpenedGroup, Upload, Writer, check_uploads, remove_unreferenced, write_with_files};
use crate::domain::FieldErrors;
use crate::domain::adjustment::MembershipSpell;
use crate::domain::agreement::{
    AgreementInput, AgreementKey, Supplement, parse_agreement, parse_supplementary,
};
use crate::domain::ids::{AdjustmentId, AgreementId, AttachmentId, OrgId};
use crate::services::ServiceError;
use crate::store::Store;
use crate::store::adjustments::AdjustmentRow;
use crate::store::agreements::AgreementRow;
use crate::store::files::FileKind;
use jiff::civil::Date;

/// What an agreement scan may be.
const SCAN_KINDS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

/// An adjustment of the group that added parties after the group began: they owe a supplementary
/// agreement (the tripartite one the founding parties signed does not bind them).
#[derive(Debug, Clone)]
pub struct Supplementary {
    pub adjustment: AdjustmentRow,
    /// The memberships it started.
    pub added: Vec<MembershipSpell>,
    /// The last day to sign (四(二): the effective date plus the plan's months).
    pub due: Date,
}

impl Supplementary {
    fn added_orgs(&self) -> Vec<OrgId> {
        self.added.iter().map(|m| m.org_id.clone()).collect()
    }
}

/// Which of the group's agreements a call is about.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    Tripartite,
    Supplementary(&'a Supplementary),
}

impl Which<'_> {
    pub fn key(&self, ws: &OpenedGroup) -> AgreementKey {
        match self {
            Which::Tripartite => AgreementKey::tripartite(&ws.group().id),
            Which::Supplementary(s) => {
                AgreementKey::supplementary(&ws.group().id, &s.adjustment.id)
            }
        }
    }
}

/// The group's adjustments that added parties, earliest first (everyone who sees the group). An
/// adjustment that set up a new group (新增结对组) added its founding members, who sign the
/// group's tripartite agreement, so it is not one of them.
pub async fn supplementaries(
    store: &Store,
    ws: &OpenedGroup,
) -> Result<Vec<Supplementary>, ServiceError> {
    let group = &ws.group().id;
    let (adjustments, memberships) = tokio::try_join!(
        store.list_adjustments(group),
        store.group_memberships(group)
    )?;
    Ok(adjustments
        .into_iter()
        .filter(|a| owes_supplementary(a, ws))
        .filter_map(|a| {
            let due = a.supplementary_due?;
            let added: Vec<MembershipSpell> = memberships
                .iter()
                .filter(|m| m.started_by.as_ref() == Some(&a.id))
                .map(|m| m.spell.clone())
                .collect();
            (!added.is_empty()).then_some(Supplementary {
                adjustment: a,
                added,
                due,
            })
        })
        .collect())
}

/// Whether the adjustment added parties who owe a supplementary agreement: it set a deadline for
/// one (only an adjustment that adds a party does) and took effect after the group began.
pub fn owes_supplementary(a: &AdjustmentRow, ws: &OpenedGroup) -> bool {
    a.supplementary_due.is_some() && a.effective_on > ws.group().started_on
}

/// The group's adjustment `adjustment` (its id as the path has it) that added parties: not found
/// when there is no such adjustment of this group, or it added no one.
pub async fn supplementary(
    store: &Store,
    ws: &OpenedGroup,
    adjustment: &str,
) -> Result<Supplementary, ServiceError> {
    let id = AdjustmentId::parse(adjustment).ok_or(ServiceError::NotFound)?;
    supplementaries(store, ws)
        .await?
        .into_iter()
        .find(|s| s.adjustment.id == id)
        .ok_or(ServiceError::NotFound)
}

/// The agreement `which` names, if it is recorded.
pub async fn get_agreement(
    store: &Store,
    ws: &OpenedGroup,
    which: Which<'_>,
) -> Result<Option<AgreementRow>, ServiceError> {
    Ok(store.get_agreement(&which.key(ws)).await?)
}

/// What a save did.
pub struct Saved {
    pub id: AgreementId,
    /// The date, notes or parties changed (or the agreement was recorded).
    pub changed: bool,
    pub scans_added: bool,
}

/// Records (or corrects) the agreement `which` names with any scans that come with it: the
/// group's schools and the bureau only; every field error at once, nothing stored when there is
/// one. `input.with_scans` is set from `scans`. An empty form (no date, no note, no scan) is
/// refused. A supplementary agreement is also checked against its adjustment: signed on or after
/// it took effect, by the parties it added.
pub async fn save_agreement(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    which: Which<'_>,
    input: AgreementInput,
    scans: Vec<Upload>,
) -> Result<Saved, ServiceError> {
    ws.require_edit()?;
    let input = AgreementInput {
        with_scans: !scans.is_empty(),
        ..input
    };
    let calendar = ws.group().calendar();
    let parsed = match which {
        Which::Tripartite => parse_agreement(&input, &calendar, ws.today),
        Which::Supplementary(s) => {
            let added = s.added_orgs();
            let supplement = Supplement {
                effective_on: s.adjustment.effective_on,
                added: &added,
            };
            parse_supplementary(&input, &calendar, ws.today, &supplement)
        }
    };
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
    let key = which.key(ws);
    let write = || {
        w.store
            .save_agreement(&actor, w.now_ms, &key, &agreement, &scans)
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
    which: Which<'_>,
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
    let Some(current) = w.store.get_agreement(&which.key(ws)).await? else {
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
    save_agreement(w, ws, which, input, scans).await
}

/// Withdraws the agreement `which` names, entered by mistake, with its parties and scans; their
/// files go when no other record refers to them. Not found when there is none.
pub async fn withdraw_agreement(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    which: Which<'_>,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let digests = w
        .store
        .withdraw_agreement(&w.actor(), w.now_ms, &which.key(ws))
        .await?;
    remove_unreferenced(w, &digests).await;
    Ok(())
}

/// Removes one scan of the agreement `which` names; its file goes when no other record refers
/// to it. Returns the scan's file name.
pub async fn remove_agreement_scan(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    which: Which<'_>,
    scan: &str,
) -> Result<String, ServiceError> {
    ws.require_edit()?;
    let scan = AttachmentId::parse(scan).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_agreement_scan(&w.actor(), w.now_ms, &which.key(ws), &scan)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}
