//! 服务工作方案 (四(二)): recording the group's work plan and each revision of it (every earlier
//! text stays readable), with its files. Written by those who record the agreement — the
//! group's schools and the bureau — since the plan is agreed alongside it at setting up.

use super::{OpenedGroup, Upload, Writer, check_uploads, remove_unreferenced, write_with_files};
use crate::domain::FieldErrors;
use crate::domain::ids::{AttachmentId, AttachmentOwner, WorkPlanId};
use crate::domain::work_plan::{WorkPlanInput, parse_work_plan};
use crate::services::ServiceError;
use crate::store::Store;
use crate::store::attachments::AttachmentRow;
use crate::store::files::FileKind;
use crate::store::work_plans::{WorkPlanRevision, WorkPlanRow};

const FILE_KINDS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

/// The plan as it stands, with its files and every revision (newest first).
pub struct WorkPlanView {
    pub plan: WorkPlanRow,
    pub files: Vec<AttachmentRow>,
    pub revisions: Vec<WorkPlanRevision>,
}

/// The group's plan, none while it is not recorded: for anyone who sees the group.
pub async fn work_plan(
    store: &Store,
    ws: &OpenedGroup,
) -> Result<Option<WorkPlanView>, ServiceError> {
    let Some(plan) = store.get_work_plan(&ws.group().id).await? else {
        return Ok(None);
    };
    let files = store
        .list_attachments(AttachmentOwner::WorkPlan, &[plan.id.to_string()])
        .await?;
    let revisions = store.work_plan_revisions(&plan.id).await?;
    Ok(Some(WorkPlanView {
        plan,
        files,
        revisions,
    }))
}

/// Records the plan, or a new revision when its text changed; files are added either way.
/// Returns whether a revision was recorded.
pub async fn save_work_plan(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &WorkPlanInput,
    uploads: Vec<Upload>,
) -> Result<(WorkPlanId, bool), ServiceError> {
    ws.require_edit()?;
    let parsed = parse_work_plan(input, ws.today);
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let files = check_uploads(
        &mut errors,
        "方案附件",
        uploads,
        ws.attachment_limit(),
        &FILE_KINDS,
    );
    let plan = match parsed {
        Ok(p) if errors.is_empty() => p,
        _ => return Err(errors.into()),
    };
    let actor = w.actor();
    let write = || {
        w.store.save_work_plan(
            &actor,
            &w.by.display_name,
            w.now_ms,
            &ws.group().id,
            &plan,
            &files,
        )
    };
    write_with_files(w, &files, write).await
}

/// Adds files to the plan already recorded, keeping its text.
pub async fn add_work_plan_files(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    uploads: Vec<Upload>,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let field = |m: &str| -> ServiceError {
        FieldErrors::from(crate::domain::FieldError::new("方案附件", m.to_string())).into()
    };
    if uploads.is_empty() {
        return Err(field("请至少上传一个文件"));
    }
    let Some(current) = w.store.get_work_plan(&ws.group().id).await? else {
        return Err(field(
            "尚未登记服务工作方案，请先填写方案名称、商定日期和内容",
        ));
    };
    let input = WorkPlanInput {
        title: current.title,
        agreed_on: current.agreed_on.to_string(),
        content: current.content,
    };
    save_work_plan(w, ws, &input, uploads).await.map(|_| ())
}

/// Removes one file of the plan; its bytes go when no other record refers to them. Returns the
/// file's name.
pub async fn remove_work_plan_file(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    file: &str,
) -> Result<String, ServiceError> {
    ws.require_edit()?;
    let file = AttachmentId::parse(file).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_work_plan_file(&w.actor(), w.now_ms, &ws.group().id, &file)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}
