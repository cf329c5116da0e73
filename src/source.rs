//! Source files as hedge sees them: decoded text plus a line index.
//!
//! Every span in hedge is a half-open range of UTF-8 byte offsets into [`SourceFile::text`].
//! Line and column numbers are derived only when something is shown to a person or a tool,
//! which keeps the parsers and the rule engine free of position bookkeeping.
//! Columns count characters (not bytes, not UTF-16 units), because that is what editors show
//! in their status bar; a UTF-8 byte-order mark is not a character of line 1.

use std::path::PathBuf;

/// A half-open byte range `[start, end)` into a file's text.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        // Files are capped well below 4 GiB by the loader, so offsets always fit.
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn shift(self, by: u32) -> Span {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }
}

/// How the bytes on disk were turned into [`SourceFile::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a byte-order mark; the mark stays in `text` so offsets match the file.
    Utf8Bom,
    /// Transcoded from UTF-16 (a BOM said which endianness); offsets refer to the UTF-8 text.
    Utf16Le,
    Utf16Be,
}

/// A 1-based line and character column.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// A decoded file ready for parsing.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (relative paths stay relative), used in every message.
    pub path: PathBuf,
    pub text: String,
    pub encoding: Encoding,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String, encoding: Encoding) -> SourceFile {
        let lines = LineIndex::new(&text);
        SourceFile {
            path,
            text,
            encoding,
            lines,
        }
    }

    /// Length of the byte-order mark that parsers must not see.
    pub fn bom_len(&self) -> usize {
        if self.text.starts_with('\u{feff}') {
            3
        } else {
            0
        }
    }

    /// The text a parser reads: everything after the BOM. Spans it reports are shifted by
    /// [`SourceFile::bom_len`] to become file spans.
    pub fn body(&self) -> &str {
        &self.text[self.bom_len()..]
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }
}

/// Maps byte offsets to lines. `\n`, `\r\n` and a lone `\r` each end one line, as YAML
/// and most editors count them.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0u32];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i as u32 + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i as u32 + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 0-based line `line` starts.
    pub fn line_start(&self, line: usize) -> Option<u32> {
        self.starts.get(line).copied()
    }

    /// 1-based line and character column of `offset`. Offsets past the end clamp to the end,
    /// and an offset inside a multi-byte character counts as that character.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = (offset as usize).min(text.len());
        let line = match self.starts.binary_search(&(offset as u32)) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.starts[line] as usize;
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut column = text[start..end].chars().count() as u32 + 1;
        if line == 0 && text.starts_with('\u{feff}') && end > 0 {
            column -= 1;
        }
        LineCol {
            line: line as u32 + 1,
            column,
        }
    }

    /// The inverse of [`LineIndex::line_col`]: the byte offset of a 1-based line and column,
    /// or `None` when the position is not in the text.
    pub fn offset(&self, text: &str, pos: LineCol) -> Option<u32> {
        let line = (pos.line as usize).checked_sub(1)?;
        let start = *self.starts.get(line)? as usize;
        let end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |&s| s as usize);
        let mut chars = pos.column.checked_sub(1)? as usize;
        if line == 0 && text.starts_with('\u{feff}') {
            chars += 1;
        }
        let mut iter = text[start..end].char_indices();
        match iter.nth(chars) {
            Some((i, _)) => Some((start + i) as u32),
            None if text[start..end].chars().count() == chars => Some(end as u32),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(text: &str, off: u32) -> (u32, u32) {
        let idx = LineIndex::new(text);
        let p = idx.line_col(text, off);
        (p.line, p.column)
    }

    #[test]
    fn counts_characters_not_bytes() {
        let t = "héllo: wörld\nx";
        assert_eq!(lc(t, t.find("wörld").unwrap() as u32), (1, 8));
        assert_eq!(lc(t, t.find('x').unwrap() as u32), (2, 1));
    }

    #[test]
    fn bom_is_not_a_column() {
        let t = "\u{feff}a: 1\nb: 2";
        assert_eq!(lc(t, 3), (1, 1));
        assert_eq!(lc(t, t.find('1').unwrap() as u32), (1, 4));
    }

    #[test]
    fn crlf_and_lone_cr_are_one_break_each() {
        let t = "a\r\nb\rc\n\nd";
        assert_eq!(lc(t, t.find('b').unwrap() as u32), (2, 1));
        assert_eq!(lc(t, t.find('c').unwrap() as u32), (3, 1));
        assert_eq!(lc(t, t.find('d').unwrap() as u32), (5, 1));
        // the \r of a CRLF belongs to the line it ends
        assert_eq!(lc(t, 1), (1, 2));
    }

    #[test]
    fn round_trips() {
        let t = "\u{feff}k: é\r\n\tv: 😀x\n";
        let idx = LineIndex::new(t);
        for (off, _) in t.char_indices().skip(1) {
            let p = idx.line_col(t, off as u32);
            assert_eq!(idx.offset(t, p), Some(off as u32), "offset {off} -> {p:?}");
        }
    }
}
