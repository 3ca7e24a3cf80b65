//! A page's YAML front matter → its scalar fields, in order.
//!
//! yaml-rust2 reads YAML, but building its document tree for a few lines was about 9% of all the
//! parsing of the corpus. Almost every page's front matter is a few `key: value` lines, so those are
//! read directly, with the library's own rule for what a plain scalar means ([`Yaml::from_str`]);
//! anything else, from a comment or a list to a duplicated key, goes to yaml-rust2 whole. The two agree on every page of the corpus (`tests/front_matter.rs`).

use yaml_rust2::{Yaml, YamlLoader};

/// The scalar fields of the mapping at the top of `yaml`, as strings, in document order; other fields
/// (lists, maps, nulls) are left out. An error is yaml-rust2's message.
pub fn fields(yaml: &str) -> Result<Vec<(String, String)>, String> {
    match simple_fields(yaml) {
        Some(fields) => Ok(fields),
        None => yaml_fields(yaml),
    }
}

/// [`fields`] by yaml-rust2 alone.
pub fn yaml_fields(yaml: &str) -> Result<Vec<(String, String)>, String> {
    let docs = YamlLoader::load_from_str(yaml).map_err(|error| error.to_string())?;
    Ok(docs
        .first()
        .and_then(Yaml::as_hash)
        .map(|hash| {
            hash.iter()
                .filter_map(|(key, value)| Some((key.as_str()?.to_owned(), scalar(value.clone())?)))
                .collect()
        })
        .unwrap_or_default())
}

/// [`fields`] when every line of `yaml` is blank or `key: value` at the left margin, with a plain key
/// and a one-line value: plain, or quoted without escapes. `None` for anything else.
pub fn simple_fields(yaml: &str) -> Option<Vec<(String, String)>> {
    let mut fields: Vec<(String, String)> = Vec::new();
    // Every key read, whether or not its value is kept: a set, so that many keys cost no more
    // than yaml-rust2's own map.
    let mut keys: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for line in yaml.lines() {
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        let key = plain_word(key)?;
        // yaml-rust2 refuses a duplicated key; let it say so.
        if !keys.insert(key) {
            return None;
        }
        let Yaml::String(key) = Yaml::from_str(key) else { return None };
        let value = value.trim_start_matches(' ');
        let value = match value.as_bytes().first()? {
            b'"' => Yaml::String(quoted(value, '"')?.to_owned()),
            b'\'' => Yaml::String(quoted(value, '\'')?.to_owned()),
            _ => Yaml::from_str(plain_value(value)?),
        };
        // A null or other non-scalar is left out, as `yaml_fields` leaves it out.
        if let Some(value) = scalar(value) {
            fields.push((key, value));
        }
    }
    Some(fields)
}

/// What the model keeps of a scalar: its text (numbers and booleans as YAML wrote them, canonically).
fn scalar(value: Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A key such as `ms.prod` or `doc_type`.
fn plain_word(key: &str) -> Option<&str> {
    let mut chars = key.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_is_word = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    (starts_with_letter && rest_is_word).then_some(key)
}

/// The text between `quote`s that end the value (trailing spaces allowed), holding no quote, escape
/// or character YAML would read otherwise.
fn quoted(value: &str, quote: char) -> Option<&str> {
    let inner = value.strip_prefix(quote)?.trim_end_matches(' ').strip_suffix(quote)?;
    let simple = inner.chars().all(|c| c != quote && c != '\\' && is_plain_text(c));
    simple.then_some(inner)
}

/// A plain scalar that starts with a letter or digit and holds nothing that could start a comment, a
/// nested mapping or a line break; trailing spaces are not part of it.
fn plain_value(value: &str) -> Option<&str> {
    let value = value.trim_end_matches(' ');
    let starts_plainly = value.chars().next().is_some_and(char::is_alphanumeric);
    let simple = value.chars().all(is_plain_text)
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':');
    (starts_plainly && simple).then_some(value)
}

/// Text YAML reads as itself: printable, not a tab, and no line break in any YAML version.
fn is_plain_text(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn key_value_lines_are_read_directly_as_yaml_rust2_reads_them() {
        let yaml = "title: \"Get a: b\"\ndescription: 'It''s'\nauthor: dougeby\nms.prod: intune\n\n\
                    count: 007\nflag: True\nratio: 1.50\nempty: null\nhex: 0x1F\n";
        // The single-quoted value has an escaped quote: the whole front matter goes to yaml-rust2.
        assert_eq!(simple_fields(yaml), None);
        let yaml = yaml.replace("'It''s'", "'Its'");
        let expected = pairs(&[
            ("title", "Get a: b"),
            ("description", "Its"),
            ("author", "dougeby"),
            ("ms.prod", "intune"),
            ("count", "7"),
            ("flag", "true"),
            ("ratio", "1.50"),
            ("hex", "31"),
        ]);
        assert_eq!(simple_fields(&yaml), Some(expected.clone()));
        assert_eq!(yaml_fields(&yaml), Ok(expected));
    }

    #[test]
    fn anything_beyond_simple_lines_goes_to_yaml_rust2() {
        for yaml in [
            "title: a\n  continued\n",
            "title: a # comment\n",
            "# comment\ntitle: a\n",
            "list:\n- a\n",
            "title: \"a\\tb\"\n",
            "title: \"a\" b\n",
            "title: a\ttab\n",
            "title: [a, b]\n",
            "title: a\ntitle: b\n",
            "\"quoted key\": a\n",
            "true: a\n",
            "title:a\n",
        ] {
            assert_eq!(simple_fields(yaml), None, "{yaml:?}");
        }
        assert_eq!(fields("title: a # comment\n"), Ok(pairs(&[("title", "a")])));
        assert!(fields("title: a\ntitle: b\n").is_err_and(|e| e.contains("duplicated key")));
    }
}
