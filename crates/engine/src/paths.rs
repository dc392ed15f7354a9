//! Where Steward keeps its files. The desktop app and the CLI share one data directory so an admin
//! can script what the app shows; `--data-dir` overrides it (tests use a temp dir each).

use std::path::{Path, PathBuf};

use crate::EngineError;

/// The app identifier; Tauri derives its app data dir from the same string, so both agree.
pub const APP_IDENTIFIER: &str = "dev.steward.desktop";

/// A data directory that exists and is writable, with the paths of the files inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Uses `root`, creating it (and parents) when missing.
    pub fn at(root: impl Into<PathBuf>) -> Result<Self, EngineError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|source| EngineError::DataDir {
            path: root.clone(),
            source,
        })?;
        Ok(Self { root })
    }

    /// The OS default: `$XDG_DATA_HOME/dev.steward.desktop` on Linux, `~/Library/Application
    /// Support/dev.steward.desktop` on macOS, `%APPDATA%\dev.steward.desktop` on Windows.
    pub fn os_default() -> Result<Self, EngineError> {
        let base = directories::BaseDirs::new().ok_or(EngineError::NoHomeDir)?;
        Self::at(base.data_dir().join(APP_IDENTIFIER))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The single SQLite file holding settings, queue, audit and reviews.
    pub fn database(&self) -> PathBuf {
        self.root.join("steward.sqlite3")
    }

    /// Rotating log files (`steward.log.YYYY-MM-DD`).
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_missing_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::at(tmp.path().join("a/b")).unwrap();
        assert!(dir.root().is_dir());
        assert_eq!(dir.database(), tmp.path().join("a/b/steward.sqlite3"));
    }

    #[test]
    fn refuses_a_path_under_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let err = DataDir::at(file.join("sub")).unwrap_err();
        assert!(
            err.to_string().contains("cannot create the data directory"),
            "{err}"
        );
    }
}
