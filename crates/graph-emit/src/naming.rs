//! The one place wire names become Rust identifiers: case conversion, keywords, leading digits,
//! punctuation, empty names and collisions.
//!
//! Every identifier the emitter prints goes through here. Conversion is ASCII-only (anything else is
//! dropped, as punctuation is), so the result is always a valid identifier and building a
//! [`proc_macro2::Ident`] from it cannot panic.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Keywords that can be written as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: they get a `_` suffix (`self_`).
const NON_RAW_KEYWORDS: &[&str] = &["_", "crate", "self", "Self", "super"];

/// Converts a wire name to an UpperCamelCase type or variant name, always a valid identifier:
/// `macOSWiredNetworkConfiguration` → `MacOsWiredNetworkConfiguration`, `3dModel` → `T3dModel`,
/// `` (empty) → `Unnamed`.
pub fn type_name(wire: &str) -> String {
    let camel = ascii_words(wire).to_upper_camel_case();
    let name = if camel.is_empty() {
        "Unnamed".to_owned()
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{camel}")
    } else {
        camel
    };
    if name == "Self" {
        "SelfType".to_owned()
    } else {
        name
    }
}

/// Converts a wire name to a snake_case field, method or module name, always a valid identifier
/// (keywords come back raw, `r#type`, or suffixed, `self_`): `displayName` → `display_name`,
/// `@odata.nextLink` → `odata_next_link`, `3d` → `_3d`, `` (empty) → `unnamed`.
pub fn snake_name(wire: &str) -> String {
    let snake = ascii_words(wire).to_snake_case();
    let name = if snake.is_empty() {
        "unnamed".to_owned()
    } else if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{snake}")
    } else {
        snake
    };
    keyword_safe(name)
}

/// Makes a snake or camel name that is a keyword usable: raw where Rust allows it, else `_`-suffixed.
fn keyword_safe(name: String) -> String {
    if RAW_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// Replaces every character that is not an ASCII letter or digit with a space (a word boundary for
/// heck), so punctuation, `@`, `.` and non-ASCII letters never reach an identifier.
fn ascii_words(wire: &str) -> String {
    wire.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect()
}

/// The name without a raw prefix: what serde derives as the wire name of a field called `name`.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Builds the identifier token for a name produced by this module (raw when it starts with `r#`).
///
/// Names that are not valid identifiers (only possible through a bug in a caller that bypassed this
/// module) become `invalid_name` instead of panicking inside proc-macro2.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(bare) if RAW_KEYWORDS.contains(&bare) => Ident::new_raw(bare, Span::call_site()),
        Some(_) => Ident::new("invalid_name", Span::call_site()),
        None if is_plain_identifier(name) => Ident::new(name, Span::call_site()),
        None => Ident::new("invalid_name", Span::call_site()),
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`, not `_` alone and not a keyword.
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && name != "_"
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RAW_KEYWORDS.contains(&name)
        && !NON_RAW_KEYWORDS.contains(&name)
}

/// Hands out unique names within one scope (a module's types, a struct's fields, a node's methods).
///
/// Collisions get a numeric suffix (`2`, `3`, …) in the order names are requested, so callers request
/// them in a sorted order to keep the output deterministic.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` names (imports, generated helpers) are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Scope {
        Scope { taken: reserved.iter().map(|name| (*name).to_owned()).collect() }
    }

    /// Claims `candidate`, or `candidate2`, `candidate3`, … if it is taken. Raw names keep their
    /// prefix only when unsuffixed (`r#type`, then `type2`).
    pub fn claim(&mut self, candidate: &str) -> String {
        let bare = unraw(candidate);
        if !self.taken.contains(bare) {
            self.taken.insert(bare.to_owned());
            return candidate.to_owned();
        }
        let mut counter = 2_u32;
        loop {
            let suffixed = format!("{bare}{counter}");
            if !self.taken.contains(&suffixed) {
                self.taken.insert(suffixed.clone());
                return suffixed;
            }
            counter += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wire names that have broken generators: keywords, digits, punctuation, acronyms, empty.
    const NASTY: &[(&str, &str, &str)] = &[
        // (wire, type name, snake name)
        (
            "enrollmentConfigurationAssignment",
            "EnrollmentConfigurationAssignment",
            "enrollment_configuration_assignment",
        ),
        (
            "macOSWiredNetworkConfiguration",
            "MacOsWiredNetworkConfiguration",
            "mac_os_wired_network_configuration",
        ),
        (
            "windowsPhone81VpnConfiguration",
            "WindowsPhone81VpnConfiguration",
            "windows_phone81_vpn_configuration",
        ),
        ("type", "Type", "r#type"),
        ("ref", "Ref", "r#ref"),
        ("async", "Async", "r#async"),
        ("self", "SelfType", "self_"),
        ("Self", "SelfType", "self_"),
        ("crate", "Crate", "crate_"),
        ("super", "Super", "super_"),
        ("3dModel", "T3dModel", "_3d_model"),
        ("@odata.nextLink", "OdataNextLink", "odata_next_link"),
        (
            "microsoft.graph.iosScepCertificateProfile",
            "MicrosoftGraphIosScepCertificateProfile",
            "microsoft_graph_ios_scep_certificate_profile",
        ),
        ("", "Unnamed", "unnamed"),
        ("---", "Unnamed", "unnamed"),
        ("_", "Unnamed", "unnamed"),
        ("café", "Caf", "caf"),
        ("x-ms-header", "XMsHeader", "x_ms_header"),
        ("ALLCAPS", "Allcaps", "allcaps"),
        ("odataType", "OdataType", "odata_type"),
    ];

    #[test]
    fn nasty_wire_names_become_valid_identifiers() {
        for (wire, camel, snake) in NASTY {
            assert_eq!(type_name(wire), *camel, "type name of {wire:?}");
            assert_eq!(snake_name(wire), *snake, "snake name of {wire:?}");
            // Building the tokens must not panic and must print the name back.
            assert_eq!(ident(&type_name(wire)).to_string(), *camel);
            assert_eq!(ident(&snake_name(wire)).to_string(), *snake);
        }
    }

    #[test]
    fn colliding_names_get_numeric_suffixes_in_request_order() {
        let mut scope = Scope::with_reserved(&["odata_type", "additional_properties"]);
        assert_eq!(scope.claim(&snake_name("fooBar")), "foo_bar");
        assert_eq!(scope.claim(&snake_name("foo_bar")), "foo_bar2");
        assert_eq!(scope.claim(&snake_name("FooBar")), "foo_bar3");
        assert_eq!(scope.claim(&snake_name("odataType")), "odata_type2");
        assert_eq!(scope.claim(&snake_name("type")), "r#type");
        assert_eq!(scope.claim(&snake_name("Type")), "type2");
    }

    #[test]
    fn a_type_named_like_a_generated_helper_is_suffixed() {
        let mut scope = Scope::with_reserved(&["Value", "Map", "String"]);
        assert_eq!(scope.claim(&type_name("string")), "String2");
        assert_eq!(scope.claim(&type_name("value")), "Value2");
        assert_eq!(scope.claim(&type_name("user")), "User");
    }

    #[test]
    fn names_that_bypassed_the_sanitiser_do_not_panic() {
        assert_eq!(ident("3d").to_string(), "invalid_name");
        assert_eq!(ident("r#self").to_string(), "invalid_name");
        assert_eq!(ident("a b").to_string(), "invalid_name");
        assert_eq!(ident("type").to_string(), "invalid_name");
        assert_eq!(ident("").to_string(), "invalid_name");
    }
}
