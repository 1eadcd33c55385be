//! Domain types: parse, don't validate. Resolvers take plain strings from GraphQL and
//! call `parse`, so a failure carries `BAD_USER_INPUT`; past that only valid values exist.

pub mod analytics;
pub mod articles;
pub mod assistant;
pub mod automations;
mod behaviour;
pub mod conversation;
pub mod conversions;
pub mod email_in;
mod enums;
pub mod rules;
pub mod signals;
pub mod summary;
pub mod triggers;
pub mod webhooks;
pub use behaviour::*;
pub use conversation::inbox_preview;
pub use enums::*;

/// Why an input was refused, in words for the client. Deliberately not `Display`:
/// that keeps async-graphql's blanket conversion from turning it into an error
/// without `extensions.code`; it converts through `ApiError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError(pub String);

fn invalid(msg: impl Into<String>) -> ValidationError {
    ValidationError(msg.into())
}

/// Trims and bounds a free-text field by Unicode scalar values.
/// NUL cannot be stored in PostgreSQL text (nor is it ever meant): refused up front.
fn no_nul(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.contains('\0') {
        return Err(invalid(format!("{field} must not contain NUL characters")));
    }
    Ok(())
}

fn bounded(field: &str, value: &str, min: usize, max: usize) -> Result<String, ValidationError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(if min == 1 { invalid(format!("{field} must not be blank")) } else { invalid(format!("{field} must be at least {min} characters")) });
    }
    if n > max {
        return Err(invalid(format!("{field} must be at most {max} characters")));
    }
    no_nul(field, v)?;
    Ok(v.to_owned())
}

macro_rules! text_newtype {
    ($(#[$m:meta])* $name:ident, $field:literal, $min:expr, $max:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);
        impl $name {
            pub const MAX: usize = $max;
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                bounded($field, s, $min, $max).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_newtype!(
    /// A message body: trimmed, 1 to 10,000 Unicode scalar values.
    MessageBody, "body", 1, 10_000);
text_newtype!(PersonName, "name", 1, 100);
text_newtype!(OrgName, "organization name", 1, 100);
text_newtype!(WebsiteName, "website name", 1, 100);
text_newtype!(DepartmentName, "department name", 1, 100);
text_newtype!(ApiKeyName, "API key name", 1, 100);
text_newtype!(CannedTitle, "title", 1, 200);
text_newtype!(CannedBody, "body", 1, 10_000);
text_newtype!(LauncherText, "launcher text", 1, 40);
text_newtype!(Greeting, "greeting", 1, 500);
text_newtype!(RatingComment, "comment", 0, 2_000);

/// An email address, checked for syntax only and stored lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_lowercase();
        let bad = || invalid("email is not a valid address");
        if s.chars().count() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(bad());
        }
        if domain.len() < 3 || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(bad());
        }
        Ok(Email(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password: 8 to 128 characters, no composition rules (NIST 800-63B).
pub struct Password(String);

impl Password {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let n = s.chars().count();
        if !(8..=128).contains(&n) {
            return Err(invalid("password must be 8 to 128 characters"));
        }
        Ok(Password(s.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// The client's idempotency key for a send: 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessageId(String);

impl ClientMessageId {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let n = s.chars().count();
        if n == 0 || n > 64 {
            return Err(invalid("clientMessageId must be 1 to 64 characters"));
        }
        no_nul("clientMessageId", s)?;
        Ok(ClientMessageId(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A canned response shortcut, typed after `/` in a composer: `[a-z0-9_-]{1,32}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortcut(String);

impl Shortcut {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().trim_start_matches('/').to_lowercase();
        let ok = (1..=32).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(invalid("shortcut must be 1 to 32 letters, digits, '-' or '_'"));
        }
        Ok(Shortcut(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A CSS hex colour, `#rgb` or `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Color(String);

impl Color {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_lowercase();
        let hex = s.strip_prefix('#').unwrap_or("");
        if !(hex.len() == 3 || hex.len() == 6) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid("color must be a hex colour like #4f46e5"));
        }
        Ok(Color(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A web origin (`https://shop.example`), as browsers send it in the `Origin` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebOrigin(String);

impl WebOrigin {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().trim_end_matches('/').to_lowercase();
        let bad = || invalid(format!("'{s}' is not an origin like https://shop.example"));
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or_else(bad)?;
        if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') || rest.contains(char::is_whitespace) {
            return Err(bad());
        }
        Ok(WebOrigin(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn parse_list(list: &[String]) -> Result<Vec<WebOrigin>, ValidationError> {
        if list.len() > 50 {
            return Err(invalid("at most 50 allowed origins"));
        }
        list.iter().map(|o| WebOrigin::parse(o)).collect()
    }
}

/// An absolute http(s) URL of at most `max` characters (pages, referrers, avatars).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(field: &str, s: &str, max: usize) -> Result<Self, ValidationError> {
        let s = s.trim();
        let ok = (s.starts_with("https://") || s.starts_with("http://"))
            && s.len() > 8
            && s.chars().count() <= max
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(invalid(format!("{field} must be an http(s) URL of at most {max} characters")));
        }
        Ok(WebUrl(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_newtype!(PageTitle, "title", 0, 300);

/// A CSAT rating, 1 to 5.
#[derive(Debug, Clone, Copy)]
pub struct Rating(i64);

impl Rating {
    pub fn parse(n: i32) -> Result<Self, ValidationError> {
        if !(1..=5).contains(&n) {
            return Err(invalid("rating must be 1 to 5"));
        }
        Ok(Rating(n as i64))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_body_is_trimmed_and_bounded_by_scalar_values() {
        assert_eq!(MessageBody::parse("  hi ").unwrap().as_str(), "hi");
        assert!(MessageBody::parse("   \n").is_err());
        assert!(MessageBody::parse(&"é".repeat(10_000)).is_ok());
        assert!(MessageBody::parse(&"é".repeat(10_001)).is_err());
        assert!(MessageBody::parse("a\0b").is_err());
        assert!(ClientMessageId::parse("k\0").is_err());
    }

    #[test]
    fn emails_are_checked_for_syntax_and_lowercased() {
        assert_eq!(Email::parse(" Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
        for bad in ["", "ann", "ann@", "@x.io", "ann@localhost", "a b@x.io", "ann@x..io"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_8_to_128_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn origins_and_colours_parse() {
        assert_eq!(WebOrigin::parse("https://Shop.example/").unwrap().as_str(), "https://shop.example");
        assert!(WebOrigin::parse("shop.example").is_err());
        assert!(WebOrigin::parse("https://shop.example/path").is_err());
        assert!(Color::parse("#12ab3F").is_ok());
        assert!(Color::parse("red").is_err());
    }
}
