//! [`ConfigError`]: what is wrong, in which file, at which line and column, under which key;
//! locations come from toml spans (byte ranges), turned into lines and columns safely.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// A configuration error naming the file, the line and column, and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config error in {}{}: {message}", file.display(), place(*line, *column, key.as_deref()))]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// Dotted key path, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn place(line: Option<usize>, column: Option<usize>, key: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(line) = line {
        out.push_str(&format!(" line {line}"));
        if let Some(col) = column {
            out.push_str(&format!(", column {col}"));
        }
    }
    if let Some(key) = key {
        out.push_str(&format!(", key {key}"));
    }
    out
}

impl ConfigError {
    /// An error about the whole file (unreadable, …).
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
        }
    }

    /// An error at `span` of `text` (when known), under `key` (when known).
    pub fn at(
        file: &Path,
        text: &str,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = span.map_or((None, None), |s| {
            let (l, c) = line_col(text, s.start);
            (Some(l), Some(c))
        });
        ConfigError {
            file: file.to_path_buf(),
            line,
            column,
            key,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset. Offsets past the end or inside
/// a multibyte character are moved back to the character's start, never sliced through.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_survives_crlf_multibyte_and_bad_offsets() {
        let text = "a = \"Zoë\"\r\nb = \"🎉\" x\r\n";
        let x = text.find('x').unwrap();
        assert_eq!(line_col(text, x), (2, 9));
        let inside_emoji = text.find('🎉').unwrap() + 1;
        assert_eq!(line_col(text, inside_emoji), (2, 6));
        assert_eq!(line_col(text, 10_000).0, 3);
        assert_eq!(line_col("", 3), (1, 1));
    }

    #[test]
    fn display_names_file_line_column_and_key() {
        let e = ConfigError::at(
            Path::new("/x/c.toml"),
            "[ui]\nrefresh = 1\n",
            Some(15..16),
            Some("ui.refresh".into()),
            "bad",
        );
        assert_eq!(
            e.to_string(),
            "config error in /x/c.toml line 2, column 11, key ui.refresh: bad"
        );
    }
}
