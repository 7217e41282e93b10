//! The files under `static/` (the style sheet, the guide's screenshots), built into the binary so
//! one file is the whole deployment: served at `/static/…` and read by the guide's docx.

#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
pub struct Assets;

/// The bytes of `static/{path}`, if there is such a file.
pub fn bytes(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|f| f.data.into_owned())
}
