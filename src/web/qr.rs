//! QR codes as inline SVG, drawn here from the module grid (no image crate, no network, no
//! script): the enrolment page shows the `otpauth://` URI this way for the phone to scan.

use qrcodegen::{QrCode, QrCodeEcc};

/// The quiet zone around a QR code, in modules (ISO/IEC 18004 asks for four).
const BORDER: i32 = 4;

/// `text` as an SVG QR code `size_px` wide, or `None` when it does not fit in a QR code.
/// `label` (the accessible name) is a fixed text of ours, written into the markup as it is.
pub fn svg(text: &str, size_px: u32, label: &'static str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let n = qr.size() + 2 * BORDER;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" width=\"{size_px}\" \
         height=\"{size_px}\" role=\"img\" aria-label=\"{}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>",
        label
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_uri_becomes_an_svg_of_dark_modules() {
        let svg = super::svg("otpauth://totp/x:y?secret=AAAA", 200, "扫码").unwrap();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains("width=\"200\"") && svg.contains("aria-label=\"扫码\""));
        assert!(svg.matches("h1v1h-1z").count() > 100);
        assert!(super::svg(&"x".repeat(5000), 200, "").is_none());
    }
}
