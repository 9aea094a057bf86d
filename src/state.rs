//! State that outlives a restart, beside the audit log in the data dir: the off-queue blocks
//! in progress (`blocks.json`). Written atomically (temp file, then rename).

use crate::domain::blocks::Block;
use std::path::{Path, PathBuf};

/// The platform data dir (`~/.local/share/shiftlead` on Linux): the audit log, blocks and
/// handoffs live here.
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "shiftlead", "shiftlead").map(|d| d.data_dir().into())
}

/// `blocks.json` in the [`data_dir`].
pub fn blocks_path() -> Option<PathBuf> {
    data_dir().map(|d| d.join("blocks.json"))
}

/// The blocks saved at `path`; none when the file is missing. A damaged file is reported
/// (for the log) and treated as empty, never fatal.
pub fn load_blocks(path: &Path) -> (Vec<Block>, Option<String>) {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(blocks) => (blocks, None),
            Err(e) => (
                Vec::new(),
                Some(format!(
                    "{} is damaged ({e}); blocks start empty",
                    path.display()
                )),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), None),
        Err(e) => (
            Vec::new(),
            Some(format!("cannot read {}: {e}", path.display())),
        ),
    }
}

/// Saves `blocks` to `path` atomically.
pub fn save_blocks(path: &Path, blocks: &[Block]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(blocks).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TeammateId;

    #[test]
    fn blocks_round_trip_and_a_damaged_file_is_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blocks.json");
        assert_eq!(load_blocks(&path), (Vec::new(), None));
        let t = |s: i64| jiff::Timestamp::from_second(1_800_000_000 + s).unwrap();
        let b = Block {
            teammate: TeammateId("7".into()),
            name: "Ana".into(),
            reason: None,
            label: "Training".into(),
            start: t(0),
            end: t(1800),
            by: None,
        };
        save_blocks(&path, std::slice::from_ref(&b)).unwrap();
        assert_eq!(load_blocks(&path).0, vec![b]);
        std::fs::write(&path, "{ not json").unwrap();
        let (blocks, why) = load_blocks(&path);
        assert!(blocks.is_empty());
        assert!(why.unwrap().contains("damaged"));
    }
}
