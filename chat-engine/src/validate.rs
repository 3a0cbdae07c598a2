//! Rules for usernames, passwords and profile fields.

use crate::error::{Error, Result};

/// Checks a username: 2 to 32 ASCII letters, digits, `_`, `.` or `-`.
pub(crate) fn username(name: &str) -> Result<()> {
    let len = name.chars().count();
    if !(2..=32).contains(&len) {
        return Err(Error::validation("username", "must be 2 to 32 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(Error::validation(
            "username",
            "may hold only letters, digits, '_', '.' and '-'",
        ));
    }
    Ok(())
}

/// Checks a password: 8 to 128 characters.
pub(crate) fn password(password: &str) -> Result<()> {
    let len = password.chars().count();
    if len < 8 {
        return Err(Error::validation(
            "password",
            "must be at least 8 characters",
        ));
    }
    if len > 128 {
        return Err(Error::validation(
            "password",
            "must be at most 128 characters",
        ));
    }
    Ok(())
}

/// Checks an optional e-mail address.
pub(crate) fn email(email: Option<&str>) -> Result<()> {
    match email {
        Some(e) if e.len() > 254 || !e.contains('@') || e.starts_with('@') || e.ends_with('@') => {
            Err(Error::validation("email", "is not an e-mail address"))
        }
        _ => Ok(()),
    }
}

/// Checks a free-text field's length in characters.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::validation(field, "must not hold control characters"));
    }
    Ok(())
}

/// Checks a name: trimmed, 1 to `max` characters.
pub(crate) fn name(field: &'static str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    text(field, trimmed, max)?;
    Ok(trimmed.to_owned())
}

/// A reaction's emoji: 1 to 64 bytes, no spaces or control characters.
pub(crate) fn emoji(emoji: &str) -> Result<()> {
    let fits = !emoji.is_empty() && emoji.len() <= 64;
    if !fits || emoji.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::validation(
            "emoji",
            "must be 1 to 64 bytes without spaces",
        ));
    }
    Ok(())
}
