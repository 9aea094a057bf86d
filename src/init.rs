//! `shiftlead init`: writes the documented example config, filled in with what it can infer,
//! readable by the owner only.

use crate::backend::BackendConfig;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The example config shipped with the binary.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// The config text for backend `kind` (a vendor, or `demo`) in `region` (for vendors that
/// have regions): the example config with its `[backend]` section replaced by the registry's
/// commented template for that kind.
pub fn render(kind: &str, region: &str) -> Result<String> {
    let section = BackendConfig::init_template(kind, region).map_err(|e| eyre!("{e}"))?;
    let (before, after) = backend_section_bounds(EXAMPLE)?;
    Ok(format!(
        "{}{section}\n{}",
        &EXAMPLE[..before],
        &EXAMPLE[after..]
    ))
}

/// Byte range of the `[backend]` section of `text`, up to the next table.
fn backend_section_bounds(text: &str) -> Result<(usize, usize)> {
    let start = text
        .find("\n[backend]\n")
        .map(|i| i + 1)
        .ok_or_else(|| eyre!("the example config has no [backend] section"))?;
    let end = text[start + 1..]
        .find("\n[")
        .map_or(text.len(), |i| start + 1 + i + 1);
    Ok((start, end))
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
    use crate::backend::{DEMO_TEMPLATE, Vendor};

    #[test]
    fn rendered_config_parses_and_has_the_choices() {
        for kind in BackendConfig::kinds() {
            let text = render(kind, "EU").unwrap();
            let (c, warnings) = crate::config::parse(&text, Path::new("x.toml")).unwrap();
            assert!(warnings.is_empty(), "{kind}: {warnings:?}");
            assert_eq!(c.backend.kind(), kind);
            assert!(text.contains("[caps]") && text.contains("[ui]"), "{kind}");
        }
        let text = render(Vendor::default().name(), "EU").unwrap();
        assert!(text.contains("region = \"eu\""), "{text}");
        assert!(render(Vendor::default().name(), "mars").is_err());
        assert!(render("nope", "us").is_err());
    }

    /// How `config.example.toml` shows a vendor's section: commented out and indented.
    fn commented(template: &str) -> String {
        template.lines().map(|l| format!("#   {l}\n")).collect()
    }

    #[test]
    fn the_example_shows_the_demo_section_and_every_vendor_section() {
        assert!(EXAMPLE.contains(DEMO_TEMPLATE));
        for vendor in Vendor::ALL {
            let template = vendor.init_template("us").unwrap();
            assert!(EXAMPLE.contains(&commented(&template)), "{vendor}");
        }
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
