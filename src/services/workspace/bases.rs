//! 乡村建设实践基地 (三(一)): recording a base with its photos.

use super::{OpenedGroup, Upload, Writer, check_uploads, write_with_files};
use crate::domain::base::{BaseInput, parse_base};
use crate::domain::ids::BaseId;
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
