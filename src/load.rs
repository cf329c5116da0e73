//! Loading: bytes on disk → checked text, or a diagnostic that says why not.
//!
//! Everything that can go wrong before parsing is decided here, in bounded time and memory:
//! special files are refused before they are opened for reading (a FIFO would block), the size
//! limit is enforced while reading (a file may grow after `stat`), binary content and invalid
//! UTF-8 are reported at the first bad byte, and UTF-16 with a byte-order mark is transcoded.
//! hedge only ever opens files for reading.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diag::{codes, Diagnostic, Severity};
use crate::source::{Encoding, SourceFile, Span};

/// Default for `--max-file-size`.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;
/// Spans are 32-bit, so no file may be larger than this whatever the flag says.
pub const HARD_MAX_FILE_SIZE: u64 = u32::MAX as u64 - 1;

pub enum Loaded {
    Text(SourceFile),
    /// Not loadable. `partial` holds the readable prefix when there is one, so the report can
    /// show where the trouble starts.
    Failed {
        diagnostic: Box<Diagnostic>,
        partial: Option<SourceFile>,
    },
}

pub fn load(path: &Path, display: &Arc<str>, max_size: u64) -> Loaded {
    let max_size = max_size.min(HARD_MAX_FILE_SIZE);
    let fail = |message: String, severity: Severity, code: &str| Loaded::Failed {
        diagnostic: Box::new(Diagnostic::new(code, severity, display, message)),
        partial: None,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                format!("cannot read file: {e}"),
                Severity::Error,
                codes::UNREADABLE,
            )
        }
    };
    if !meta.is_file() {
        return fail(
            "not a regular file (a FIFO, socket or device); skipped".into(),
            Severity::Warning,
            codes::UNREADABLE,
        );
    }
    if meta.len() > max_size {
        return fail(
            format!(
                "file is {} bytes, over the {max_size}-byte limit (--max-file-size); not checked",
                meta.len()
            ),
            Severity::Warning,
            codes::FILE_TOO_LARGE,
        );
    }
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                format!("cannot read file: {e}"),
                Severity::Error,
                codes::UNREADABLE,
            )
        }
    };
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    if let Err(e) = file.take(max_size + 1).read_to_end(&mut bytes) {
        return fail(
            format!("cannot read file: {e}"),
            Severity::Error,
            codes::UNREADABLE,
        );
    }
    if bytes.len() as u64 > max_size {
        return fail(
            format!("file grew past the {max_size}-byte limit (--max-file-size) while being read; not checked"),
            Severity::Warning,
            codes::FILE_TOO_LARGE,
        );
    }
    decode(path, display, bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: if the path was swapped for a FIFO after `stat`, opening must not hang.
    const O_NONBLOCK: i32 = 0o4000;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// Turns bytes into text: UTF-8 (with or without BOM) or UTF-16 with a BOM. Anything else,
/// and any NUL byte, is refused with the position of the first offending byte.
pub fn decode(path: &Path, display: &Arc<str>, bytes: Vec<u8>) -> Loaded {
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(Encoding::Utf16Le),
        Some([0xFE, 0xFF]) => Some(Encoding::Utf16Be),
        _ => None,
    };
    if let Some(enc) = utf16 {
        return decode_utf16(path, display, &bytes, enc);
    }
    let encoding = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    let (valid, problem) = match std::str::from_utf8(&bytes) {
        Ok(_) => (bytes.len(), None),
        Err(e) => (e.valid_up_to(), Some("bytes that are not UTF-8")),
    };
    let nul = bytes[..valid].iter().position(|&b| b == 0);
    let (cut, problem) = match nul {
        Some(at) => (
            at,
            Some("a NUL byte (this looks like a binary file, not configuration)"),
        ),
        None => (valid, problem),
    };
    match problem {
        None => {
            // from_utf8 succeeded on the whole buffer, so this cannot fail; stay total anyway.
            let text = String::from_utf8(bytes).unwrap_or_default();
            Loaded::Text(SourceFile::new(path.to_path_buf(), text, encoding))
        }
        Some(what) => {
            let mut prefix = bytes;
            prefix.truncate(cut);
            let text = String::from_utf8(prefix).unwrap_or_default();
            let partial = SourceFile::new(path.to_path_buf(), text, encoding);
            let d = Diagnostic::new(
                codes::INVALID_ENCODING,
                Severity::Error,
                display,
                format!("cannot read as text: {what} at byte {cut}; file not checked"),
            )
            .at(&partial, Span::new(cut, cut))
            .with_help("hedge reads UTF-8, and UTF-16 that starts with a byte-order mark");
            Loaded::Failed {
                diagnostic: Box::new(d),
                partial: Some(partial),
            }
        }
    }
}

fn decode_utf16(path: &Path, display: &Arc<str>, bytes: &[u8], enc: Encoding) -> Loaded {
    let units = bytes[2..].chunks(2).map(|c| {
        let pair = [c[0], *c.get(1).unwrap_or(&0)];
        if enc == Encoding::Utf16Le {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    let mut text = String::with_capacity(bytes.len());
    let odd = bytes.len() % 2 == 1;
    for (i, r) in char::decode_utf16(units).enumerate() {
        match r {
            Ok('\0') | Err(_) => {
                let partial = SourceFile::new(path.to_path_buf(), text, enc);
                let at = partial.text.len();
                let d = Diagnostic::new(
                    codes::INVALID_ENCODING,
                    Severity::Error,
                    display,
                    format!("invalid UTF-16 (or a NUL) at code unit {i}; file not checked"),
                )
                .at(&partial, Span::new(at, at));
                return Loaded::Failed {
                    diagnostic: Box::new(d),
                    partial: Some(partial),
                };
            }
            Ok(c) => text.push(c),
        }
    }
    if odd {
        // the zero-padded last unit was decoded above; an odd byte count is still a defect
        text.pop();
        let partial = SourceFile::new(path.to_path_buf(), text, enc);
        let at = partial.text.len();
        let d = Diagnostic::new(
            codes::INVALID_ENCODING,
            Severity::Error,
            display,
            "UTF-16 file has an odd number of bytes; file not checked",
        )
        .at(&partial, Span::new(at, at));
        return Loaded::Failed {
            diagnostic: Box::new(d),
            partial: Some(partial),
        };
    }
    Loaded::Text(SourceFile::new(path.to_path_buf(), text, enc))
}
