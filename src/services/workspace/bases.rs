//! 乡村建设实践基地 (三(一)): recording a base with its photos, correcting it, withdrawing one
//! entered by mistake, adding photos later and removing one.

use super::{OpenedGroup, Upload, Writer, check_uploads, remove_unreferenced, write_with_files};
use crate::domain::FieldErrors;
use crate::domain::base::{BaseInput, parse_base};
use crate::domain::ids::{AttachmentId, BaseId};
use crate::services::ServiceError;
use crate::store::files::FileKind;

/// What a base photo may be.
const PHOTO_KINDS: [FileKind; 2] = [FileKind::Jpeg, FileKind::Png];

/// Records a practice base and its photos: the group's schools and the bureau only; every field
/// error (the form's and each photo's) at once, nothing stored when there is one.
pub async fn add_base(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &BaseInput,
    photos: Vec<Upload>,
) -> Result<BaseId, ServiceError> {
    ws.require_edit()?;
    let parsed = parse_base(input, &ws.group().calendar(), ws.today);
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let photos = check_uploads(
        &mut errors,
        "基地照片",
        photos,
        ws.attachment_limit(),
        &PHOTO_KINDS,
    );
    let base = match parsed {
        Ok(b) if errors.is_empty() => b,
        _ => return Err(errors.into()),
    };
    let actor = w.actor();
    let write = || {
        w.store
            .add_base(&actor, w.now_ms, &ws.group().id, &base, &photos)
    };
    write_with_files(w, &photos, write).await
}

fn base_id(id: &str) -> Result<BaseId, ServiceError> {
    BaseId::parse(id).ok_or(ServiceError::NotFound)
}

/// Corrects a base of the group (the same checks as recording one): not found for another
/// group's base. Returns whether anything changed.
pub async fn update_base(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    base: &str,
    input: &BaseInput,
) -> Result<bool, ServiceError> {
    ws.require_edit()?;
    let id = base_id(base)?;
    // Another group's base is not found before the form's errors are told.
    w.store
        .get_base(&ws.group().id, &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let parsed = parse_base(input, &ws.group().calendar(), ws.today)?;
    Ok(w.store
        .update_base(&w.actor(), w.now_ms, &ws.group().id, &id, &parsed)
        .await?)
}

/// Withdraws a base entered by mistake, with its photos; their files go when no other record
/// refers to them.
pub async fn withdraw_base(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    base: &str,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let id = base_id(base)?;
    let digests = w
        .store
        .withdraw_base(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?;
    remove_unreferenced(w, &digests).await;
    Ok(())
}

/// Adds photos to a base recorded earlier; each photo checked as at recording, none stored when
/// one is wrong.
pub async fn add_base_photos(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    base: &str,
    photos: Vec<Upload>,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let id = base_id(base)?;
    w.store
        .get_base(&ws.group().id, &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut errors = FieldErrors::default();
    if photos.is_empty() {
        errors.push("基地照片", "请选择要上传的照片");
    }
    let photos = check_uploads(
        &mut errors,
        "基地照片",
        photos,
        ws.attachment_limit(),
        &PHOTO_KINDS,
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let actor = w.actor();
    let write = || {
        w.store
            .add_base_photos(&actor, w.now_ms, &ws.group().id, &id, &photos)
    };
    write_with_files(w, &photos, write).await
}

/// Removes one photo of a base; its file goes when no other record refers to it. Returns the
/// photo's file name.
pub async fn remove_base_photo(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    base: &str,
    photo: &str,
) -> Result<String, ServiceError> {
    ws.require_edit()?;
    let id = base_id(base)?;
    let photo = AttachmentId::parse(photo).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_base_photo(&w.actor(), w.now_ms, &ws.group().id, &id, &photo)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}
