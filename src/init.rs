//! `shiftlead init`: writes the documented example config, filled in with what it can infer,
//! readable by the owner only.

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The example config shipped with the binary.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// The config text for `backend` (`intercom` or `demo`) in `region`.
pub fn render(backend: &str, region: &str) -> Result<String> {
    crate::backend::intercom::IntercomSettings::region_url(region).map_err(|e| eyre!("{e}"))?;
    let text = EXAMPLE
        .replacen("kind = \"demo\"", &format!("kind = \"{backend}\""), 1)
        .replacen(
            "region = \"us\"",
            &format!("region = \"{}\"", region.to_ascii_lowercase()),
            1,
        );
    Ok(text)
}

/// Writes the config to `path` (mode 600); refuses to replace a file unless `force`.
pub fn write(path: &Path, text: &str, force: bool) -> Result<PathBuf> {
    if path.exists() && !force {
        bail!(
            "{} already exists; use --force to replace it",
            path.display()
        );
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .wrap_err_with(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_config_parses_and_has_the_choices() {
        let text = render("intercom", "EU").unwrap();
        let (c, warnings) = crate::config::parse(&text, Path::new("x.toml")).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(c.backend.kind, crate::config::BackendKind::Intercom);
        assert_eq!(c.backend.region, "eu");
        assert!(render("intercom", "mars").is_err());
    }

    #[test]
    fn writes_with_mode_600_and_never_overwrites_silently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.toml");
        write(&path, "x = 1\n", false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let e = write(&path, "y = 2\n", false).unwrap_err();
        assert!(e.to_string().contains("--force"));
        write(&path, "y = 2\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "y = 2\n");
    }
}
