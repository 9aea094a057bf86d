//! API tokens, the same for every vendor: from the environment variable, else the inline
//! `token` (only in a file its owner alone can read), else `token_command`'s output; each one
//! registered for redaction. Errors never include the token or the command's output.

use super::ConfigError;
use crate::backend::TokenSource;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;

/// Why no token could be had. Never carries the token or the command's output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Neither the variable, an inline token nor a command.
    #[error("no API token: set {0} or backend.token_command in the config")]
    Missing(String),
    /// The command could not start.
    #[error("token_command could not run: {0}")]
    Spawn(String),
    /// The command exited with an error.
    #[error("token_command failed ({0})")]
    Failed(String),
    /// The command printed something that is not UTF-8.
    #[error("token_command printed something that is not UTF-8")]
    NotUtf8,
    /// The command printed nothing.
    #[error("token_command printed nothing")]
    Empty,
}

/// The token `source` names, registered with the crash reporter for redaction.
pub fn resolve(source: &TokenSource<'_>) -> Result<SecretString, TokenError> {
    let token = find(source)?;
    crate::crash::register_secret(token.expose_secret());
    Ok(token)
}

fn find(source: &TokenSource<'_>) -> Result<SecretString, TokenError> {
    if let Ok(v) = std::env::var(source.env)
        && !v.trim().is_empty()
    {
        return Ok(SecretString::from(v.trim().to_owned()));
    }
    if let Some(token) = source.inline {
        return Ok(token.clone());
    }
    let Some(cmd) = source.command else {
        return Err(TokenError::Missing(source.env.to_owned()));
    };
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| TokenError::Spawn(e.to_string()))?;
    if !out.status.success() {
        return Err(TokenError::Failed(out.status.to_string()));
    }
    let token = String::from_utf8(out.stdout).map_err(|_| TokenError::NotUtf8)?;
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::Empty);
    }
    Ok(SecretString::from(token.to_owned()))
}

/// A file holding a token inline must be readable by its owner only; `line` is where the
/// token is written.
pub fn refuse_if_shared(
    path: &Path,
    source: &TokenSource<'_>,
    line: Option<usize>,
) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if mode & 0o077 != 0 {
            return Err(ConfigError {
                file: path.to_path_buf(),
                line,
                column: None,
                key: Some("backend.token".into()),
                message: format!(
                    "the file holds an API token but other users can read it (mode {mode:o}); \
                     run `chmod 600 {}`, or move the token to ${{{}}} or \
                     backend.token_command",
                    path.display(),
                    source.env
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, source, line);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_from_command_and_errors_never_show_output() {
        let mut source = TokenSource {
            env: "SHIFTLEAD_TEST_UNSET_VAR_9f2",
            command: Some("echo '  s3cret-token  '"),
            inline: None,
        };
        assert_eq!(resolve(&source).unwrap().expose_secret(), "s3cret-token");
        source.command = Some("echo leaked-output; exit 3");
        let e = resolve(&source).unwrap_err().to_string();
        assert!(!e.contains("leaked-output"), "{e}");
        source.command = None;
        let e = resolve(&source).unwrap_err().to_string();
        assert!(e.contains("SHIFTLEAD_TEST_UNSET_VAR_9f2"), "{e}");
        let inline = SecretString::from("inline-tok".to_owned());
        source.inline = Some(&inline);
        assert_eq!(resolve(&source).unwrap().expose_secret(), "inline-tok");
    }
}
